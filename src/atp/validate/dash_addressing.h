// atp/validate/dash_addressing.h
//
// Which bytes a DASH Representation's segments are, and when the MPD says they play: resolves
// BaseURL, SegmentTemplate (with SegmentTimeline or @duration), SegmentList and SegmentBase
// (through the sidx its @indexRange points at) into one list (ISO/IEC 23009-1 5.3.9).
#ifndef ATP_VALIDATE_DASH_ADDRESSING_H_
#define ATP_VALIDATE_DASH_ADDRESSING_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::validate {

// An MPD byte range "first-last", both inclusive.
struct ByteRange {
  int64_t first = 0;
  int64_t last = 0;
  [[nodiscard]] int64_t length() const { return last - first + 1; }
};

struct AddressedSegment {
  std::string uri;  // Relative to the MPD's folder.
  std::optional<ByteRange> range;
  int64_t start = 0;  // Presentation time the MPD gives it, in the addressing's timescale.
  int64_t duration = 0;
};

struct RepresentationAddressing {
  std::string init_uri;  // Empty when the MPD names no initialization segment.
  std::optional<ByteRange> init_range;
  int64_t timescale = 1;
  // True when start and duration are exact (SegmentTimeline, sidx); false for @duration,
  // whose segments may start up to half a duration away from their nominal time.
  bool exact_timing = true;
  std::vector<AddressedSegment> segments;
  // SegmentTemplate@media (resolved against BaseURL): files it matches must all be listed.
  std::string media_template;
};

// Reads `range` of the file `uri` (relative to the MPD's folder); SegmentBase needs its sidx.
using RangeReader =
    std::function<absl::StatusOr<std::string>(const std::string& uri, const ByteRange& range)>;

// Resolves `representation` of `set` in `period` of `mpd`. `period_seconds` bounds the
// segment count of @duration addressing. URIs are resolved against BaseURLs but not checked:
// the reader (PackageFiles) refuses those that leave the package. InvalidArgument says what
// the MPD lacks or gets wrong (no addressing at all, a malformed S or range); a failed read of
// SegmentBase's sidx returns `read_range`'s status.
[[nodiscard]] absl::StatusOr<RepresentationAddressing> ResolveAddressing(
    pugi::xml_node mpd, pugi::xml_node period, pugi::xml_node set, pugi::xml_node representation,
    double period_seconds, const RangeReader& read_range);

// The BaseURL of the last of `levels` (MPD, Period, AdaptationSet, Representation) relative
// to the MPD's folder: each level's BaseURL resolved against the one above it (RFC 3986 5.2):
// a relative one is appended to the folder of the one above; one with a scheme or an absolute
// path replaces it (and PackageFiles refuses to read what it names). Dot segments are left for
// PackageFiles to fold. Empty when no level has one.
[[nodiscard]] std::string ResolveBaseUrl(const std::vector<pugi::xml_node>& levels);

// Expands $RepresentationID$, $Number[%0Nd]$, $Time$, $Bandwidth$ and $$ in a template.
[[nodiscard]] std::string ExpandTemplate(const std::string& pattern, const std::string& id,
                                         int64_t number, int64_t time,
                                         const std::string& bandwidth);

// True when `name` is one `pattern` (a template's file name) can expand to for this
// Representation: $Number$ and $Time$ (with any width) match runs of digits.
[[nodiscard]] bool MatchesTemplate(std::string_view name, const std::string& pattern,
                                   const std::string& id, const std::string& bandwidth);

// ISO 8601 durations as MPDs use them: P[nD]T[nH][nM][n.nS]. Negative when unparsable.
[[nodiscard]] double ParseIsoDuration(const std::string& text);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_DASH_ADDRESSING_H_
