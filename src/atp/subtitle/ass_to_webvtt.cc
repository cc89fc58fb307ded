#include "atp/subtitle/ass_to_webvtt.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/subtitle/parse_support.h"

namespace atp::subtitle {
namespace {

constexpr std::string_view kNoBreakSpace = "\xC2\xA0";  // U+00A0, UTF-8.

// The span flags of a run of text, in the order spans are opened.
constexpr int kItalic = 1;
constexpr int kBold = 2;
constexpr int kUnderline = 4;
constexpr std::array<int, 3> kSpanFlags = {kItalic, kBold, kUnderline};

std::string_view SpanTag(int flag) { return flag == kItalic ? "i" : flag == kBold ? "b" : "u"; }

enum class Action {
  kDrop,
  kItalic,
  kBold,
  kUnderline,
  kStrikeOut,
  kReset,
  kAlignNumpad,
  kAlignSsa,
  kPos,
  kMove,
  kDrawing,
};

struct TagSpec {
  std::string_view name;
  Action action;
  AssDroppedTag dropped = AssDroppedTag::kUnknown;  // For kDrop.
};

// Matched in this order, as a prefix of what follows the backslash: longer names first where
// one name starts another (libass's order).
constexpr TagSpec kTags[] = {
    {"xbord", Action::kDrop, AssDroppedTag::kBorderShadow},
    {"ybord", Action::kDrop, AssDroppedTag::kBorderShadow},
    {"xshad", Action::kDrop, AssDroppedTag::kBorderShadow},
    {"yshad", Action::kDrop, AssDroppedTag::kBorderShadow},
    {"fax", Action::kDrop, AssDroppedTag::kShear},
    {"fay", Action::kDrop, AssDroppedTag::kShear},
    {"iclip", Action::kDrop, AssDroppedTag::kClip},
    {"blur", Action::kDrop, AssDroppedTag::kBlur},
    {"fsc", Action::kDrop, AssDroppedTag::kFont},
    {"fsp", Action::kDrop, AssDroppedTag::kFont},
    {"fs", Action::kDrop, AssDroppedTag::kFont},
    {"fn", Action::kDrop, AssDroppedTag::kFont},
    {"fe", Action::kDrop, AssDroppedTag::kFont},
    {"fr", Action::kDrop, AssDroppedTag::kRotation},
    {"bord", Action::kDrop, AssDroppedTag::kBorderShadow},
    {"be", Action::kDrop, AssDroppedTag::kBlur},
    {"move", Action::kMove},
    {"alpha", Action::kDrop, AssDroppedTag::kAlpha},
    {"an", Action::kAlignNumpad},
    {"a", Action::kAlignSsa},
    {"pos", Action::kPos},
    {"pbo", Action::kDrop, AssDroppedTag::kDrawing},
    {"p", Action::kDrawing},
    {"fade", Action::kDrop, AssDroppedTag::kFade},
    {"fad", Action::kDrop, AssDroppedTag::kFade},
    {"org", Action::kDrop, AssDroppedTag::kOrigin},
    {"t", Action::kDrop, AssDroppedTag::kAnimation},
    {"clip", Action::kDrop, AssDroppedTag::kClip},
    {"c", Action::kDrop, AssDroppedTag::kColour},
    {"1c", Action::kDrop, AssDroppedTag::kColour},
    {"2c", Action::kDrop, AssDroppedTag::kColour},
    {"3c", Action::kDrop, AssDroppedTag::kColour},
    {"4c", Action::kDrop, AssDroppedTag::kColour},
    {"1a", Action::kDrop, AssDroppedTag::kAlpha},
    {"2a", Action::kDrop, AssDroppedTag::kAlpha},
    {"3a", Action::kDrop, AssDroppedTag::kAlpha},
    {"4a", Action::kDrop, AssDroppedTag::kAlpha},
    {"r", Action::kReset},
    {"b", Action::kBold},
    {"i", Action::kItalic},
    {"kf", Action::kDrop, AssDroppedTag::kKaraoke},
    {"ko", Action::kDrop, AssDroppedTag::kKaraoke},
    {"k", Action::kDrop, AssDroppedTag::kKaraoke},
    {"K", Action::kDrop, AssDroppedTag::kKaraoke},
    {"shad", Action::kDrop, AssDroppedTag::kBorderShadow},
    {"s", Action::kStrikeOut},
    {"u", Action::kUnderline},
    {"q", Action::kDrop, AssDroppedTag::kWrapStyle},
};

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The integer `arg` starts with (libass reads "\i1 comment" as \i1); nullopt without one.
std::optional<int> LeadingInt(std::string_view arg) {
  arg = Trim(arg);
  if (arg.starts_with('+')) arg.remove_prefix(1);
  int value = 0;
  const auto [end, error] = std::from_chars(arg.data(), arg.data() + arg.size(), value);
  if (error != std::errc()) return std::nullopt;
  return value;
}

// The comma-separated numbers of a parenthesised argument; empty if any is not a number.
std::vector<double> Numbers(std::string_view arg) {
  std::vector<double> numbers;
  while (true) {
    const size_t comma = arg.find(',');
    std::string_view field = Trim(arg.substr(0, comma));
    if (field.starts_with('+')) field.remove_prefix(1);
    double value = 0;
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || error != std::errc() || end != field.data() + field.size()) return {};
    numbers.push_back(value);
    if (comma == std::string_view::npos) return numbers;
    arg.remove_prefix(comma + 1);
  }
}

struct Run {
  std::string text;
  int flags = 0;
};
using RunLine = std::vector<Run>;

class EventConverter {
 public:
  EventConverter(const AssScript& script, const AssEvent& event)
      : script_(script), event_(event), style_(script.styles[event.style]) {
    ResetTo(style_);
    out_.alignment = style_.alignment;
  }

