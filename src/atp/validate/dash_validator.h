// atp/validate/dash_validator.h
//
// Checks a static DASH MPD with SegmentTemplate + SegmentTimeline against the segment files
// it resolves to, measuring the files rather than trusting the MPD.
#ifndef ATP_VALIDATE_DASH_VALIDATOR_H_
#define ATP_VALIDATE_DASH_VALIDATOR_H_

#include <filesystem>

#include "absl/status/status.h"
#include "atp/validate/validation_report.h"

namespace atp::validate {

// Adds the findings about `mpd` to `report`. InvalidArgument or NotFound only when the file
// cannot be read as XML at all (over 16 MiB, a DTD or entity declaration, not well-formed).
[[nodiscard]] absl::Status ValidateDashManifest(const std::filesystem::path& mpd,
                                                ValidationReport& report);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_DASH_VALIDATOR_H_
