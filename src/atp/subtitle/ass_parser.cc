#include "atp/subtitle/ass_parser.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"

namespace atp::subtitle {
namespace {

struct Line {
  std::string_view text;
  int number = 0;
};

// Lines ending in LF, CRLF or CR, numbered from 1 (CRLF counts once).
std::vector<Line> SplitLines(std::string_view text) {
  std::vector<Line> lines;
  int number = 1;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    lines.push_back({text.substr(start, i - start), number++});
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) lines.push_back({text.substr(start), number});
  return lines;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string Lowercase(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = Lower(c);
  return lower;
}

// Splits "Key: value" (the key case-insensitive, without the colon); false without a colon.
bool SplitKey(std::string_view line, std::string_view& key, std::string_view& value) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  key = Trim(line.substr(0, colon));
  value = Trim(line.substr(colon + 1));
  return true;
}

std::optional<int> ParseInt(std::string_view s) {
  s = Trim(s);
  if (s.starts_with('+')) s.remove_prefix(1);
  int value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// "H:MM:SS.cc" (any number of hour digits) in milliseconds.
std::optional<int64_t> ParseTime(std::string_view s) {
  s = Trim(s);
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 6) return std::nullopt;
  const std::string_view rest = s.substr(colon + 1);
  if (rest.size() != 8 || rest[2] != ':' || rest[5] != '.') return std::nullopt;
  for (size_t i = 0; i < colon; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  for (size_t i : {0, 1, 3, 4, 6, 7}) {
    if (rest[i] < '0' || rest[i] > '9') return std::nullopt;
  }
  int64_t hours = 0;
  for (size_t i = 0; i < colon; ++i) hours = hours * 10 + (s[i] - '0');
  const auto two = [&](size_t i) { return (rest[i] - '0') * 10 + (rest[i + 1] - '0'); };
  const int minutes = two(0);
  const int seconds = two(3);
  if (minutes > 59 || seconds > 59) return std::nullopt;
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + two(6) * 10;
}

// Lowercased column name -> index, from a Format line's value.
using Columns = std::map<std::string, int>;

Columns ParseFormat(std::string_view value, int& count) {
  Columns columns;
  count = 0;
  while (true) {
    const size_t comma = value.find(',');
    columns.emplace(Lowercase(Trim(value.substr(0, comma))), count++);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return columns;
}

// The index of column `name` (any case).
std::optional<int> Column(const Columns& columns, std::string_view name) {
  const auto it = columns.find(Lowercase(name));
  if (it == columns.end()) return std::nullopt;
  return it->second;
}

// The first `count` comma-separated fields of `value`, then (when `rest_too`) the rest of it,
// commas and all, as one more field. Fewer when the line has fewer.
std::vector<std::string_view> SplitFields(std::string_view value, int count, bool rest_too) {
  std::vector<std::string_view> fields;
  while (static_cast<int>(fields.size()) < count) {
    const size_t comma = value.find(',');
    if (comma == std::string_view::npos) {
      fields.push_back(value);
      return fields;
    }
    fields.push_back(value.substr(0, comma));
    value.remove_prefix(comma + 1);
  }
  if (rest_too) fields.push_back(value);
  return fields;
}

enum class Section { kNone, kScriptInfo, kStyles, kEvents, kEmbedded, kOther };

class Parser {
 public:
  explicit Parser(std::string_view file_name) : file_name_(file_name) {}

  absl::StatusOr<AssScript> Parse(std::string_view text);

 private:
  absl::Status Error(int line, std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(file_name_), ":", line, ": ", std::string(what)));
  }
  absl::StatusOr<int> Int(const Line& line, std::string_view what, std::string_view value) const {
    const std::optional<int> parsed = ParseInt(value);
    if (!parsed) {
      return Error(line.number, absl::StrCat(std::string(what), " \"", std::string(Trim(value)),
                                             "\" is not a whole number"));
    }
    return *parsed;
  }
  // The int in `fields` at `column` (the Format line's), or `absent` without that column.
  // An empty field is 0.
  absl::StatusOr<int> IntField(const Line& line, const std::vector<std::string_view>& fields,
                               const Columns& columns, std::string_view column, int absent) const {
    const std::optional<int> index = Column(columns, column);
    if (!index) return absent;
    if (Trim(fields[*index]).empty()) return 0;
    return Int(line, column, fields[*index]);
  }

  bool StartsSection(std::string_view line);
  absl::Status ScriptInfoLine(const Line& line, std::string_view key, std::string_view value);
  absl::Status StyleLine(const Line& line, std::string_view value);
  absl::Status DialogueLine(const Line& line, std::string_view value);
  absl::Status EventFormatLine(const Line& line, std::string_view value);

  std::string_view file_name_;
  AssScript script_;
  Section section_ = Section::kNone;
  bool ssa_styles_ = false;  // The styles section is [V4 Styles].
  bool saw_events_ = false;
  std::optional<int> play_res_x_;
  std::optional<int> play_res_y_;
  std::optional<Columns> style_columns_;
  int style_column_count_ = 0;
  std::optional<Columns> event_columns_;
  int event_column_count_ = 0;
};

// Switches section on a "[Name]" line. In [Fonts] and [Graphics], whose uuencoded lines may
// start with '[', only the sections atp knows count.
bool Parser::StartsSection(std::string_view line) {
  if (!line.starts_with('[') || !line.ends_with(']')) return false;
  const std::string_view name = Trim(line.substr(1, line.size() - 2));
  if (EqualsIgnoringCase(name, "Script Info")) {
    section_ = Section::kScriptInfo;
  } else if (EqualsIgnoringCase(name, "V4+ Styles") || EqualsIgnoringCase(name, "V4 Styles")) {
    section_ = Section::kStyles;
    ssa_styles_ = EqualsIgnoringCase(name, "V4 Styles");
    style_columns_.reset();
  } else if (EqualsIgnoringCase(name, "Events")) {
    section_ = Section::kEvents;
    saw_events_ = true;
  } else if (EqualsIgnoringCase(name, "Fonts") || EqualsIgnoringCase(name, "Graphics")) {
    section_ = Section::kEmbedded;
  } else if (section_ != Section::kEmbedded) {
    section_ = Section::kOther;
  } else {
    return false;
  }
  return true;
}

absl::Status Parser::ScriptInfoLine(const Line& line, std::string_view key,
                                    std::string_view value) {
  if (EqualsIgnoringCase(key, "PlayResX") || EqualsIgnoringCase(key, "PlayResY")) {
    ATP_ASSIGN_OR_RETURN(const int pixels, Int(line, key, value));
    (Lower(key.back()) == 'x' ? play_res_x_ : play_res_y_) = pixels;
  } else if (EqualsIgnoringCase(key, "WrapStyle")) {
    ATP_ASSIGN_OR_RETURN(script_.wrap_style, Int(line, key, value));
  }
  return absl::OkStatus();
}

absl::Status Parser::StyleLine(const Line& line, std::string_view value) {
  if (!style_columns_) return Error(line.number, "Style before the Format line of its section");
  const std::vector<std::string_view> fields =
      SplitFields(value, style_column_count_, /*rest_too=*/false);
  if (static_cast<int>(fields.size()) < style_column_count_) {
    return Error(line.number, absl::StrCat("Style has ", fields.size(), " of the ",
                                           style_column_count_, " fields its Format line names"));
  }
  const Columns& columns = *style_columns_;
  AssStyle style;
  style.source_line = line.number;
  std::string_view name = Trim(fields[*Column(columns, "name")]);
  while (name.starts_with('*')) name.remove_prefix(1);
  style.name = std::string(name);
  ATP_ASSIGN_OR_RETURN(const int bold, IntField(line, fields, columns, "Bold", 0));
  ATP_ASSIGN_OR_RETURN(const int italic, IntField(line, fields, columns, "Italic", 0));
  ATP_ASSIGN_OR_RETURN(const int underline, IntField(line, fields, columns, "Underline", 0));
  // -1 is ASS's true; a font weight (100-900) is bold from 700.
  style.bold = bold != 0 && !(bold >= 100 && bold < 700);
  style.italic = italic != 0;
  style.underline = underline != 0;
  ATP_ASSIGN_OR_RETURN(const int alignment, IntField(line, fields, columns, "Alignment", 2));
  if (ssa_styles_) {
    // VSFilter (and libass) read an SSA style's 8 as 3 and 4 as 11.
    const std::optional<int> numpad = NumpadFromSsaAlignment(alignment == 8   ? 3
                                                             : alignment == 4 ? 11
                                                                              : alignment);
    if (!numpad) {
      return Error(line.number, absl::StrCat("Style \"", style.name, "\": Alignment ", alignment,
                                             " is not an SSA alignment (1-3, 5-7, 9-11)"));
    }
    style.alignment = *numpad;
  } else {
    if (alignment < 1 || alignment > 9) {
      return Error(line.number, absl::StrCat("Style \"", style.name, "\": Alignment ", alignment,
                                             " is not a numpad alignment (1-9)"));
    }
    style.alignment = alignment;
  }
  ATP_ASSIGN_OR_RETURN(style.margin_l, IntField(line, fields, columns, "MarginL", 0));
  ATP_ASSIGN_OR_RETURN(style.margin_r, IntField(line, fields, columns, "MarginR", 0));
  ATP_ASSIGN_OR_RETURN(style.margin_v, IntField(line, fields, columns, "MarginV", 0));
  if (style.name == "Default") script_.default_style = static_cast<int>(script_.styles.size());
  script_.styles.push_back(std::move(style));
  return absl::OkStatus();
}

absl::Status Parser::EventFormatLine(const Line& line, std::string_view value) {
  Columns columns = ParseFormat(value, event_column_count_);
  for (const std::string_view needed : {"Start", "End", "Text"}) {
    if (!Column(columns, needed)) {
      return Error(line.number, absl::StrCat("the Format line of [Events] has no \"",
                                             std::string(needed), "\" column"));
    }
  }
  if (*Column(columns, "Text") != event_column_count_ - 1) {
    return Error(line.number, "the Format line of [Events] must end with Text");
  }
  event_columns_ = std::move(columns);
  return absl::OkStatus();
}

absl::Status Parser::DialogueLine(const Line& line, std::string_view value) {
  if (!event_columns_) return Error(line.number, "Dialogue before the Format line of [Events]");
  const std::vector<std::string_view> fields =
      SplitFields(value, event_column_count_ - 1, /*rest_too=*/true);
  if (static_cast<int>(fields.size()) < event_column_count_) {
    return Error(line.number,
                 absl::StrCat("Dialogue has ", fields.size(), " of the ", event_column_count_,
                              " fields its Format line names (Text is the last)"));
  }
  const Columns& columns = *event_columns_;
  AssEvent event;
  event.source_line = line.number;
  ATP_ASSIGN_OR_RETURN(event.layer, IntField(line, fields, columns, "Layer", 0));
  for (const std::string_view which : {"Start", "End"}) {
    const std::string_view field = Trim(fields[*Column(columns, which)]);
    const std::optional<int64_t> ms = ParseTime(field);
    if (!ms) {
      return Error(line.number,
                   absl::StrCat("bad ", std::string(which), " time \"", std::string(field),
                                "\": ASS times are H:MM:SS.cc (centiseconds)"));
    }
    (which == "Start" ? event.start_ms : event.end_ms) = *ms;
  }
  if (event.end_ms < event.start_ms) {
    return Error(
        line.number,
        absl::StrCat("the event ends (", std::string(Trim(fields[*Column(columns, "end")])),
                     ") before it starts (", std::string(Trim(fields[*Column(columns, "start")])),
                     ")"));
  }
  const std::string_view style_name =
      Column(columns, "style") ? Trim(fields[*Column(columns, "style")]) : "Default";
  if (const std::optional<int> style = FindAssStyle(script_, style_name)) {
    event.style = *style;
  } else {
    event.style = script_.default_style;
    event.undefined_style = std::string(style_name);
  }
  std::optional<int> name = Column(columns, "name");
  if (!name) name = Column(columns, "actor");
  if (name) event.name = std::string(Trim(fields[*name]));
  ATP_ASSIGN_OR_RETURN(event.margin_l, IntField(line, fields, columns, "MarginL", 0));
  ATP_ASSIGN_OR_RETURN(event.margin_r, IntField(line, fields, columns, "MarginR", 0));
  ATP_ASSIGN_OR_RETURN(event.margin_v, IntField(line, fields, columns, "MarginV", 0));
  if (const std::optional<int> effect = Column(columns, "effect")) {
    event.effect = std::string(Trim(fields[*effect]));
  }
  event.text = std::string(fields.back());
  script_.events.push_back(std::move(event));
  return absl::OkStatus();
}

absl::StatusOr<AssScript> Parser::Parse(std::string_view text) {
  script_.styles.push_back(AssStyle{.name = "Default"});
  const std::vector<Line> lines = SplitLines(text);
  for (const Line& line : lines) {
    const std::string_view trimmed = Trim(line.text);
    if (trimmed.empty() || StartsSection(trimmed)) continue;
    if (section_ == Section::kEmbedded || trimmed.starts_with(';')) continue;
    std::string_view key;
    std::string_view value;
    if (!SplitKey(trimmed, key, value)) continue;
    switch (section_) {
      case Section::kScriptInfo:
        ATP_RETURN_IF_ERROR(ScriptInfoLine(line, key, value));
        break;
      case Section::kStyles:
        if (EqualsIgnoringCase(key, "Format")) {
          Columns columns = ParseFormat(value, style_column_count_);
          if (!Column(columns, "name")) {
            return Error(line.number, "the Format line of the styles has no \"Name\" column");
          }
          style_columns_ = std::move(columns);
        } else if (EqualsIgnoringCase(key, "Style")) {
          ATP_RETURN_IF_ERROR(StyleLine(line, value));
        }
        break;
      case Section::kEvents:
        if (EqualsIgnoringCase(key, "Format")) {
          ATP_RETURN_IF_ERROR(EventFormatLine(line, value));
        } else if (EqualsIgnoringCase(key, "Dialogue")) {
          // The Text field keeps its spaces: only what precedes the first field is trimmed.
          const size_t colon = line.text.find(':');
          std::string_view rest = line.text.substr(colon + 1);
          while (!rest.empty() && IsSpace(rest.front())) rest.remove_prefix(1);
          ATP_RETURN_IF_ERROR(DialogueLine(line, rest));
        }
        break;
      default:
        break;
    }
  }
  if (!saw_events_) {
    return Error(lines.empty() ? 1 : lines.back().number,
                 "the file ends without an [Events] section: not an ASS/SSA script");
  }
  // PlayRes defaults, as libass's ass_lazy_track_init.
  int x = play_res_x_.value_or(0);
  int y = play_res_y_.value_or(0);
  script_.play_res_derived = x <= 0 || y <= 0;
  if (x <= 0 && y <= 0) {
    x = 384;
    y = 288;
  } else if (y <= 0) {
    y = x == 1280 ? 1024 : std::max(1, static_cast<int>(int64_t{x} * 3 / 4));
  } else if (x <= 0) {
    x = y == 1024 ? 1280 : std::max(1, static_cast<int>(int64_t{y} * 4 / 3));
  }
  script_.play_res_x = x;
  script_.play_res_y = y;
  return std::move(script_);
}

}  // namespace

std::optional<int> NumpadFromSsaAlignment(int ssa_alignment) {
  if (ssa_alignment < 1 || ssa_alignment > 11) return std::nullopt;
  if ((ssa_alignment & 3) == 0) ssa_alignment = 5;
  const int column = ssa_alignment & 3;                                   // 1-3.
  const int row = (ssa_alignment & 4) ? 2 : (ssa_alignment & 8) ? 1 : 0;  // Top 2, bottom 0.
  return row * 3 + column;
}

std::optional<int> FindAssStyle(const AssScript& script, std::string_view name) {
  while (name.starts_with('*')) name.remove_prefix(1);
  if (EqualsIgnoringCase(name, "Default")) name = "Default";
  for (int i = static_cast<int>(script.styles.size()) - 1; i >= 0; --i) {
    if (script.styles[i].name == name) return i;
  }
  return std::nullopt;
}

absl::StatusOr<AssScript> ParseAss(std::string_view text, std::string_view file_name) {
  return Parser(file_name).Parse(text);
}

}  // namespace atp::subtitle