  AssEventInWebVtt Convert() &&;

 private:
  void ResetTo(const AssStyle& style) {
    flags_ = (style.italic ? kItalic : 0) | (style.bold ? kBold : 0) |
             (style.underline ? kUnderline : 0);
  }
  void SetFlag(int flag, bool on) { flags_ = on ? flags_ | flag : flags_ & ~flag; }
  bool StyleHas(int flag) const {
    return flag == kItalic ? style_.italic : flag == kBold ? style_.bold : style_.underline;
  }
  void Append(std::string_view text) {
    if (drawing_ || text.empty()) return;
    RunLine& line = lines_.back();
    if (line.empty() || line.back().flags != flags_) line.push_back({"", flags_});
    line.back().text += text;
  }
  void LineBreak() {
    if (!drawing_) lines_.emplace_back();
  }
  void Block(std::string_view block);
  void Tag(const TagSpec& tag, std::string_view arg);
  std::string Render();

  const AssScript& script_;
  const AssEvent& event_;
  const AssStyle& style_;
  int flags_ = 0;
  bool drawing_ = false;
  bool aligned_ = false;     // The first \an or \a wins, as in libass.
  bool positioned_ = false;  // So does the first \pos or \move.
  std::vector<RunLine> lines_{1};
  AssEventInWebVtt out_;
};

// An override block's text between '{' and '}': tags, each from a backslash; anything before
// the first backslash is a comment.
void EventConverter::Block(std::string_view block) {
  size_t p = block.find('\\');
  while (p != std::string_view::npos) {
    const std::string_view rest = block.substr(p + 1);
    const TagSpec* tag = nullptr;
    for (const TagSpec& spec : kTags) {
      if (rest.starts_with(spec.name)) {
        tag = &spec;
        break;
      }
    }
    const size_t name_end = p + 1 + (tag ? tag->name.size() : 0);
    size_t q = name_end;
    while (q < block.size() && IsSpace(block[q])) ++q;
    std::string_view arg;
    size_t next = 0;
    if (q < block.size() && block[q] == '(') {
      // A parenthesised argument, which for \t holds tags of its own.
      int depth = 0;
      size_t close = q;
      for (; close < block.size(); ++close) {
        if (block[close] == '(') ++depth;
        if (block[close] == ')' && --depth == 0) break;
      }
      arg = block.substr(q + 1, close - q - 1);
      next = block.find('\\', close);
    } else {
      next = block.find('\\', name_end);
      arg = block.substr(name_end, next == std::string_view::npos ? next : next - name_end);
    }
    if (tag) {
      Tag(*tag, arg);
    } else if (!rest.empty() && rest.front() != '\\') {
      out_.dropped.set(static_cast<int>(AssDroppedTag::kUnknown));
    }
    p = next;
  }
}

void EventConverter::Tag(const TagSpec& tag, std::string_view arg) {
  const std::optional<int> value = LeadingInt(arg);
  switch (tag.action) {
    case Action::kDrop:
      out_.dropped.set(static_cast<int>(tag.dropped));
      break;
    case Action::kItalic:
    case Action::kUnderline: {
      const int flag = tag.action == Action::kItalic ? kItalic : kUnderline;
      SetFlag(flag, value == 0 || value == 1 ? *value == 1 : StyleHas(flag));
      break;
    }
    case Action::kBold:
      // 0 and 1, or a font weight (100-900) that is bold from 700; else the style's.
      SetFlag(kBold, value == 0 || value == 1 ? *value == 1
                     : value >= 100           ? *value >= 700
                                              : StyleHas(kBold));
      break;
    case Action::kStrikeOut:
      if (value == 1) out_.dropped.set(static_cast<int>(AssDroppedTag::kStrikeOut));
      break;
    case Action::kReset: {
      // \r: the event's style; \rName: that style (the event's if none has the name).
      const std::string_view name = Trim(arg);
      const std::optional<int> style = name.empty() ? std::nullopt : FindAssStyle(script_, name);
      ResetTo(style ? script_.styles[*style] : style_);
      break;
    }
    case Action::kAlignNumpad:
      if (!aligned_) {
        out_.alignment = value >= 1 && value <= 9 ? *value : style_.alignment;
        aligned_ = true;
      }
      break;
    case Action::kAlignSsa:
      if (!aligned_) {
        out_.alignment = NumpadFromSsaAlignment(value.value_or(0)).value_or(style_.alignment);
        aligned_ = true;
      }
      break;
    case Action::kPos:
    case Action::kMove: {
      if (tag.action == Action::kMove) out_.dropped.set(static_cast<int>(AssDroppedTag::kMove));
      const std::vector<double> numbers = Numbers(arg);
      const size_t needed = tag.action == Action::kPos ? 2 : 4;
      if (!positioned_ && (numbers.size() == needed || numbers.size() == needed + 2)) {
        out_.position = AssPoint{numbers[0], numbers[1]};
        positioned_ = true;
      }
      break;
    }
    case Action::kDrawing:
      drawing_ = value.value_or(0) > 0;
      if (drawing_) out_.dropped.set(static_cast<int>(AssDroppedTag::kDrawing));
      break;
  }
}

// The payload: lines trimmed of spaces and tabs at both ends, empty lines left out, spans
// closed as soon as the text no longer wants them and reopened inside, all closed at the end.
std::string EventConverter::Render() {
  std::vector<RunLine> lines;
  for (RunLine& line : lines_) {
    internal::TrimRunLine(line);
    if (!line.empty()) lines.push_back(std::move(line));
  }
  bool visible = false;
  for (const RunLine& line : lines) {
    for (const Run& run : line) {
      for (size_t i = 0; i < run.text.size() && !visible;) {
        if (std::string_view(run.text).substr(i).starts_with(kNoBreakSpace)) {
          i += kNoBreakSpace.size();
        } else {
          visible = !IsSpace(run.text[i++]);
        }
      }
    }
  }
  if (!visible) return "";

  std::string out;
  std::vector<int> open;  // The open spans, innermost last.
  const auto close_unwanted = [&](int wanted) {
    size_t keep = 0;
    while (keep < open.size() && (wanted & open[keep])) ++keep;
    while (open.size() > keep) {
      absl::StrAppend(&out, "</", std::string(SpanTag(open.back())), ">");
      open.pop_back();
    }
  };
  for (size_t l = 0; l < lines.size(); ++l) {
    for (const Run& run : lines[l]) {
      close_unwanted(run.flags);
      for (const int flag : kSpanFlags) {
        if ((run.flags & flag) && std::find(open.begin(), open.end(), flag) == open.end()) {
          absl::StrAppend(&out, "<", std::string(SpanTag(flag)), ">");
          open.push_back(flag);
        }
      }
      internal::AppendEscaped(run.text, out);
    }
    if (l + 1 < lines.size()) {
      close_unwanted(lines[l + 1].front().flags);
      out += '\n';
    }
  }
  close_unwanted(0);
  return out;
}

AssEventInWebVtt EventConverter::Convert() && {
  const std::string_view text = event_.text;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{') {
      const size_t close = text.find('}', i + 1);
      if (close != std::string_view::npos) {
        Block(text.substr(i + 1, close - i - 1));
        i = close;
        continue;
      }
    } else if (c == '\\' && i + 1 < text.size()) {
      const char escape = text[i + 1];
      if (escape == 'N' || (escape == 'n' && script_.wrap_style == 2)) {
        LineBreak();
        ++i;
        continue;
      }
      if (escape == 'n' || escape == 'h') {
        Append(escape == 'n' ? std::string_view(" ") : kNoBreakSpace);
        ++i;
        continue;
      }
    }
    Append(text.substr(i, 1));
  }
  for (const std::string_view effect : {"Banner;", "Scroll up;", "Scroll down;"}) {
    if (std::string_view(event_.effect).starts_with(effect)) {
      out_.dropped.set(static_cast<int>(AssDroppedTag::kScrolling));
    }
  }
  out_.text = Render();
  return std::move(out_);
}

