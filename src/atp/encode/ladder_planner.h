// atp/encode/ladder_planner.h
#ifndef ATP_ENCODE_LADDER_PLANNER_H_
#define ATP_ENCODE_LADDER_PLANNER_H_

#include "absl/status/statusor.h"
#include "atp/core/rendition.h"
#include "atp/encode/encoding_profile.h"

namespace atp::encode {

// Plans the ABR ladder, in square pixels, for a source shown at `display_width` ×
// `display_height` (its stored width × its sample aspect ratio, by its height):
// - keeps each H.264 rung (and, when enabled, each H.265 rung, then each AV1 rung) whose
//   height does not exceed the source's, so nothing is upscaled; widths keep the source's
//   display aspect, rounded to even;
// - a source less than 10% below a rung's height (1918x1078 for 1080) gets that rung at its
//   own size, rounded down to even, rather than losing it;
// - never returns an empty ladder: a source below every H.264 rung gets one H.264 rung at its
//   own size (even dimensions), with the lowest rung's bitrate scaled by (height / lowest height)²;
// - H.264 rungs of 720 lines and up use the High profile, lower ones Main; H.265 and AV1
//   use Main.
// InvalidArgument when the source size is not positive or the profile is invalid.
[[nodiscard]] absl::StatusOr<Ladder> PlanLadder(const EncodingProfile& profile, int display_width,
                                                int display_height);

// How far below a rung's height a source may be and still get that rung (at its own size).
inline constexpr double kNearRungTolerance = 0.10;

}  // namespace atp::encode

#endif  // ATP_ENCODE_LADDER_PLANNER_H_
