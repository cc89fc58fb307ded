#include "atp/subtitle/webvtt_parser.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "atp/core/status_macros.h"
#include "atp/subtitle/parse_support.h"
#include "atp/subtitle/text_encoding.h"

namespace atp::subtitle {
namespace {

using internal::InvalidAt;
using internal::IsBlank;
using internal::IsDigits;
using internal::Quoted;
using internal::Tally;
using internal::TrimSpaces;
using internal::TrimTrailingSpaces;

constexpr char kTimingLineForm[] =
    "[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings] (e.g. 01:02.500 --> 01:04.000 line:90%)";

constexpr std::array<std::string_view, 6> kSettingNames = {"vertical", "line",  "position",
                                                           "size",     "align", "region"};

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// "WEBVTT", alone or followed by a space or tab and anything.
bool IsSignature(std::string_view line) {
  return line.starts_with("WEBVTT") && (line.size() == 6 || line[6] == ' ' || line[6] == '\t');
}

// `keyword` alone on `line`, spaces and tabs after it allowed (STYLE, REGION).
bool IsKeywordLine(std::string_view line, std::string_view keyword) {
  return line.starts_with(keyword) && IsBlank(line.substr(keyword.size()));
}

bool IsNote(std::string_view line) {
  return line.starts_with("NOTE") && (line.size() == 4 || line[4] == ' ' || line[4] == '\t');
}

// Milliseconds of "[HH:]MM:SS.mmm" (hours two digits or more, minutes and seconds two digits
// below 60, three digits of milliseconds); otherwise InvalidArgument saying what is wrong
// and what to do, to be put after "file:line: ".
absl::StatusOr<int64_t> WebVttTimestampMs(std::string_view token) {
  const size_t first_colon = token.find(':');
  const size_t last_colon = token.rfind(':');
  const bool has_hours = first_colon != last_colon;
  const std::string_view hours = has_hours ? token.substr(0, first_colon) : "";
  const std::string_view minutes = has_hours
                                       ? token.substr(first_colon + 1, last_colon - first_colon - 1)
                                       : token.substr(0, first_colon);
  const std::string_view seconds =
      last_colon == std::string_view::npos ? "" : token.substr(last_colon + 1);
  if ((has_hours && (!IsDigits(hours) || hours.size() < 2 || hours.size() > 9)) ||
      minutes.size() != 2 || !IsDigits(minutes) || seconds.size() != 6 || seconds[2] != '.' ||
      !IsDigits(seconds.substr(0, 2)) || !IsDigits(seconds.substr(3))) {
    return absl::InvalidArgumentError(
        absl::StrCat(Quoted(token),
                     " is not a WebVTT timestamp: write [HH:]MM:SS.mmm, with hours (if any) of "
                     "two digits or more, two digits of minutes and of seconds and three of "
                     "milliseconds (e.g. 01:02.500 or 01:01:02.500)"));
  }
  const int64_t minutes_value = internal::DigitsValue(minutes);
  const int64_t seconds_value = internal::DigitsValue(seconds.substr(0, 2));
  if (minutes_value >= 60 || seconds_value >= 60) {
    return absl::InvalidArgumentError(absl::StrCat(
        Quoted(token), " has ", minutes_value >= 60 ? minutes_value : seconds_value,
        minutes_value >= 60 ? " minutes" : " seconds",
        ": minutes and seconds must be below 60 (write hours as HH:MM:SS.mmm); correct the "
        "timestamp"));
  }
  return ((internal::DigitsValue(hours) * 60 + minutes_value) * 60 + seconds_value) * 1000 +
         internal::DigitsValue(seconds.substr(3));
}

// True for a line that starts with digits and a colon, as a timestamp does: where a cue's
// timing line would be, a timing line without its arrow.
bool LooksLikeTimestamp(std::string_view line) {
  const std::string_view trimmed = TrimSpaces(line);
  const size_t colon = trimmed.find(':');
  return colon != std::string_view::npos && IsDigits(trimmed.substr(0, colon));
}

// True for "name:value" with a name WebVTT defines and a value.
bool IsKnownSetting(std::string_view word) {
  const size_t colon = word.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == word.size()) return false;
  for (std::string_view name : kSettingNames) {
    if (word.substr(0, colon) == name) return true;
  }
  return false;
}

class WebVttReader {
 public:
  WebVttReader(std::string_view text, std::string_view file_name)
      : lines_(internal::SplitLines(text)), file_name_(file_name) {}