// "12.5%": a percentage with at most two decimals, clamped to 0-100.
std::string Percent(double value) {
  std::string text = absl::StrFormat("%.2f", std::clamp(value, 0.0, 100.0));
  text.erase(text.find_last_not_of('0') + 1);
  if (text.ends_with('.')) text.pop_back();
  return text + "%";
}

}  // namespace

std::string_view AssDroppedTagName(AssDroppedTag kind) {
  switch (kind) {
    case AssDroppedTag::kKaraoke:
      return "\\k (karaoke)";
    case AssDroppedTag::kDrawing:
      return "\\p (drawing)";
    case AssDroppedTag::kMove:
      return "\\move";
    case AssDroppedTag::kFade:
      return "\\fad (fade)";
    case AssDroppedTag::kColour:
      return "\\c (colour)";
    case AssDroppedTag::kAlpha:
      return "\\alpha (transparency)";
    case AssDroppedTag::kFont:
      return "\\fn \\fs (font)";
    case AssDroppedTag::kBlur:
      return "\\blur \\be (blur)";
    case AssDroppedTag::kBorderShadow:
      return "\\bord \\shad (border, shadow)";
    case AssDroppedTag::kRotation:
      return "\\fr (rotation)";
    case AssDroppedTag::kShear:
      return "\\fax \\fay (shear)";
    case AssDroppedTag::kOrigin:
      return "\\org";
    case AssDroppedTag::kClip:
      return "\\clip";
    case AssDroppedTag::kWrapStyle:
      return "\\q (wrapping)";
    case AssDroppedTag::kAnimation:
      return "\\t (animation)";
    case AssDroppedTag::kStrikeOut:
      return "\\s (strike-out)";
    case AssDroppedTag::kScrolling:
      return "Effect (scrolling)";
    case AssDroppedTag::kUnknown:
      return "unknown tags";
  }
  return "unknown tags";
}

