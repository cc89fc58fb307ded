#include "atp/subtitle/srt_parser.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "atp/core/status_macros.h"
#include "atp/subtitle/parse_support.h"
#include "atp/subtitle/text_encoding.h"

namespace atp::subtitle {
namespace {

using internal::Counted;
using internal::InvalidAt;
using internal::IsBlank;
using internal::IsDigits;
using internal::Quoted;
using internal::Tally;
using internal::TrimSpaces;
using internal::TrimTrailingSpaces;

constexpr char kTimingLineForm[] =
    "HH:MM:SS,mmm --> HH:MM:SS,mmm (e.g. 00:01:02,500 --> 00:01:04,000)";

// The cue settings of {\an1} ... {\an9}; see srt_parser.h.
constexpr std::array<std::string_view, 10> kPositionSettings = {
    "",
    "position:5%,line-left align:left",
    "",
    "position:95%,line-right align:right",
    "line:50%,center position:5%,line-left align:left",
    "line:50%,center align:center",
    "line:50%,center position:95%,line-right align:right",
    "line:5%,start position:5%,line-left align:left",
    "line:5%,start align:center",
    "line:5%,start position:95%,line-right align:right",
};

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return lower;
}

// Milliseconds of "H+:MM:SS,mmm" or "H+:MM:SS.mmm"; otherwise InvalidArgument saying what is
// wrong and what to do, to be put after "file:line: ".
absl::StatusOr<int64_t> SrtTimestampMs(std::string_view token) {
  const size_t colon = token.find(':');
  const std::string_view hours = token.substr(0, colon);
  const std::string_view rest = colon == std::string_view::npos ? "" : token.substr(colon + 1);
  if (!IsDigits(hours) || hours.size() > 9 || rest.size() != 9 || rest[2] != ':' ||
      (rest[5] != ',' && rest[5] != '.') || !IsDigits(rest.substr(0, 2)) ||
      !IsDigits(rest.substr(3, 2)) || !IsDigits(rest.substr(6, 3))) {
    return absl::InvalidArgumentError(
        absl::StrCat(Quoted(token),
                     " is not an SRT timestamp: write HH:MM:SS,mmm, with two digits of minutes "
                     "and of seconds and three of milliseconds (e.g. 00:01:02,500)"));
  }
  const int64_t minutes = internal::DigitsValue(rest.substr(0, 2));
  const int64_t seconds = internal::DigitsValue(rest.substr(3, 2));
  if (minutes >= 60 || seconds >= 60) {
    return absl::InvalidArgumentError(
        absl::StrCat(Quoted(token), " has ", minutes >= 60 ? minutes : seconds,
                     minutes >= 60 ? " minutes" : " seconds",
                     ": minutes and seconds must be below 60; correct the timestamp"));
  }
  return ((internal::DigitsValue(hours) * 60 + minutes) * 60 + seconds) * 1000 +
         internal::DigitsValue(rest.substr(6, 3));
}

// True for "X1:10 X2:20 Y1:30 Y2:40" (any of them, any order): the coordinates some SRT
// writers put after the timing line.
bool IsCoordinates(std::string_view rest) {
  size_t pos = 0;
  bool any = false;
  while (pos < rest.size()) {
    const size_t end = std::min(rest.find_first_of(" \t", pos), rest.size());
    const std::string_view word = rest.substr(pos, end - pos);
    if (!word.empty()) {
      std::string_view value = word.size() > 3 ? word.substr(3) : "";
      if (value.starts_with('-')) value.remove_prefix(1);
      const char axis = absl::ascii_toupper(static_cast<unsigned char>(word[0]));
      if ((axis != 'X' && axis != 'Y') || word.size() < 4 || (word[1] != '1' && word[1] != '2') ||
          word[2] != ':' || !IsDigits(value)) {
        return false;
      }
      any = true;
    }
    pos = end + 1;
  }
  return any;
}

// A timing line in the middle of a cue's text: the next cue, with no empty line before it.
bool LooksLikeTimingLine(std::string_view line) {
  const std::string_view trimmed = TrimSpaces(line);
  return !trimmed.empty() && trimmed[0] >= '0' && trimmed[0] <= '9' && Contains(trimmed, "-->");
}

// What a cue's {\anN} tag sets.
struct CuePosition {
  bool set = false;
  std::string settings;
};

class SrtReader {
 public:
  SrtReader(std::string_view text, std::string_view file_name)
      : lines_(internal::SplitLines(text)), file_name_(file_name) {}

