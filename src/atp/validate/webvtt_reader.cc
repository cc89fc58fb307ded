#include "atp/validate/webvtt_reader.h"

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace atp::validate {
namespace {

// Debian's abseil has its own string_view, which std::string_view does not convert to.
absl::string_view AsAbsl(std::string_view text) { return {text.data(), text.size()}; }
bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

void SkipBlanks(std::string_view text, size_t& at) {
  while (at < text.size() && IsBlank(text[at])) ++at;
}

// The run of digits at `at` (at most `max_digits` of them count), advancing past all of it:
// its value and length.
std::pair<int64_t, size_t> Digits(std::string_view text, size_t& at) {
  const size_t begin = at;
  int64_t value = 0;
  while (at < text.size() && IsDigit(text[at])) {
    if (at - begin < 18) value = value * 10 + (text[at] - '0');
    ++at;
  }
  return {value, at - begin};
}

// The WebVTT timestamp at `at` (the parser's rules: a first field of other than two digits,
// or over 59, is hours), advancing past it; nullopt when there is none.
std::optional<int64_t> TimestampAt(std::string_view text, size_t& at) {
  size_t p = at;
  const auto [first, first_digits] = Digits(text, p);
  if (first_digits == 0 || first_digits > 9) return std::nullopt;
  const bool has_hours = first_digits != 2 || first > 59;
  if (p >= text.size() || text[p] != ':') return std::nullopt;
  ++p;
  const auto [second, second_digits] = Digits(text, p);
  if (second_digits != 2) return std::nullopt;
  int64_t hours = 0;
  int64_t minutes = first;
  int64_t seconds = second;
  if (has_hours || (p < text.size() && text[p] == ':')) {
    if (p >= text.size() || text[p] != ':') return std::nullopt;
    ++p;
    const auto [third, third_digits] = Digits(text, p);
    if (third_digits != 2) return std::nullopt;
    hours = first;
    minutes = second;
    seconds = third;
  }
  if (p >= text.size() || text[p] != '.') return std::nullopt;
  ++p;
  const auto [millis, millis_digits] = Digits(text, p);
  if (millis_digits != 3 || minutes > 59 || seconds > 59) return std::nullopt;
  at = p;
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
}

// The length of the well-formed UTF-8 prefix of `text` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
size_t ValidUtf8Prefix(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    size_t length;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead < 0x80) {
      ++at;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return at;
    }
    if (text.size() - at < length) return at;
    if (byte(at + 1) < low || byte(at + 1) > high) return at;
    for (size_t i = 2; i < length; ++i) {
      if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return at;
    }
    at += length;
  }
  return at;
}

// `line` for a message: at most 60 bytes of it, escaped.
std::string Quote(std::string_view line) {
  constexpr size_t kShown = 60;
  return absl::StrCat("\"", absl::CHexEscape(AsAbsl(line.substr(0, kShown))),
                      line.size() > kShown ? "...\"" : "\"");
}

// True when `line` is the block keyword `keyword` ("NOTE", "STYLE", "REGION"), alone or
// followed by a space or tab (NOTE: and its text).
bool IsKeywordLine(std::string_view line, std::string_view keyword) {
  return line == keyword || (line.starts_with(keyword) && line.size() > keyword.size() &&
                             IsBlank(line[keyword.size()]));
}

// Splits `text` at CRLF, LF and CR.
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t begin = 0;
  for (size_t at = 0; at < text.size(); ++at) {
    if (text[at] != '\n' && text[at] != '\r') continue;
    lines.push_back(text.substr(begin, at - begin));
    if (text[at] == '\r' && at + 1 < text.size() && text[at + 1] == '\n') ++at;
    begin = at + 1;
  }
  if (begin < text.size()) lines.push_back(text.substr(begin));
  return lines;
}

class Reader {
 public:
  explicit Reader(std::vector<std::string_view> lines) : lines_(std::move(lines)) {}

  WebVttDocument Read() {
    CheckUtf8();
    size_t i = 1;
    // The header: the lines after "WEBVTT" up to a blank line (or a timing line, which
    // starts the first cue).
    for (; i < lines_.size() && !lines_[i].empty() && !Contains(lines_[i], "-->"); ++i) {
      if (lines_[i].starts_with("X-TIMESTAMP-MAP=")) ReadTimestampMap(i);
    }
    while (i < lines_.size()) {
      if (lines_[i].empty()) {
        ++i;
        continue;
      }
      const std::string_view first = lines_[i];
      if (IsKeywordLine(first, "NOTE") || IsKeywordLine(first, "STYLE") ||
          IsKeywordLine(first, "REGION")) {
        SkipBlock(i);
        continue;
      }
      size_t timing = i;
      if (!Contains(first, "-->")) {
        timing = i + 1;
        if (timing >= lines_.size() || !Contains(lines_[timing], "-->")) {
          Problem(i, first.starts_with("X-TIMESTAMP-MAP")
                         ? std::string("X-TIMESTAMP-MAP after the header: players ignore it here")
                         : absl::StrCat("block starting ", Quote(first),
                                        " is no cue (no \"-->\" timing line on its first or "
                                        "second line), NOTE, STYLE or REGION: players drop it"));
          SkipBlock(i);
          continue;
        }
      }
      ReadCue(timing);
      // The cue's text runs to a blank line; a line with "-->" starts the next cue there.
      for (i = timing + 1; i < lines_.size() && !lines_[i].empty(); ++i) {
        if (Contains(lines_[i], "-->")) {
          Problem(i,
                  "a cue timing line without a blank line before it (or \"-->\" in a cue's "
                  "text, which must not hold it)");
          break;
        }
      }
    }
    return std::move(document_);
  }

