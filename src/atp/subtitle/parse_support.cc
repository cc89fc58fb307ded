#include "atp/subtitle/parse_support.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace atp::subtitle::internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t begin = 0;
  while (begin < text.size()) {
    const size_t end = text.find_first_of("\r\n", begin);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(begin));
      break;
    }
    lines.push_back(text.substr(begin, end - begin));
    begin = end + (text.substr(end, 2) == "\r\n" ? 2 : 1);
  }
  return lines;
}

std::string_view TrimTrailingSpaces(std::string_view line) {
  while (!line.empty() && IsSpace(line.back())) line.remove_suffix(1);
  return line;
}

std::string_view TrimSpaces(std::string_view line) {
  line = TrimTrailingSpaces(line);
  while (!line.empty() && IsSpace(line.front())) line.remove_prefix(1);
  return line;
}

bool IsBlank(std::string_view line) { return TrimTrailingSpaces(line).empty(); }

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int64_t DigitsValue(std::string_view digits) {
  int64_t value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

std::string Quoted(std::string_view line) {
  constexpr size_t kMaxBytes = 60;
  if (line.size() <= kMaxBytes) return absl::StrCat("\"", std::string(line), "\"");
  size_t cut = kMaxBytes;
  // Back to the first byte of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat("\"", std::string(line.substr(0, cut)), "...\"");
}

std::string Counted(int n, std::string_view singular, std::string_view plural) {
  return absl::StrCat(n, " ", std::string(n == 1 ? singular : plural));
}

std::optional<TimingLineParts> SplitTimingLine(std::string_view line) {
  const size_t arrow = line.find("-->");
  if (arrow == std::string_view::npos) return std::nullopt;
  TimingLineParts parts;
  parts.start = TrimSpaces(line.substr(0, arrow));
  std::string_view after = TrimSpaces(line.substr(arrow + 3));
  const size_t space = after.find_first_of(" \t");
  parts.end = after.substr(0, space);
  if (space != std::string_view::npos) parts.rest = TrimSpaces(after.substr(space));
  if (parts.start.empty() || parts.end.empty() ||
      parts.start.find_first_of(" \t") != std::string_view::npos) {
    return std::nullopt;
  }
  return parts;
}

absl::Status InvalidAt(std::string_view file_name, int line, std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(file_name), ":", line, ": ", std::string(message)));
}

absl::Status CheckSubtitleFileSize(std::string_view bytes, std::string_view file_name) {
  if (static_cast<int64_t>(bytes.size()) <= kMaxSubtitleFileBytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      std::string(file_name), ": ", bytes.size(), " bytes, more than the ", kMaxSubtitleFileBytes,
      " a subtitle file may have: check that it is the subtitle file, or split it"));
}

void Tally::Add(int line, std::string_view example) {
  if (count++ == 0) {
    first_line = line;
    if (!example.empty()) first_example = Quoted(example);
  }
}

std::string Tally::Where() const {
  if (first_example.empty()) return absl::StrCat(" (first at line ", first_line, ")");
  return absl::StrCat(" (first at line ", first_line, ": ", first_example, ")");
}

void AddTallyWarning(const Tally& tally, std::string_view file_name, std::string_view verb,
                     std::string_view singular, std::string_view plural, std::string_view what,
                     std::string_view why, std::vector<std::string>& warnings) {
  if (tally.count == 0) return;
  warnings.push_back(absl::StrCat(std::string(file_name), ": ", std::string(verb),
                                  Counted(tally.count, singular, plural), std::string(what),
                                  tally.Where(), std::string(why)));
}

void SortByStart(std::vector<Cue>& cues) {
  std::stable_sort(cues.begin(), cues.end(),
                   [](const Cue& a, const Cue& b) { return a.start_ms < b.start_ms; });
}

absl::StatusOr<CueTimes> ReadCueTimes(
    const TimingLineParts& parts, std::string_view file_name, int line,
    absl::FunctionRef<absl::StatusOr<int64_t>(std::string_view)> timestamp_ms) {
  const absl::StatusOr<int64_t> start_ms = timestamp_ms(parts.start);
  if (!start_ms.ok()) return InvalidAt(file_name, line, std::string(start_ms.status().message()));
  const absl::StatusOr<int64_t> end_ms = timestamp_ms(parts.end);
  if (!end_ms.ok()) return InvalidAt(file_name, line, std::string(end_ms.status().message()));
  if (*end_ms <= *start_ms) {
    return InvalidAt(file_name, line,
                     absl::StrCat("the cue ends (", std::string(parts.end), ") ",
                                  *end_ms == *start_ms ? "when" : "before", " it starts (",
                                  std::string(parts.start),
                                  "): correct the timing line so that the end comes after the "
                                  "start"));
  }
  return CueTimes{.start_ms = *start_ms, .end_ms = *end_ms};
}

void AppendEscaped(std::string_view text, std::string& out) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace atp::subtitle::internal
