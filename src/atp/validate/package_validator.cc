#include "atp/validate/package_validator.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/validate/dash_validator.h"
#include "atp/validate/package_files.h"

namespace atp::validate {
namespace {

// Validates the package `files` reads; `where` names it in messages.
absl::StatusOr<ValidationReport> ValidateFiles(PackageFiles& files, const std::string& where,
                                               const ValidateOptions& options) {
  const bool has_hls = files.Contains("master.m3u8");
  const bool has_dash = files.Contains("manifest.mpd");
  if (!has_hls && !has_dash) {
    return absl::NotFoundError(absl::StrCat(where, " has neither master.m3u8 nor manifest.mpd"));
  }
  ValidationReport report;
  if (has_hls) {
    ATP_ASSIGN_OR_RETURN(report, ValidateHlsPackage(files, "master.m3u8", options));
  }
  if (has_dash) ATP_RETURN_IF_ERROR(ValidateDashManifest(files, "manifest.mpd", options, report));
  return report;
}

}  // namespace

absl::StatusOr<ValidationReport> ValidatePackage(const std::filesystem::path& dir,
                                                 const ValidateOptions& options) {
  ATP_ASSIGN_OR_RETURN(PackageFiles files, PackageFiles::Open(dir, options.max_total_bytes));
  return ValidateFiles(files, dir.string(), options);
}

absl::StatusOr<ValidationReport> ValidatePackage(std::unique_ptr<storage::BlobStore> package,
                                                 const ValidateOptions& options) {
  if (package == nullptr) return absl::InvalidArgumentError("no package store to validate");
  const std::string where = package->Describe("");
  PackageFiles files(std::move(package), options.max_total_bytes);
  return ValidateFiles(files, where, options);
}

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

}  // namespace atp::validate
