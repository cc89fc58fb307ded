// atp/validate/webvtt_reader.h
//
// A WebVTT reader for validation (W3C WebVTT; RFC 8216 3.5 for HLS's X-TIMESTAMP-MAP), apart
// from the writer in package/: it keeps line numbers and collects what is wrong instead of
// stopping at it, reads only what the checks need (the header's X-TIMESTAMP-MAP and each
// cue's times), and skips NOTE, STYLE and REGION blocks and cue text. It is meant for hostile
// input: bounded in size, no recursion, every index checked.
#ifndef ATP_VALIDATE_WEBVTT_READER_H_
#define ATP_VALIDATE_WEBVTT_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::validate {

// Larger WebVTT files (a whole track, a segment) are refused unread; a film's subtitles are a
// few hundred KiB.
inline constexpr uint64_t kMaxWebVttFileBytes = 16ull << 20;
// Problems kept per file; the rest are counted.
inline constexpr int kMaxWebVttProblems = 20;

// X-TIMESTAMP-MAP=MPEGTS:<90 kHz ticks>,LOCAL:<WebVTT timestamp> (either order).
struct WebVttTimestampMap {
  int line = 0;
  int64_t mpegts = 0;
  int64_t local_ms = 0;
  // Where cue time 0 lands on the MPEG-TS clock, in 90 kHz ticks: two maps with the same
  // offset place every cue alike.
  [[nodiscard]] int64_t offset_ticks() const { return mpegts - local_ms * 90; }
};

struct WebVttCue {
  int line = 0;  // Of its timing line.
  int64_t start_ms = 0;
  int64_t end_ms = 0;  // > start_ms.
};

struct WebVttProblem {
  int line = 0;
  std::string message;
};

struct WebVttDocument {
  std::optional<WebVttTimestampMap> timestamp_map;
  // An X-TIMESTAMP-MAP header that does not parse (then timestamp_map is empty).
  std::optional<WebVttProblem> timestamp_map_problem;
  // The cues whose timing lines parse and end after they start, in file order.
  std::vector<WebVttCue> cues;
  // What breaks the file, in file order: malformed timing lines, cues that end at or before
  // their start or start before the previous cue, blocks players drop, bytes that are not
  // UTF-8. At most kMaxWebVttProblems; problems_left_out counts the rest.
  std::vector<WebVttProblem> problems;
  int problems_left_out = 0;
};

// Reads `text`. InvalidArgument only when it is not WebVTT at all: over kMaxWebVttFileBytes,
// or its first line (after an optional UTF-8 BOM) is not "WEBVTT", alone or followed by a
// space or tab. Lines end at CRLF, LF or CR. Everything else is a problem with its line.
[[nodiscard]] absl::StatusOr<WebVttDocument> ParseWebVtt(std::string_view text);

// A WebVTT timestamp, "[H...:]MM:SS.mmm" (minutes and seconds 00-59, hours any digits up to
// nine), in milliseconds; nullopt when `text` is not exactly one.
[[nodiscard]] std::optional<int64_t> ParseWebVttTimestamp(std::string_view text);

// "HH:MM:SS.mmm" ("-" first when negative), for messages.
[[nodiscard]] std::string FormatWebVttTime(int64_t milliseconds);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_WEBVTT_READER_H_
