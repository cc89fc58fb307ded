// atp/validate/dash_validator.h
//
// Checks a static DASH MPD with SegmentTemplate + SegmentTimeline against the segment files
// it resolves to, measuring the files rather than trusting the MPD; text AdaptationSets with
// a WebVTT sidecar (text/vtt at a BaseURL) are read as WebVTT.
#ifndef ATP_VALIDATE_DASH_VALIDATOR_H_
#define ATP_VALIDATE_DASH_VALIDATOR_H_

#include <string_view>

#include "absl/status/status.h"
#include "atp/validate/package_files.h"
#include "atp/validate/validate_options.h"
#include "atp/validate/validation_report.h"

namespace atp::validate {

// Adds the findings about `mpd` (a path inside `files`' package, e.g. "manifest.mpd") to
// `report`; every file is read through `files`. InvalidArgument or NotFound only when the MPD
// cannot be read as XML at all (over 16 MiB, a DTD or entity declaration, not well-formed),
// PermissionDenied when the MPD itself is refused (see PackageFiles); a refused reference or
// the budget running out is a finding. Of `options`, the subtitle languages and the source's
// duration are used (for the text AdaptationSets); the byte budget is `files`'.
[[nodiscard]] absl::Status ValidateDashManifest(PackageFiles& files, std::string_view mpd,
                                                const ValidateOptions& options,
                                                ValidationReport& report);
// The same with default options.
[[nodiscard]] absl::Status ValidateDashManifest(PackageFiles& files, std::string_view mpd,
                                                ValidationReport& report);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_DASH_VALIDATOR_H_