  absl::StatusOr<Subtitles> Read() {
    for (size_t i = 0; i < lines_.size();) {
      if (IsBlank(lines_[i])) {
        ++i;
        continue;
      }
      ATP_ASSIGN_OR_RETURN(const size_t timing, TimingLineOfBlock(i));
      ATP_ASSIGN_OR_RETURN(i, ReadCue(timing));
    }
    if (subtitles_.cues.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          std::string(file_name_), ": no cues",
          no_text_.count > 0 ? absl::StrCat(" with text (", Counted(no_text_.count, "cue", "cues"),
                                            " without text", no_text_.Where(), ")")
                             : "",
          ": an SRT file holds cues, each a number line, a timing line (", kTimingLineForm,
          ") and lines of text; check that this is the subtitle file"));
    }
    internal::SortByStart(subtitles_.cues);
    Tally overlaps;
    int64_t latest_end = std::numeric_limits<int64_t>::min();
    for (const Cue& cue : subtitles_.cues) {
      if (cue.start_ms < latest_end) overlaps.Add(cue.source_line);
      latest_end = std::max(latest_end, cue.end_ms);
    }
    AddWarning(not_numbers_, "ignored ", "line", "lines",
               " before timing lines that are not cue numbers");
    AddWarning(coordinates_, "ignored the X1/X2/Y1/Y2 coordinates after ", "timing line",
               "timing lines", "", ": WebVTT places cues with cue settings");
    AddWarning(no_blank_line_, "read ", "timing line", "timing lines",
               " right after a cue's text, with no empty line between, as new cues");
    AddWarning(no_text_, "left out ", "cue", "cues", " without text");
    AddWarning(font_tags_, "dropped ", "<font> tag", "<font> tags", "",
               ": WebVTT has no <font>, colours come from the player");
    AddWarning(other_tags_, "removed ", "{\\...} override tag", "{\\...} override tags", "",
               ": only a cue's first {\\anN} is used, for its position");
    AddWarning(overlaps, "kept ", "cue that starts", "cues that start",
               " before an earlier cue ends", ": players show overlapping cues together");
    return std::move(subtitles_);
  }

 private:
  // The index of the timing line of the cue whose block (after an empty line) starts at
  // lines_[first]: that line, or the next one after a cue number.
  absl::StatusOr<size_t> TimingLineOfBlock(size_t first) {
    if (Contains(lines_[first], "-->")) return first;
    const std::string_view line = TrimSpaces(lines_[first]);
    if (first + 1 < lines_.size() && Contains(lines_[first + 1], "-->")) {
      if (!IsDigits(line)) not_numbers_.Add(LineNumber(first), line);
      return first + 1;
    }
    if (!IsDigits(line)) {
      return InvalidAt(file_name_, LineNumber(first),
                       absl::StrCat("text outside a cue: ", Quoted(line),
                                    " follows an empty line and is not a cue number or timing "
                                    "line; an empty line ends a cue's text, so remove the "
                                    "empty line above if the text belongs to that cue"));
    }
    if (first + 1 == lines_.size()) {
      return InvalidAt(file_name_, LineNumber(first),
                       absl::StrCat("the file ends with cue number ", std::string(line),
                                    ": complete the cue with a timing line and text, or remove "
                                    "the number"));
    }
    return InvalidAt(
        file_name_, LineNumber(first + 1),
        absl::StrCat("expected the timing line of cue ", std::string(line), ", found ",
                     IsBlank(lines_[first + 1]) ? std::string("an empty line")
                                                : Quoted(TrimSpaces(lines_[first + 1])),
                     ": write it as ", kTimingLineForm));
  }

  // Reads the cue whose timing line is lines_[timing] into subtitles_ (or leaves it out if it
  // has no text). Returns the index of the line after it.
  absl::StatusOr<size_t> ReadCue(size_t timing) {
    const int timing_line = LineNumber(timing);
    const std::string_view line = TrimSpaces(lines_[timing]);
    const std::optional<internal::TimingLineParts> parts = internal::SplitTimingLine(line);
    if (!parts || (!parts->rest.empty() && !IsCoordinates(parts->rest))) {
      return InvalidAt(
          file_name_, timing_line,
          absl::StrCat("malformed timing line ", Quoted(line), ": write it as ", kTimingLineForm));
    }
    ATP_ASSIGN_OR_RETURN(const internal::CueTimes times,
                         internal::ReadCueTimes(*parts, file_name_, timing_line, SrtTimestampMs));
    if (!parts->rest.empty()) coordinates_.Add(timing_line);

    size_t next = timing + 1;
    for (; next < lines_.size() && !IsBlank(lines_[next]); ++next) {
      if (LooksLikeTimingLine(lines_[next])) {
        no_blank_line_.Add(LineNumber(next));
        // A number just before the timing line is the next cue's number, not this one's text.
        if (next > timing + 1 && IsDigits(TrimSpaces(lines_[next - 1]))) --next;
        break;
      }
    }
    CuePosition position;
    std::vector<std::string> text;
    for (size_t i = timing + 1; i < next; ++i) {
      std::string converted = WebVttPayloadLine(lines_[i], LineNumber(i), position);
      if (!converted.empty()) text.push_back(std::move(converted));
    }
    if (text.empty()) {
      no_text_.Add(timing_line);
    } else {
      subtitles_.cues.push_back(Cue{.start_ms = times.start_ms,
                                    .end_ms = times.end_ms,
                                    .text = absl::StrJoin(text, "\n"),
                                    .settings = std::move(position.settings),
                                    .source_line = timing_line});
    }
    return next;
  }

  // `line` of SRT text as a line of WebVTT cue payload (see srt_parser.h), without spaces at
  // its end; {\anN} sets `position` if it is not set yet.
  std::string WebVttPayloadLine(std::string_view line, int line_number, CuePosition& position) {
    std::string out;
    size_t pos = 0;
    while (pos < line.size()) {
      const char c = line[pos];
      if (c == '{' && line.substr(pos + 1, 1) == "\\") {
        if (const size_t close = line.find('}', pos); close != std::string_view::npos) {
          ApplyOverrideTags(line.substr(pos, close + 1 - pos), line_number, position);
          pos = close + 1;
          continue;
        }
      }
      if (c == '<') {
        if (const size_t close = line.find('>', pos); close != std::string_view::npos) {
          const std::string tag = AsciiLower(line.substr(pos + 1, close - pos - 1));
          if (tag == "i" || tag == "b" || tag == "u" || tag == "/i" || tag == "/b" || tag == "/u") {
            absl::StrAppend(&out, "<", tag, ">");
            pos = close + 1;
            continue;
          }
          if ((tag.starts_with("font") && (tag.size() == 4 || tag[4] == ' ' || tag[4] == '\t')) ||
              TrimTrailingSpaces(tag) == "/font") {
            font_tags_.Add(line_number);
            pos = close + 1;
            continue;
          }
        }
        out += "&lt;";
      } else if (c == '>') {
        out += "&gt;";
      } else if (c == '&') {
        out += "&amp;";
      } else {
        out += c;
      }
      ++pos;
    }
    out.resize(TrimTrailingSpaces(out).size());
    if (IsBlank(out)) out.clear();
    return out;
  }

  // `block` is "{\tag\tag...}".
  void ApplyOverrideTags(std::string_view block, int line_number, CuePosition& position) {
    std::string_view tags = block.substr(2, block.size() - 3);
    while (true) {
      const size_t backslash = tags.find('\\');
      const std::string_view tag = tags.substr(0, backslash);
      if (!position.set && tag.size() == 3 && tag.starts_with("an") && tag[2] >= '1' &&
          tag[2] <= '9') {
        position.set = true;
        position.settings = std::string(kPositionSettings[tag[2] - '0']);
      } else {
        other_tags_.Add(line_number, block);
      }
      if (backslash == std::string_view::npos) break;
      tags.remove_prefix(backslash + 1);
    }
  }

  void AddWarning(const Tally& tally, std::string_view verb, std::string_view singular,
                  std::string_view plural, std::string_view what, std::string_view why = "") {
    internal::AddTallyWarning(tally, file_name_, verb, singular, plural, what, why,
                              subtitles_.warnings);
  }

  static int LineNumber(size_t index) { return static_cast<int>(index) + 1; }

  const std::vector<std::string_view> lines_;
  const std::string_view file_name_;
  Subtitles subtitles_;
  Tally not_numbers_;    // Lines before timing lines that are not numbers.
  Tally coordinates_;    // Timing lines with X1:... coordinates.
  Tally no_blank_line_;  // Timing lines right after a cue's text.
  Tally no_text_;        // Cues without text.
  Tally font_tags_;
  Tally other_tags_;  // {\...} tags but a cue's first {\anN}.
};

}  // namespace

absl::StatusOr<Subtitles> ParseSrt(std::string_view bytes, std::string_view file_name) {
  ATP_RETURN_IF_ERROR(internal::CheckSubtitleFileSize(bytes, file_name));
  ATP_ASSIGN_OR_RETURN(const std::string_view text, Utf8Text(bytes, file_name));
  return SrtReader(text, file_name).Read();
}

}  // namespace atp::subtitle
