// atp/subtitle/subtitles.h
//
// Subtitles: the cues of one subtitle track as every input format (SRT, WebVTT, ASS/SSA,
// TTML) is read into, in WebVTT's terms, which is what atp packages.
#ifndef ATP_SUBTITLE_SUBTITLES_H_
#define ATP_SUBTITLE_SUBTITLES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace atp::subtitle {

// The largest subtitle file atp reads; a longer one is refused before parsing.
inline constexpr int64_t kMaxSubtitleFileBytes = 16 << 20;

struct Cue {
  // Milliseconds from the start of the programme (WebVTT's precision); start < end.
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  // The WebVTT cue payload: UTF-8, lines separated by "\n" (no blank line), markup limited to
  // WebVTT's cue spans (<i> <b> <u> <c.class> <v Speaker> <lang xx> <ruby> <rt>), every other
  // '&', '<' and '>' escaped (&amp; &lt; &gt;).
  std::string text;
  // WebVTT cue settings ("line:90% position:50% align:center"); empty for the defaults.
  std::string settings;
  // The WebVTT cue identifier; empty for none. Never holds "-->" or a line break.
  std::string identifier;
  // The 1-based line of the source file the cue starts on, for messages.
  int source_line = 0;

  bool operator==(const Cue&) const = default;
};

struct Subtitles {
  std::vector<Cue> cues;  // Sorted by start time (stable: equal starts keep file order).
  // WebVTT STYLE and REGION blocks kept from a WebVTT source, each its body without the
  // header line.
  std::vector<std::string> style_blocks;
  std::vector<std::string> region_blocks;
  // What reading changed or left out (dropped ASS tags, overlapping SRT cues kept ...),
  // one sentence each, for the job report.
  std::vector<std::string> warnings;

  bool operator==(const Subtitles&) const = default;
};

// "HH:MM:SS.mmm", as WebVTT writes a timestamp (hours at least two digits).
// REQUIRES: milliseconds >= 0.
[[nodiscard]] std::string FormatWebVttTimestamp(int64_t milliseconds);

}  // namespace atp::subtitle

#endif  // ATP_SUBTITLE_SUBTITLES_H_
