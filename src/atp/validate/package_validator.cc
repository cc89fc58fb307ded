#include "atp/validate/package_validator.h"

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/validate/dash_validator.h"

namespace atp::validate {

absl::StatusOr<ValidationReport> ValidatePackage(const std::filesystem::path& dir,
                                                 const ValidateOptions& options) {
  const std::filesystem::path master = dir / "master.m3u8";
  const std::filesystem::path mpd = dir / "manifest.mpd";
  const bool has_hls = std::filesystem::exists(master);
  const bool has_dash = std::filesystem::exists(mpd);
  if (!has_hls && !has_dash) {
    return absl::NotFoundError(
        absl::StrCat(dir.string(), " has neither master.m3u8 nor manifest.mpd"));
  }
  ValidationReport report;
  if (has_hls) {
    ATP_ASSIGN_OR_RETURN(report, ValidateHlsPackage(master, options));
  }
  if (has_dash) ATP_RETURN_IF_ERROR(ValidateDashManifest(mpd, report));
  return report;
}

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

}  // namespace atp::validate
