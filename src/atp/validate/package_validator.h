// atp/validate/package_validator.h
//
// The whole package in a folder: its HLS multivariant playlist and its DASH MPD, whichever
// exist, into one report.
#ifndef ATP_VALIDATE_PACKAGE_VALIDATOR_H_
#define ATP_VALIDATE_PACKAGE_VALIDATOR_H_

#include <filesystem>

#include "absl/status/statusor.h"
#include "atp/validate/hls_validator.h"
#include "atp/validate/validation_report.h"

namespace atp::validate {

// Validates DIR/master.m3u8 and DIR/manifest.mpd. NotFound when neither exists;
// InvalidArgument when one cannot be read at all (see ValidateHlsPackage and
// ValidateDashManifest); otherwise every fault is a finding.
[[nodiscard]] absl::StatusOr<ValidationReport> ValidatePackage(const std::filesystem::path& dir,
                                                               const ValidateOptions& options);

[[nodiscard]] std::string_view SeverityName(Severity severity);  // "error" or "warning".

}  // namespace atp::validate

#endif  // ATP_VALIDATE_PACKAGE_VALIDATOR_H_
