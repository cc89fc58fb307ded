// atp/validate/hls_validator.h
//
// Checks an HLS package (multivariant playlist, media playlists, fMP4 segments) against the
// rule table, measuring the files rather than trusting the playlists.
#ifndef ATP_VALIDATE_HLS_VALIDATOR_H_
#define ATP_VALIDATE_HLS_VALIDATOR_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "atp/validate/audio_loudness.h"
#include "atp/validate/package_files.h"
#include "atp/validate/validation_report.h"

namespace atp::validate {

struct ValidateOptions {
  // When set, every rendition's duration must match it within one frame.
  std::optional<double> source_duration_seconds;
  // When set, every video rendition's display aspect (width × pixel aspect / height) must
  // match it within 1%: the source's width × SAR / height.
  std::optional<double> source_display_aspect;
  // When set, the source's audio start minus its video start (SourceInfo): every audio
  // rendition must start that long after the video, within one AAC frame (AV-START);
  // otherwise together with it.
  std::optional<double> source_audio_offset_seconds;
  // Bytes read from the whole package (playlists, MPD, segments; a range counts its length).
  // Past it nothing more is read: one PKG-BUDGET finding, and the findings made until then.
  uint64_t max_total_bytes = kDefaultMaxPackageBytes;
  // When set, every fMP4 audio rendition is decoded and metered (MeasureFmp4AudioLoudness)
  // and held to it: an AUDIO-LOUDNESS finding per problem (LoudnessProblems).
  std::optional<LoudnessTarget> loudness;
};

// Validates the package whose multivariant playlist is `master` (a path inside `files`'
// package, e.g. "master.m3u8"); every file is read through `files`. InvalidArgument or
// NotFound when `master` itself cannot be read as a playlist, PermissionDenied when it is
// refused (see PackageFiles); every other fault, a refused reference or the budget running
// out included, is a finding.
[[nodiscard]] absl::StatusOr<ValidationReport> ValidateHlsPackage(PackageFiles& files,
                                                                  std::string_view master,
                                                                  const ValidateOptions& options);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_HLS_VALIDATOR_H_
