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

// Transcodes `request.mezzanine` and writes into `dir` (which must exist and be empty):
// <rendition>/init.mp4, <rendition>/seg_NNNNN.m4s and <rendition>/playlist.m3u8 for every
// rung and audio track ("audio_<language>"), master.m3u8, and manifest.mpd when the profile
// enables DASH. Returns what was written, with bitrates measured on the segment files.
// On error `dir` may hold partial output: callers stage it and publish only on success.
[[nodiscard]] absl::StatusOr<PackagedMedia> TranscodeAndPackage(
    const PackageRequest& request, const std::filesystem::path& dir,
    const std::function<void(const encode::TranscodeProgress&)>& progress);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_TRANSCODE_AND_PACKAGE_H_
