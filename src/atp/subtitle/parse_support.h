// atp/subtitle/parse_support.h
//
// What the subtitle parsers share: the lines of a file, spaces, a timing line cut into its
// parts, messages that name a line, and tallies of what a parser changed for its warnings.
// Internal to the subtitle module.
#ifndef ATP_SUBTITLE_PARSE_SUPPORT_H_
#define ATP_SUBTITLE_PARSE_SUPPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atp/subtitle/subtitles.h"

namespace atp::subtitle::internal {

// The lines of `text` without their terminators, views into `text`: CRLF, CR and LF each end a
// line (as WebVTT says, and as SRT files from every platform have). A terminator at the very
// end does not start another line; "" has no lines.
[[nodiscard]] std::vector<std::string_view> SplitLines(std::string_view text);

// `line` without the spaces and tabs at its ends.
[[nodiscard]] std::string_view TrimSpaces(std::string_view line);
[[nodiscard]] std::string_view TrimTrailingSpaces(std::string_view line);
// True for a line that is empty or holds only spaces and tabs.
[[nodiscard]] bool IsBlank(std::string_view line);
// True for one or more ASCII digits and nothing else.
[[nodiscard]] bool IsDigits(std::string_view text);
// The value of `digits` (IsDigits, at most 9 of them).
[[nodiscard]] int64_t DigitsValue(std::string_view digits);

// `line` in double quotes for a message; after 60 bytes it is cut (at a character) and "..."
// added.
[[nodiscard]] std::string Quoted(std::string_view line);
// "1 cue", "2 cues".
[[nodiscard]] std::string Counted(int n, std::string_view singular, std::string_view plural);

// A timing line "START --> END REST" cut at its arrow: the two timestamps as written (spaces
// and tabs around the arrow optional) and what follows the end after a space or tab.
struct TimingLineParts {
  std::string_view start;
  std::string_view end;
  std::string_view rest;  // Trimmed; empty when the line ends with the end timestamp.
};
// nullopt when `line` has no "-->", nothing or a space inside before it, or nothing after it.
[[nodiscard]] std::optional<TimingLineParts> SplitTimingLine(std::string_view line);

// InvalidArgument "`file_name`:`line`: `message`".
[[nodiscard]] absl::Status InvalidAt(std::string_view file_name, int line,
                                     std::string_view message);
// InvalidArgument naming `file_name` when `bytes` are more than kMaxSubtitleFileBytes.
[[nodiscard]] absl::Status CheckSubtitleFileSize(std::string_view bytes,
                                                 std::string_view file_name);

// How often a parser changed or left out one kind of thing, and where it first did.
struct Tally {
  int count = 0;
  int first_line = 0;
  std::string first_example;  // Quoted(example) of the first Add; empty without one.

  void Add(int line, std::string_view example = "");
  // " (first at line 12)" or " (first at line 12: "text")" for a warning.
  [[nodiscard]] std::string Where() const;
};

// When `tally` counted anything, appends to `warnings` the sentence
// "<file_name>: <verb><count> <singular or plural><what><tally.Where()><why>",
// e.g. "en.srt: dropped 3 <font> tags (first at line 7): WebVTT has no <font>".
void AddTallyWarning(const Tally& tally, std::string_view file_name, std::string_view verb,
                     std::string_view singular, std::string_view plural, std::string_view what,
                     std::string_view why, std::vector<std::string>& warnings);

// Sorts `cues` by start time, keeping the file order of equal starts.
void SortByStart(std::vector<Cue>& cues);

// The start and end of the cue whose timing line `line` of `file_name` is cut into `parts`,
// each timestamp read by `timestamp_ms` (whose error message is used as is). InvalidAt the
// line for a bad timestamp, or an end at or before the start.
struct CueTimes {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};
[[nodiscard]] absl::StatusOr<CueTimes> ReadCueTimes(
    const TimingLineParts& parts, std::string_view file_name, int line,
    absl::FunctionRef<absl::StatusOr<int64_t>(std::string_view)> timestamp_ms);

// Trims spaces and tabs from both ends of a line made of styled runs (each with a std::string
// `text`), dropping the runs left empty at either end; the line is empty when all of it was.
template <typename Run>
void TrimRunLine(std::vector<Run>& line) {
  while (!line.empty()) {
    std::string& text = line.front().text;
    text.erase(0, text.find_first_not_of(" \t"));
    if (!text.empty()) break;
    line.erase(line.begin());
  }
  while (!line.empty()) {
    std::string& text = line.back().text;
    text.erase(text.find_last_not_of(" \t") + 1);
    if (!text.empty()) break;
    line.pop_back();
  }
}

// Appends `text` to a cue payload with '&', '<' and '>' escaped (&amp; &lt; &gt;).
void AppendEscaped(std::string_view text, std::string& out);

}  // namespace atp::subtitle::internal

#endif  // ATP_SUBTITLE_PARSE_SUPPORT_H_