  absl::StatusOr<Subtitles> Read() {
    if (lines_.empty() || !IsSignature(lines_[0])) {
      return InvalidAt(
          file_name_, 1,
          absl::StrCat(lines_.empty() ? std::string("the file is empty")
                                      : absl::StrCat("the first line is ", Quoted(lines_[0])),
                       ", not \"WEBVTT\": a WebVTT file starts with the line WEBVTT, alone or "
                       "followed by a space and text; check that this is a WebVTT file"));
    }
    size_t i = 1;
    for (; i < lines_.size() && !IsBlank(lines_[i]); ++i) {
      if (Contains(lines_[i], "-->")) {
        return InvalidAt(file_name_, LineNumber(i),
                         absl::StrCat(Quoted(lines_[i]),
                                      " is in the header, which runs from the WEBVTT line to the "
                                      "first empty line: put an empty line before the first cue"));
      }
      if (lines_[i].starts_with("X-TIMESTAMP-MAP")) timestamp_maps_.Add(LineNumber(i), lines_[i]);
    }
    while (i < lines_.size()) {
      if (IsBlank(lines_[i])) {
        ++i;
        continue;
      }
      ATP_ASSIGN_OR_RETURN(i, ReadBlock(i));
    }
    internal::SortByStart(subtitles_.cues);
    AddWarning(timestamp_maps_, "ignored ", "X-TIMESTAMP-MAP header line",
               "X-TIMESTAMP-MAP header lines", "",
               ": cue times are read as written, not offset by it");
    AddWarning(unknown_settings_, "dropped ", "cue setting", "cue settings",
               " that WebVTT does not define",
               ": WebVTT's are vertical, line, position, size, align and region, as name:value");
    AddWarning(no_text_, "left out ", "cue", "cues", " without text");
    AddWarning(late_blocks_, "ignored ", "STYLE or REGION block", "STYLE or REGION blocks",
               " after the first cue", ": WebVTT allows them only before the cues; move them up");
    AddWarning(unknown_blocks_, "ignored ", "block that is", "blocks that are",
               " not a cue, NOTE, STYLE or REGION");
    if (subtitles_.cues.empty()) {
      subtitles_.warnings.push_back(
          absl::StrCat(std::string(file_name_), ": no cues: the subtitle track is empty"));
    }
    return std::move(subtitles_);
  }

