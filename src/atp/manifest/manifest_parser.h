// atp/manifest/manifest_parser.h
//
// Reads a delivery manifest (docs/manifest.md) into a JobSpec.
#ifndef ATP_MANIFEST_MANIFEST_PARSER_H_
#define ATP_MANIFEST_MANIFEST_PARSER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/job_spec.h"

namespace atp::manifest {

inline constexpr size_t kMaxManifestBytes = 1 << 20;

// The source resolutions a manifest may declare, inclusive: Mezzanine/ResolutionWidth and
// Mezzanine/ResolutionHeight outside them are refused.
inline constexpr int kMinResolutionWidth = 320;
inline constexpr int kMaxResolutionWidth = 7680;
inline constexpr int kMinResolutionHeight = 240;
inline constexpr int kMaxResolutionHeight = 4320;

struct ParsedManifest {
  JobSpec spec;
  std::vector<std::string> warnings;  // "Field/Path: what is unusual"; never fatal.
};

// Parses and validates a manifest. On any problem returns InvalidArgument whose message is
// the problem lines joined by '\n', every problem at once, each
// "<Field/Path>: <the rule and what to change>, got '<value>'". Repeated elements carry a
// 1-based index: "AudioTracks/AudioTrack[2]/Language". Input over 1 MiB, not UTF-8, with a
// DTD, entity declarations, undeclared entity references or characters XML 1.0 forbids (raw
// or as character references) is refused before XML parsing (GuardManifestBytes).
[[nodiscard]] absl::StatusOr<ParsedManifest> ParseManifest(std::string_view xml);

}  // namespace atp::manifest

#endif  // ATP_MANIFEST_MANIFEST_PARSER_H_