 private:
  void Problem(size_t index, std::string message) {
    if (static_cast<int>(document_.problems.size()) >= kMaxWebVttProblems) {
      ++document_.problems_left_out;
      return;
    }
    document_.problems.push_back({static_cast<int>(index) + 1, std::move(message)});
  }

  void SkipBlock(size_t& i) {
    while (i < lines_.size() && !lines_[i].empty()) ++i;
  }

  // One problem, on the first line that is not UTF-8.
  void CheckUtf8() {
    for (size_t i = 0; i < lines_.size(); ++i) {
      const size_t valid = ValidUtf8Prefix(lines_[i]);
      if (valid < lines_[i].size()) {
        Problem(i, absl::StrCat("byte ", valid + 1, " of the line is not UTF-8 (WebVTT is UTF-8)"));
        return;
      }
    }
  }

  // X-TIMESTAMP-MAP=MPEGTS:<ticks>,LOCAL:<timestamp>, the two in either order.
  void ReadTimestampMap(size_t i) {
    const int line = static_cast<int>(i) + 1;
    if (document_.timestamp_map || document_.timestamp_map_problem) {
      Problem(i, "a second X-TIMESTAMP-MAP in the header");
      return;
    }
    std::string_view rest = lines_[i].substr(std::string_view("X-TIMESTAMP-MAP=").size());
    std::optional<int64_t> mpegts;
    std::optional<int64_t> local;
    bool malformed = false;
    while (!malformed) {
      const size_t comma = rest.find(',');
      std::string_view part = rest.substr(0, comma);
      while (!part.empty() && IsBlank(part.front())) part.remove_prefix(1);
      while (!part.empty() && IsBlank(part.back())) part.remove_suffix(1);
      if (part.starts_with("MPEGTS:") && !mpegts) {
        part.remove_prefix(7);
        size_t at = 0;
        const auto [ticks, digits] = Digits(part, at);
        if (digits == 0 || digits > 12 || at != part.size()) malformed = true;
        mpegts = ticks;
      } else if (part.starts_with("LOCAL:") && !local) {
        part.remove_prefix(6);
        size_t at = 0;
        local = TimestampAt(part, at);
        if (!local || at != part.size()) malformed = true;
      } else {
        malformed = true;
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (malformed || !mpegts || !local) {
      document_.timestamp_map_problem = WebVttProblem{
          line, absl::StrCat("malformed X-TIMESTAMP-MAP ", Quote(lines_[i]),
                             ": expected MPEGTS:<90 kHz ticks>,LOCAL:<HH:MM:SS.mmm>")};
      return;
    }
    document_.timestamp_map = WebVttTimestampMap{line, *mpegts, *local};
  }

  void ReadCue(size_t i) {
    const std::string_view line = lines_[i];
    size_t at = 0;
    SkipBlanks(line, at);
    std::optional<int64_t> start = TimestampAt(line, at);
    std::optional<int64_t> end;
    if (start) {
      SkipBlanks(line, at);
      if (line.substr(at).starts_with("-->")) {
        at += 3;
        SkipBlanks(line, at);
        end = TimestampAt(line, at);
      }
    }
    if (!start || !end || (at < line.size() && !IsBlank(line[at]))) {
      Problem(i, absl::StrCat("malformed cue timing line ", Quote(line),
                              ": expected [HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings]"));
      return;
    }
    if (*end <= *start) {
      Problem(i, absl::StrCat("the cue ends at ", FormatWebVttTime(*end), ", not after it starts (",
                              FormatWebVttTime(*start), "): players never show it"));
      return;
    }
    if (!document_.cues.empty() && *start < document_.cues.back().start_ms) {
      const WebVttCue& previous = document_.cues.back();
      Problem(i, absl::StrCat("the cue starts at ", FormatWebVttTime(*start),
                              ", before the cue of line ", previous.line, " (",
                              FormatWebVttTime(previous.start_ms),
                              "): WebVTT cues are in order of their start"));
    }
    document_.cues.push_back({static_cast<int>(i) + 1, *start, *end});
  }

  std::vector<std::string_view> lines_;
  WebVttDocument document_;
};

}  // namespace

std::optional<int64_t> ParseWebVttTimestamp(std::string_view text) {
  size_t at = 0;
  std::optional<int64_t> milliseconds = TimestampAt(text, at);
  if (!milliseconds || at != text.size()) return std::nullopt;
  return milliseconds;
}

std::string FormatWebVttTime(int64_t milliseconds) {
  const char* sign = milliseconds < 0 ? "-" : "";
  const uint64_t ms = milliseconds < 0 ? 0 - static_cast<uint64_t>(milliseconds)
                                       : static_cast<uint64_t>(milliseconds);
  return absl::StrFormat("%s%02d:%02d:%02d.%03d", sign, ms / 3600000, ms / 60000 % 60,
                         ms / 1000 % 60, ms % 1000);
}

absl::StatusOr<WebVttDocument> ParseWebVtt(std::string_view text) {
  if (text.size() > kMaxWebVttFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not read: ", text.size(), " bytes is over the WebVTT limit of ", kMaxWebVttFileBytes));
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::string_view> lines = SplitLines(text);
  const std::string_view first = lines.empty() ? std::string_view() : lines.front();
  if (first != "WEBVTT" && !(first.starts_with("WEBVTT") && IsBlank(first[6]))) {
    return absl::InvalidArgumentError(
        "not WebVTT: the first line is not \"WEBVTT\" (alone or followed by a space or tab)");
  }
  return Reader(std::move(lines)).Read();
}

}  // namespace atp::validate