 private:
  // Reads the block that starts at lines_[begin] (not blank); returns the index of the line
  // after it.
  absl::StatusOr<size_t> ReadBlock(size_t begin) {
    const std::string_view first = lines_[begin];
    std::optional<size_t> timing;
    if (Contains(first, "-->")) {
      timing = begin;
    } else if (begin + 1 < lines_.size() && Contains(lines_[begin + 1], "-->")) {
      timing = begin + 1;
    }
    const bool style_or_region =
        !timing && (IsKeywordLine(first, "STYLE") || IsKeywordLine(first, "REGION"));
    size_t end = begin + 1;
    while (end < lines_.size() && !(style_or_region ? lines_[end].empty() : IsBlank(lines_[end]))) {
      ++end;
    }
    for (size_t i = begin; i < end; ++i) {
      if (i == timing || !Contains(lines_[i], "-->")) continue;
      const std::string where =
          timing          ? "in the text of the cue at line " + std::to_string(LineNumber(*timing))
          : IsNote(first) ? "in a NOTE comment"
          : style_or_region ? "in a STYLE or REGION block"
                            : "in a block that is not a cue";
      return InvalidAt(file_name_, LineNumber(i),
                       absl::StrCat("\"-->\" ", where, " (", Quoted(lines_[i]),
                                    "): WebVTT allows it only in a cue's timing line; if a cue "
                                    "starts here, put an empty line before it, otherwise "
                                    "write \"--&gt;\" or remove it"));
    }
    if (timing) {
      ATP_RETURN_IF_ERROR(ReadCue(begin, *timing, end));
    } else if (IsNote(first)) {
      // A comment.
    } else if (style_or_region) {
      if (seen_cue_) {
        late_blocks_.Add(LineNumber(begin), first);
      } else {
        std::vector<std::string> body(lines_.begin() + begin + 1, lines_.begin() + end);
        std::string joined = absl::StrJoin(body, "\n");
        (IsKeywordLine(first, "STYLE") ? subtitles_.style_blocks : subtitles_.region_blocks)
            .push_back(std::move(joined));
      }
    } else {
      for (size_t i = begin; i < std::min(begin + 2, end); ++i) {
        if (LooksLikeTimestamp(lines_[i])) {
          return InvalidAt(file_name_, LineNumber(i),
                           absl::StrCat("malformed timing line ", Quoted(TrimSpaces(lines_[i])),
                                        " (no \"-->\"): write it as ", kTimingLineForm));
        }
      }
      unknown_blocks_.Add(LineNumber(begin), first);
    }
    return end;
  }

  // Reads the cue of lines_[begin, end) whose timing line is lines_[timing].
  absl::Status ReadCue(size_t begin, size_t timing, size_t end) {
    seen_cue_ = true;
    const int timing_line = LineNumber(timing);
    const std::optional<internal::TimingLineParts> parts =
        internal::SplitTimingLine(lines_[timing]);
    if (!parts) {
      return InvalidAt(file_name_, timing_line,
                       absl::StrCat("malformed timing line ", Quoted(TrimSpaces(lines_[timing])),
                                    ": write it as ", kTimingLineForm));
    }
    ATP_ASSIGN_OR_RETURN(
        const internal::CueTimes times,
        internal::ReadCueTimes(*parts, file_name_, timing_line, WebVttTimestampMs));
    std::vector<std::string> settings;
    std::string_view rest = parts->rest;
    while (!rest.empty()) {
      const size_t space = rest.find_first_of(" \t");
      const std::string_view word = rest.substr(0, space);
      if (IsKnownSetting(word)) {
        settings.emplace_back(word);
      } else {
        unknown_settings_.Add(timing_line, word);
      }
      rest = space == std::string_view::npos ? "" : TrimSpaces(rest.substr(space));
    }
    if (timing + 1 == end) {
      no_text_.Add(timing_line);
      return absl::OkStatus();
    }
    std::vector<std::string> text(lines_.begin() + timing + 1, lines_.begin() + end);
    subtitles_.cues.push_back(
        Cue{.start_ms = times.start_ms,
            .end_ms = times.end_ms,
            .text = absl::StrJoin(text, "\n"),
            .settings = absl::StrJoin(settings, " "),
            .identifier = timing == begin ? std::string() : std::string(lines_[begin]),
            .source_line = timing_line});
    return absl::OkStatus();
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
  bool seen_cue_ = false;
  Tally timestamp_maps_;    // X-TIMESTAMP-MAP header lines.
  Tally unknown_settings_;  // Cue setting words dropped.
  Tally no_text_;           // Cues without text.
  Tally late_blocks_;       // STYLE and REGION blocks after a cue.
  Tally unknown_blocks_;
};

}  // namespace

absl::StatusOr<Subtitles> ParseWebVtt(std::string_view bytes, std::string_view file_name) {
  ATP_RETURN_IF_ERROR(internal::CheckSubtitleFileSize(bytes, file_name));
  ATP_ASSIGN_OR_RETURN(const std::string_view text, Utf8Text(bytes, file_name));
  return WebVttReader(text, file_name).Read();
}

}  // namespace atp::subtitle
