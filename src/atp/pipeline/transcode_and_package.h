// atp/pipeline/transcode_and_package.h
//
// The transcode and package steps: encode once, package twice (HLS and DASH over the same
// CMAF segments).
#ifndef ATP_PIPELINE_TRANSCODE_AND_PACKAGE_H_
#define ATP_PIPELINE_TRANSCODE_AND_PACKAGE_H_

#include <filesystem>
#include <functional>

#include "absl/status/statusor.h"
#include "atp/core/job_spec.h"
#include "atp/core/packaged_media.h"
#include "atp/core/rendition.h"
#include "atp/encode/encoding_profile.h"
#include "atp/encode/transcoder.h"

namespace atp::pipeline {

struct PackageRequest {
  JobSpec spec;
  std::filesystem::path mezzanine;
  Ladder ladder;
  encode::EncodingProfile profile;
  int threads = 2;
};

// The transcode step: encodes `request.mezzanine` into `dir` (which must exist and be
// empty): <rendition>/init.mp4 and <rendition>/seg_NNNNN.m4s for every rung and audio track
// ("audio_<language>"). Returns what was written, with bitrates measured on the segment files.
// On error `dir` may hold partial output: callers stage it and publish only on success.
[[nodiscard]] absl::StatusOr<PackagedMedia> TranscodeRenditions(
    const PackageRequest& request, const std::filesystem::path& dir,
    const encode::TranscodeProgressFn& progress);

// The package step: <rendition>/playlist.m3u8 for every track, master.m3u8, and manifest.mpd
// when `enable_dash`, written into `dir` from the records alone.
[[nodiscard]] absl::Status WritePackageManifests(const PackagedMedia& media, bool enable_dash,
                                                 const std::filesystem::path& dir);

// Both steps, one after the other.
[[nodiscard]] absl::StatusOr<PackagedMedia> TranscodeAndPackage(
    const PackageRequest& request, const std::filesystem::path& dir,
    const encode::TranscodeProgressFn& progress);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_TRANSCODE_AND_PACKAGE_H_
