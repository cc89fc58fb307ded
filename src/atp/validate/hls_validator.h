// atp/validate/hls_validator.h
//
// Checks an HLS package (multivariant playlist, media playlists, fMP4 segments) against the
// rule table, measuring the files rather than trusting the playlists.
#ifndef ATP_VALIDATE_HLS_VALIDATOR_H_
#define ATP_VALIDATE_HLS_VALIDATOR_H_

#include <filesystem>
#include <optional>

#include "absl/status/statusor.h"
#include "atp/validate/validation_report.h"

namespace atp::validate {

struct ValidateOptions {
  // When set, every rendition's duration must match it within one frame.
  std::optional<double> source_duration_seconds;
};

// Validates the package whose multivariant playlist is `master`. InvalidArgument or NotFound
// only when `master` itself cannot be read as a playlist; every other fault is a finding.
[[nodiscard]] absl::StatusOr<ValidationReport> ValidateHlsPackage(
    const std::filesystem::path& master, const ValidateOptions& options);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_HLS_VALIDATOR_H_