AssEventInWebVtt ConvertAssEvent(const AssScript& script, const AssEvent& event) {
  return EventConverter(script, event).Convert();
}

std::string AssCueSettings(const AssScript& script, const AssEvent& event,
                           const AssEventInWebVtt& converted) {
  const AssStyle& style = script.styles[event.style];
  const int column = (converted.alignment - 1) % 3;  // 0 left, 1 centre, 2 right.
  const int row = (converted.alignment - 1) / 3;     // 0 bottom, 1 middle, 2 top.
  const double width = script.play_res_x;
  const double height = script.play_res_y;
  std::vector<std::string> settings;
  if (converted.position) {
    // The anchor point of the text is where \pos puts it; the alignment says which point.
    settings.push_back(absl::StrCat("line:", Percent(converted.position->y / height * 100),
                                    row == 0   ? ",end"
                                    : row == 1 ? ",center"
                                               : ""));
    settings.push_back(absl::StrCat("position:", Percent(converted.position->x / width * 100)));
  } else {
    const int margin_l = event.margin_l != 0 ? event.margin_l : style.margin_l;
    const int margin_r = event.margin_r != 0 ? event.margin_r : style.margin_r;
    const int margin_v = event.margin_v != 0 ? event.margin_v : style.margin_v;
    if (row == 2) settings.push_back(absl::StrCat("line:", Percent(margin_v / height * 100)));
    if (row == 1) settings.push_back("line:50%,center");
    if (column == 0) settings.push_back(absl::StrCat("position:", Percent(margin_l / width * 100)));
    if (column == 2) {
      settings.push_back(absl::StrCat("position:", Percent((width - margin_r) / width * 100)));
    }
  }
  // WebVTT's position alignment follows from align (left: line-left, right: line-right).
  if (column == 0) settings.push_back("align:left");
  if (column == 2) settings.push_back("align:right");
  std::string joined;
  for (const std::string& setting : settings) {
    absl::StrAppend(&joined, joined.empty() ? "" : " ", setting);
  }
  return joined;
}

}  // namespace atp::subtitle
