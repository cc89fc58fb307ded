// atp/validate/package_validator.h
//
// The whole package in a folder or a store: its HLS multivariant playlist and its DASH MPD,
// whichever exist, into one report. Nothing outside the package is read (see PackageFiles).
#ifndef ATP_VALIDATE_PACKAGE_VALIDATOR_H_
#define ATP_VALIDATE_PACKAGE_VALIDATOR_H_

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "atp/storage/blob_store.h"
#include "atp/validate/hls_validator.h"
#include "atp/validate/validation_report.h"

namespace atp::validate {

// Validates DIR/master.m3u8 and DIR/manifest.mpd, reading at most options.max_total_bytes
// from DIR for both. NotFound when DIR or both files are missing; InvalidArgument when one
// cannot be read at all, PermissionDenied when one is not a regular file inside DIR (see
// ValidateHlsPackage and ValidateDashManifest); otherwise every fault is a finding.
[[nodiscard]] absl::StatusOr<ValidationReport> ValidatePackage(const std::filesystem::path& dir,
                                                               const ValidateOptions& options);

// The same for the package whose root is `package`'s root (master.m3u8 and manifest.mpd are
// keys of it), read only through its Open, List and Exists; nothing is written. For a package
// inside a larger store, pass store.Scoped(prefix). NotFound when neither file is there;
// InvalidArgument when `package` is null; otherwise as above.
[[nodiscard]] absl::StatusOr<ValidationReport> ValidatePackage(
    std::unique_ptr<storage::BlobStore> package, const ValidateOptions& options);

[[nodiscard]] std::string_view SeverityName(Severity severity);  // "error" or "warning".

}  // namespace atp::validate

#endif  // ATP_VALIDATE_PACKAGE_VALIDATOR_H_
