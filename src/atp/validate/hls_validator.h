// atp/validate/hls_validator.h
//
// Checks an HLS package (multivariant playlist, media playlists, fMP4 segments) against the
// rule table, measuring the files rather than trusting the playlists.
#ifndef ATP_VALIDATE_HLS_VALIDATOR_H_
#define ATP_VALIDATE_HLS_VALIDATOR_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "atp/validate/package_files.h"
#include "atp/validate/validate_options.h"
#include "atp/validate/validation_report.h"

namespace atp::validate {

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
