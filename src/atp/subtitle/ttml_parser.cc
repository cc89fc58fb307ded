#include "atp/subtitle/ttml_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "atp/core/status_macros.h"
#include "atp/subtitle/parse_support.h"
#include "atp/subtitle/text_encoding.h"

namespace atp::subtitle {
namespace {

constexpr std::string_view kTtmlNamespace = "http://www.w3.org/ns/ttml";
constexpr std::string_view kParameterNamespace = "http://www.w3.org/ns/ttml#parameter";
constexpr std::string_view kStylingNamespace = "http://www.w3.org/ns/ttml#styling";
constexpr std::string_view kMetadataNamespace = "http://www.w3.org/ns/ttml#metadata";
constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";
constexpr std::string_view kXmlnsNamespace = "http://www.w3.org/2000/xmlns/";

constexpr int kMaxDepth = 64;
constexpr int kMaxAttributes = 256;
// The most text (bytes times stretches of time) a p with timed spans is split into cues over.
constexpr size_t kMaxSplitWork = size_t{16} << 20;
constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kMaxTimeNs = int64_t{1000} * 3600 * kNanosPerSecond;  // 1000 hours.

using int128 = __int128;

// ---------------------------------------------------------------------------------------------
// Namespaces. pugixml does not resolve them; these helpers do, from the xmlns attributes in
// scope.

struct QName {
  std::string_view ns;  // "" for no namespace (or a prefix that is not declared).
  std::string_view local;
};

// The namespace `prefix` ("" for the default namespace) is bound to at `element`.
std::string_view LookUpNamespace(pugi::xml_node element, std::string_view prefix) {
  if (prefix == "xml") return kXmlNamespace;
  const std::string declaration =
      prefix.empty() ? std::string("xmlns") : absl::StrCat("xmlns:", std::string(prefix));
  for (pugi::xml_node node = element; node.type() == pugi::node_element; node = node.parent()) {
    if (pugi::xml_attribute attribute = node.attribute(declaration.c_str())) {
      return attribute.value();
    }
  }
  return "";
}

QName ElementName(pugi::xml_node element) {
  const std::string_view name = element.name();
  const size_t colon = name.find(':');
  if (colon == std::string_view::npos) return {LookUpNamespace(element, ""), name};
  return {LookUpNamespace(element, name.substr(0, colon)), name.substr(colon + 1)};
}

// Unprefixed attributes are in no namespace (XML Namespaces 1.0, 6.2).
QName AttributeName(pugi::xml_node element, pugi::xml_attribute attribute) {
  const std::string_view name = attribute.name();
  if (name == "xmlns") return {kXmlnsNamespace, ""};
  const size_t colon = name.find(':');
  if (colon == std::string_view::npos) return {"", name};
  const std::string_view prefix = name.substr(0, colon);
  if (prefix == "xmlns") return {kXmlnsNamespace, name.substr(colon + 1)};
  return {LookUpNamespace(element, prefix), name.substr(colon + 1)};
}

bool IsTtml(pugi::xml_node element, std::string_view local) {
  if (element.type() != pugi::node_element) return false;
  const QName name = ElementName(element);
  return name.ns == kTtmlNamespace && name.local == local;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && absl::ascii_isspace(text.front())) text.remove_prefix(1);
  while (!text.empty() && absl::ascii_isspace(text.back())) text.remove_suffix(1);
  return text;
}

// The whitespace-separated tokens of `text`.
std::vector<std::string_view> Tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && absl::ascii_isspace(text[at])) ++at;
    size_t end = at;
    while (end < text.size() && !absl::ascii_isspace(text[end])) ++end;
    if (end > at) tokens.push_back(text.substr(at, end - at));
    at = end;
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Lines.

class LineIndex {
 public:
  explicit LineIndex(std::string_view text) : text_(text) {
    for (size_t at = text.find('\n'); at != std::string_view::npos; at = text.find('\n', at + 1)) {
      newlines_.push_back(at);
    }
  }

  int LineOfOffset(size_t offset) const {
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) -
                                newlines_.begin());
  }

  int LineOf(pugi::xml_node node) const {
    const ptrdiff_t offset = node.offset_debug();
    return offset < 0 ? 0 : LineOfOffset(static_cast<size_t>(offset));
  }

  // The line `attribute` of `element` is written on (pugixml keeps no offsets of attributes:
  // the first `name=` after the element's name).
  int LineOf(pugi::xml_node element, pugi::xml_attribute attribute) const {
    const ptrdiff_t element_offset = element.offset_debug();
    if (element_offset < 0) return 0;
    const std::string_view name = attribute.name();
    for (size_t at = text_.find(name, static_cast<size_t>(element_offset));
         at != std::string_view::npos; at = text_.find(name, at + 1)) {
      size_t after = at + name.size();
      while (after < text_.size() && absl::ascii_isspace(text_[after])) ++after;
      if (at > 0 && absl::ascii_isspace(text_[at - 1]) && after < text_.size() &&
          text_[after] == '=') {
        return LineOfOffset(at);
      }
    }
    return LineOf(element);
  }

 private:
  std::string_view text_;
  std::vector<size_t> newlines_;
};

// ---------------------------------------------------------------------------------------------
// Time expressions.

struct TimingParameters {
  int64_t frame_rate = 30;  // ttp:frameRate
  bool frame_rate_given = false;
  int64_t multiplier_numerator = 1;  // ttp:frameRateMultiplier
  int64_t multiplier_denominator = 1;
  int64_t sub_frame_rate = 1;  // ttp:subFrameRate
  // Ticks per second, ttp:tickRate or derived from the frame rate (a fraction when the
  // multiplier is one).
  int64_t tick_rate_numerator = 1;
  int64_t tick_rate_denominator = 1;
};

// Reads the decimal digits at the front of `text` (saturating at 10^18) and returns how many
// there were.
size_t ReadDigits(std::string_view& text, int128& value) {
  size_t count = 0;
  value = 0;
  while (count < text.size() && absl::ascii_isdigit(text[count])) {
    if (value < int128{1'000'000'000'000'000'000}) value = value * 10 + (text[count] - '0');
    ++count;
  }
  text.remove_prefix(count);
  return count;
}

// Reads ".DIGITS" at the front of `text` if there: the first 9 digits as `fraction` over
// 10^`digits` (further digits are below a nanosecond). False for a '.' without digits.
bool ReadFraction(std::string_view& text, int128& fraction, int& digits) {
  fraction = 0;
  digits = 0;
  if (text.empty() || text.front() != '.') return true;
  text.remove_prefix(1);
  size_t count = 0;
  while (count < text.size() && absl::ascii_isdigit(text[count])) {
    if (digits < 9) {
      fraction = fraction * 10 + (text[count] - '0');
      ++digits;
    }
    ++count;
  }
  text.remove_prefix(count);
  return count > 0;
}

int128 PowerOfTen(int exponent) {
  int128 value = 1;
  for (int i = 0; i < exponent; ++i) value *= 10;
  return value;
}

int128 RoundDivide(int128 numerator, int128 denominator) {
  return (numerator + denominator / 2) / denominator;
}

absl::Status Unreadable() {
  return absl::InvalidArgumentError(
      "write a clock time (HH:MM:SS, HH:MM:SS.fff, HH:MM:SS:FF) or an offset time (12.5s, "
      "500ms, 2m, 1h, 30f, 1000t)");
}

absl::Status BeyondLimit() {
  return absl::InvalidArgumentError("it is beyond 1000 hours, the longest time atp reads");
}

// A TTML time expression (TTML1 10.3.1, media time base) in nanoseconds; InvalidArgument
// saying what is wrong with it otherwise.
absl::StatusOr<int64_t> ParseTimeExpression(std::string_view expression,
                                            const TimingParameters& parameters) {
  std::string_view text = Trim(expression);
  int128 nanoseconds = 0;
  if (text.find(':') != std::string_view::npos) {
    int128 hours = 0, minutes = 0, seconds = 0;
    if (ReadDigits(text, hours) < 2 || !text.starts_with(':')) return Unreadable();
    text.remove_prefix(1);
    if (ReadDigits(text, minutes) != 2 || !text.starts_with(':')) return Unreadable();
    text.remove_prefix(1);
    if (ReadDigits(text, seconds) != 2) return Unreadable();
    if (minutes >= 60 || seconds >= 60) {
      return absl::InvalidArgumentError("minutes and seconds must be below 60");
    }
    if (hours > 1000) return BeyondLimit();
    nanoseconds = ((hours * 60 + minutes) * 60 + seconds) * kNanosPerSecond;
    if (text.starts_with('.')) {
      int128 fraction = 0;
      int digits = 0;
      if (!ReadFraction(text, fraction, digits)) return Unreadable();
      nanoseconds += RoundDivide(fraction * kNanosPerSecond, PowerOfTen(digits));
    } else if (text.starts_with(':')) {
      text.remove_prefix(1);
      int128 frames = 0, sub_frames = 0;
      if (ReadDigits(text, frames) < 2) return Unreadable();
      if (text.starts_with('.')) {
        text.remove_prefix(1);
        if (ReadDigits(text, sub_frames) < 1) return Unreadable();
      }
      if (frames >= parameters.frame_rate) {
        return absl::InvalidArgumentError(absl::StrCat(
            "its frame number must be below the frame rate, ", parameters.frame_rate,
            parameters.frame_rate_given ? " (ttp:frameRate)" : " (the default: no ttp:frameRate)"));
      }
      if (sub_frames >= parameters.sub_frame_rate) {
        return absl::InvalidArgumentError(
            absl::StrCat("its sub-frame number must be below the sub-frame rate, ",
                         parameters.sub_frame_rate, " (ttp:subFrameRate)"));
      }
      nanoseconds += RoundDivide((frames * parameters.sub_frame_rate + sub_frames) *
                                     kNanosPerSecond * parameters.multiplier_denominator,
                                 int128{parameters.frame_rate} * parameters.multiplier_numerator *
                                     parameters.sub_frame_rate);
    }
    if (!text.empty()) return Unreadable();
  } else {
    int128 count = 0, fraction = 0;
    int digits = 0;
    if (ReadDigits(text, count) == 0 || !ReadFraction(text, fraction, digits)) {
      return Unreadable();
    }
    // Nanoseconds per unit of the metric: unit_numerator / unit_denominator.
    int128 unit_numerator = 0;
    int128 unit_denominator = 1;
    if (text == "h") {
      unit_numerator = int128{3600} * kNanosPerSecond;
    } else if (text == "m") {
      unit_numerator = int128{60} * kNanosPerSecond;
    } else if (text == "s") {
      unit_numerator = kNanosPerSecond;
    } else if (text == "ms") {
      unit_numerator = 1'000'000;
    } else if (text == "f") {
      unit_numerator = int128{kNanosPerSecond} * parameters.multiplier_denominator;
      unit_denominator = int128{parameters.frame_rate} * parameters.multiplier_numerator;
    } else if (text == "t") {
      unit_numerator = int128{kNanosPerSecond} * parameters.tick_rate_denominator;
      unit_denominator = parameters.tick_rate_numerator;
    } else {
      return Unreadable();
    }
    if (count > int128{kMaxTimeNs} * unit_denominator / unit_numerator + 1) return BeyondLimit();
    const int128 scale = PowerOfTen(digits);
    nanoseconds =
        RoundDivide((count * scale + fraction) * unit_numerator, scale * unit_denominator);
  }
  if (nanoseconds > kMaxTimeNs) return BeyondLimit();
  return static_cast<int64_t>(nanoseconds);
}

int64_t RoundToMilliseconds(int64_t nanoseconds) { return (nanoseconds + 500'000) / 1'000'000; }

// ---------------------------------------------------------------------------------------------
// Styles.

// tts: properties by local name ("fontStyle" -> "italic"), as specified.
using StyleSet = std::map<std::string, std::string, std::less<>>;

void Overlay(StyleSet& into, const StyleSet& from) {
  for (const auto& [name, value] : from) into[name] = value;
}

// The properties of `style` that content inherits and atp maps.
StyleSet Inheritable(const StyleSet& style) {
  StyleSet inheritable;
  for (const char* name : {"fontStyle", "fontWeight", "textDecoration", "textAlign"}) {
    if (auto it = style.find(name); it != style.end()) inheritable.insert(*it);
  }
  return inheritable;
}

std::string_view Property(const StyleSet& style, std::string_view name) {
  auto it = style.find(name);
  return it == style.end() ? std::string_view() : std::string_view(it->second);
}

enum TextFlag : uint8_t { kItalic = 1, kBold = 2, kUnderline = 4 };

uint8_t TextFlags(const StyleSet& style) {
  uint8_t flags = 0;
  const std::string_view font_style = Trim(Property(style, "fontStyle"));
  if (font_style == "italic" || font_style == "oblique") flags |= kItalic;
  if (Trim(Property(style, "fontWeight")) == "bold") flags |= kBold;
  for (std::string_view token : Tokens(Property(style, "textDecoration"))) {
    if (token == "underline") flags |= kUnderline;
    if (token == "noUnderline" || token == "none") flags &= ~kUnderline;
  }
  return flags;
}

// "12.5%": `percent` clamped to [0, 100], at most two decimals.
std::string Percent(double percent) {
  std::string text = absl::StrFormat("%.2f", std::clamp(percent, 0.0, 100.0));
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + "%";
}

// ---------------------------------------------------------------------------------------------
// Cue text.

struct Segment {
  bool line_break = false;
  std::string text;
  uint8_t flags = 0;
  bool preserve_space = false;
  int64_t begin_ns = 0;  // When it is shown.
  int64_t end_ns = 0;
};

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The WebVTT payload of `segments`, in order: whitespace handled, lines trimmed, empty lines
// left out, <i> <b> <u> opened and closed as the runs' flags change.
std::string RenderPayload(const std::vector<const Segment*>& segments) {
  struct Run {
    std::string text;
    uint8_t flags;
  };
  std::vector<std::vector<Run>> lines(1);
  auto append = [&](char c, uint8_t flags) {
    std::vector<Run>& line = lines.back();
    if (line.empty() || line.back().flags != flags) line.push_back({"", flags});
    line.back().text += c;
  };
  for (const Segment* segment : segments) {
    if (segment->line_break) {
      lines.emplace_back();
      continue;
    }
    for (char c : segment->text) {
      if (segment->preserve_space) {
        if (c == '\n') {
          lines.emplace_back();
        } else {
          append(c, segment->flags);
        }
      } else if (IsXmlSpace(c)) {
        const std::vector<Run>& line = lines.back();
        if (!line.empty() && line.back().text.back() != ' ') append(' ', segment->flags);
      } else {
        append(c, segment->flags);
      }
    }
  }
  for (std::vector<Run>& line : lines) {
    internal::TrimRunLine(line);
  }
  std::erase_if(lines, [](const std::vector<Run>& line) { return line.empty(); });

  std::string out;
  std::vector<uint8_t> open;  // The tags open, outermost first.
  auto close_unwanted = [&](uint8_t wanted) {
    size_t keep = 0;
    while (keep < open.size() && (wanted & open[keep])) ++keep;
    while (open.size() > keep) {
      out += open.back() == kItalic ? "</i>" : open.back() == kBold ? "</b>" : "</u>";
      open.pop_back();
    }
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      close_unwanted(lines[i].front().flags);
      out += '\n';
    }
    for (const Run& run : lines[i]) {
      close_unwanted(run.flags);
      for (uint8_t flag : {kItalic, kBold, kUnderline}) {
        if ((run.flags & flag) && std::find(open.begin(), open.end(), flag) == open.end()) {
          out += flag == kItalic ? "<i>" : flag == kBold ? "<b>" : "<u>";
          open.push_back(flag);
        }
      }
      internal::AppendEscaped(run.text, out);
    }
  }
  close_unwanted(0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The reader.

struct Interval {
  int64_t begin_ns = 0;
  std::optional<int64_t> end_ns;  // nullopt: no end known.
};

// What an element of body passes to its children.
struct Scope {
  Interval interval;
  StyleSet inherited;  // Inheritable properties specified from body down (not the region's).
  std::string region;  // The region="id" in effect; "" for none.
  bool preserve_space = false;
};

// A cue of one p, before rounding.
struct TimedText {
  int64_t begin_ns;
  int64_t end_ns;
  std::string text;
};

class TtmlReader {
 public:
  TtmlReader(std::string_view text, std::string_view file_name)
      : text_(text), file_name_(file_name), lines_(text) {}

  absl::StatusOr<Subtitles> Read() && {
    ATP_RETURN_IF_ERROR(CheckMarkup());
    pugi::xml_document document;
    const pugi::xml_parse_result parsed =
        document.load_buffer(text_.data(), text_.size(),
                             pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
    if (!parsed) {
      return Error(lines_.LineOfOffset(static_cast<size_t>(parsed.offset)),
                   "not well-formed XML: ", parsed.description());
    }
    pugi::xml_node root;
    for (pugi::xml_node node : document.children()) {
      if (node.type() == pugi::node_element) {
        if (root) {
          return Error(lines_.LineOf(node), "not well-formed XML: a second root element <",
                       node.name(), ">");
        }
        root = node;
      } else if (node.type() == pugi::node_pcdata && !Trim(node.value()).empty()) {
        return Error(lines_.LineOf(node), "not well-formed XML: text outside the root element");
      }
    }
    if (!root) return Error(1, "not well-formed XML: no root element");
    ATP_RETURN_IF_ERROR(CheckShape(root));
    const QName root_name = ElementName(root);
    if (root_name.ns != kTtmlNamespace || root_name.local != "tt") {
      const bool draft = std::string_view(root_name.ns).starts_with("http://www.w3.org/2006/");
      return Error(lines_.LineOf(root), "the root element must be <tt> in the TTML namespace ",
                   std::string(kTtmlNamespace), ", but it is <", root.name(), "> ",
                   root_name.ns.empty() ? std::string("in no namespace")
                                        : absl::StrCat("in namespace ", std::string(root_name.ns)),
                   draft ? " (a draft DFXP namespace from before TTML 1.0: change it to "
                           "http://www.w3.org/ns/ttml)"
                         : "");
    }
    ATP_RETURN_IF_ERROR(ReadParameters(root));
    Survey(root);
    pugi::xml_node body;
    for (pugi::xml_node child : root.children()) {
      if (IsTtml(child, "head")) IndexHead(child);
      if (IsTtml(child, "body") && !body) body = child;
    }
    if (!body) return Error(lines_.LineOf(root), "<", root.name(), "> has no <body>");
    ATP_RETURN_IF_ERROR(ReadBlock(body, Scope{.preserve_space = PreservesSpace(root, false)}));

    std::stable_sort(subtitles_.cues.begin(), subtitles_.cues.end(),
                     [](const Cue& a, const Cue& b) { return a.start_ms < b.start_ms; });
    AddWarnings();
    return std::move(subtitles_);
  }

 private:
  template <typename... Args>
  absl::Status Error(int line, const Args&... args) const {
    return absl::InvalidArgumentError(absl::StrCat(file_name_, ":", line, ": ", args...));
  }

  static std::string Tag(pugi::xml_node element) { return absl::StrCat("<", element.name(), ">"); }

  // Before any parsing: refuses DTDs and entity declarations, entity references other than the
  // predefined ones, bad character references and raw control characters (which pugixml would
  // let through).
  absl::Status CheckMarkup() const {
    for (const char* declaration : {"<!ENTITY", "<!DOCTYPE"}) {
      const std::string_view needle = declaration;
      auto found = std::search(
          text_.begin(), text_.end(), needle.begin(), needle.end(),
          [](char a, char b) { return absl::ascii_toupper(a) == absl::ascii_toupper(b); });
      if (found != text_.end()) {
        return Error(lines_.LineOfOffset(found - text_.begin()),
                     needle == "<!ENTITY" ? "an entity declaration (<!ENTITY)"
                                          : "a document type declaration (<!DOCTYPE)",
                     ": atp refuses DTDs and entity declarations in TTML; remove it");
      }
    }
    for (size_t at = 0; at < text_.size(); ++at) {
      const auto byte = static_cast<unsigned char>(text_[at]);
      if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') {
        return Error(lines_.LineOfOffset(at),
                     absl::StrFormat("control character U+%04X is not allowed in XML", byte));
      }
    }
    size_t at = 0;
    while (at < text_.size()) {
      const std::string_view rest = text_.substr(at);
      if (rest.starts_with("<!--")) {
        at = std::min(text_.find("-->", at + 4), text_.size());
      } else if (rest.starts_with("<![CDATA[")) {
        at = std::min(text_.find("]]>", at + 9), text_.size());
      } else if (rest.starts_with("<?")) {
        at = std::min(text_.find("?>", at + 2), text_.size());
      } else if (rest.starts_with('&')) {
        ATP_RETURN_IF_ERROR(CheckReference(at));
        ++at;
      } else {
        ++at;
      }
    }
    return absl::OkStatus();
  }

  // The reference that starts with the '&' at `at`.
  absl::Status CheckReference(size_t at) const {
    const int line = lines_.LineOfOffset(at);
    std::string_view rest = text_.substr(at + 1, 40);
    const size_t semicolon = rest.find(';');
    if (rest.starts_with('#')) {
      size_t shown_end = 1;  // After "&#" and the letters and digits that follow.
      while (shown_end < rest.size() && absl::ascii_isalnum(rest[shown_end])) ++shown_end;
      if (shown_end < rest.size() && rest[shown_end] == ';') ++shown_end;
      const std::string shown(text_.substr(at, shown_end + 1));
      std::string_view digits = rest.substr(
          1, semicolon == std::string_view::npos ? std::string_view::npos : semicolon - 1);
      const bool hex = digits.starts_with('x');
      if (hex) digits.remove_prefix(1);
      uint32_t code_point = 0;
      const auto [end, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), code_point, hex ? 16 : 10);
      if (semicolon == std::string_view::npos || digits.empty() ||
          end != digits.data() + digits.size() || error != std::errc()) {
        return Error(line, "character reference '", shown,
                     "' is malformed: write &#DIGITS; or &#xHEXDIGITS;");
      }
      const bool allowed = code_point == 0x9 || code_point == 0xA || code_point == 0xD ||
                           (code_point >= 0x20 && code_point <= 0xD7FF) ||
                           (code_point >= 0xE000 && code_point <= 0xFFFD) ||
                           (code_point >= 0x10000 && code_point <= 0x10FFFF);
      if (!allowed) {
        return Error(line, "character reference '", shown,
                     "' is to a character XML does not allow");
      }
      return absl::OkStatus();
    }
    const std::string_view name =
        semicolon == std::string_view::npos ? std::string_view() : rest.substr(0, semicolon);
    const bool is_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':' ||
             static_cast<unsigned char>(c) >= 0x80;
    });
    if (!is_name) {
      return Error(line,
                   "not well-formed XML: an '&' that starts no entity or character reference; "
                   "write &amp; for an ampersand");
    }
    if (name == "amp" || name == "lt" || name == "gt" || name == "apos" || name == "quot") {
      return absl::OkStatus();
    }
    return Error(line, "entity reference '&", std::string(name),
                 ";' is not defined: TTML has no DTD, so only &amp; &lt; &gt; &apos; &quot; and "
                 "character references such as &#160; can be used");
  }

  absl::Status ReadParameters(pugi::xml_node tt) {
    bool tick_rate_given = false;
    for (pugi::xml_attribute attribute : tt.attributes()) {
      const QName name = AttributeName(tt, attribute);
      const std::string_view value = Trim(attribute.value());
      auto bad = [&](std::string_view expected) {
        return Error(lines_.LineOf(tt, attribute), attribute.name(), "=\"", attribute.value(),
                     "\" is not ", std::string(expected));
      };
      if (name.ns == kStylingNamespace && name.local == "extent") {
        const std::vector<std::string_view> tokens = Tokens(value);
        double width = 0, height = 0;
        if (tokens.size() == 2 && ParseLength(tokens[0], "px", width) &&
            ParseLength(tokens[1], "px", height) && width > 0 && height > 0) {
          root_extent_px_ = {width, height};
        }
        continue;
      }
      if (name.ns != kParameterNamespace) continue;
      if (name.local == "frameRate") {
        if (!PositiveInteger(value, 1000, timing_.frame_rate)) {
          return bad("a whole number of frames per second from 1 to 1000");
        }
        timing_.frame_rate_given = true;
      } else if (name.local == "frameRateMultiplier") {
        const std::vector<std::string_view> tokens = Tokens(value);
        if (tokens.size() != 2 ||
            !PositiveInteger(tokens[0], 1'000'000, timing_.multiplier_numerator) ||
            !PositiveInteger(tokens[1], 1'000'000, timing_.multiplier_denominator)) {
          return bad("two whole numbers from 1 to 1000000 (\"1000 1001\")");
        }
      } else if (name.local == "subFrameRate") {
        if (!PositiveInteger(value, 1000, timing_.sub_frame_rate)) {
          return bad("a whole number from 1 to 1000");
        }
      } else if (name.local == "tickRate") {
        if (!PositiveInteger(value, 1'000'000'000'000, timing_.tick_rate_numerator)) {
          return bad("a whole number of ticks per second from 1 to 10^12");
        }
        tick_rate_given = true;
      } else if (name.local == "cellResolution") {
        const std::vector<std::string_view> tokens = Tokens(value);
        if (tokens.size() != 2 || !PositiveInteger(tokens[0], 10'000, cell_columns_) ||
            !PositiveInteger(tokens[1], 10'000, cell_rows_)) {
          return bad("two whole numbers, columns and rows (\"32 15\")");
        }
      } else if (name.local == "timeBase" && value != "media") {
        return Error(lines_.LineOf(tt, attribute), attribute.name(), "=\"", attribute.value(),
                     "\" is not supported: atp reads media time (ttp:timeBase=\"media\", the "
                     "default and the only one IMSC1 allows)");
      }
    }
    if (!tick_rate_given && timing_.frame_rate_given) {
      timing_.tick_rate_numerator =
          timing_.frame_rate * timing_.multiplier_numerator * timing_.sub_frame_rate;
      timing_.tick_rate_denominator = timing_.multiplier_denominator;
    }
    return absl::OkStatus();
  }

  static bool PositiveInteger(std::string_view text, int64_t max, int64_t& value) {
    int64_t parsed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || parsed < 1 ||
        parsed > max) {
      return false;
    }
    value = parsed;
    return true;
  }

  // A non-negative number followed by `unit` ("12.5%" with "%").
  static bool ParseLength(std::string_view token, std::string_view unit, double& value) {
    if (!token.ends_with(unit)) return false;
    const std::string_view number = token.substr(0, token.size() - unit.size());
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    return !number.empty() && error == std::errc() && end == number.data() + number.size() &&
           std::isfinite(value) && value >= 0;
  }

  // A tts:origin or tts:extent value ("10% 80%", "192px 864px", "2c 12c") as percent of the
  // root container; nullopt when it is in other units (or px without the root's extent).
  std::optional<std::pair<double, double>> PercentPair(std::string_view value) const {
    const std::vector<std::string_view> tokens = Tokens(value);
    if (tokens.size() != 2) return std::nullopt;
    double x = 0, y = 0;
    if (ParseLength(tokens[0], "%", x) && ParseLength(tokens[1], "%", y)) {
      return std::make_pair(x, y);
    }
    if (root_extent_px_ && ParseLength(tokens[0], "px", x) && ParseLength(tokens[1], "px", y)) {
      return std::make_pair(x * 100 / root_extent_px_->first, y * 100 / root_extent_px_->second);
    }
    if (ParseLength(tokens[0], "c", x) && ParseLength(tokens[1], "c", y)) {
      return std::make_pair(x * 100 / cell_columns_, y * 100 / cell_rows_);
    }
    return std::nullopt;
  }

  // Refuses elements nested deeper than kMaxDepth or with more than kMaxAttributes
  // attributes, before anything looks up a namespace (which walks up the ancestors and
  // through their attributes).
  absl::Status CheckShape(pugi::xml_node root) const {
    std::vector<std::pair<pugi::xml_node, int>> stack = {{root, 1}};
    while (!stack.empty()) {
      const auto [element, depth] = stack.back();
      stack.pop_back();
      if (depth > kMaxDepth) {
        return Error(lines_.LineOf(element), "elements nest deeper than ", kMaxDepth, " levels");
      }
      int attributes = 0;
      for (auto it = element.attributes_begin(); it != element.attributes_end(); ++it) {
        if (++attributes > kMaxAttributes) {
          return Error(lines_.LineOf(element), Tag(element), " has more than ", kMaxAttributes,
                       " attributes");
        }
      }
      for (pugi::xml_node child : element.children()) {
        if (child.type() == pugi::node_element) stack.emplace_back(child, depth + 1);
      }
    }
    return absl::OkStatus();
  }

  // Walks the document once and counts what is dropped.
  void Survey(pugi::xml_node tt) {
    struct Item {
      pugi::xml_node element;
      bool in_body;
    };
    std::vector<Item> stack = {{tt, false}};
    while (!stack.empty()) {
      const Item item = stack.back();
      stack.pop_back();
      const QName name = ElementName(item.element);
      if (name.ns == kTtmlNamespace) {
        if (name.local == "set") {
          Drop("<set> animations");
          continue;
        }
        if (name.local == "metadata") continue;
        if (item.in_body && name.local != "body" && name.local != "div" && name.local != "p" &&
            name.local != "span" && name.local != "br") {
          Drop(absl::StrCat("<", std::string(name.local), "> elements"));
          continue;
        }
        SurveyStyleAttributes(item.element, name.local);
      } else if (name.ns == kMetadataNamespace) {
        continue;
      } else {
        if (item.in_body) Drop("elements in other namespaces");
        continue;
      }
      for (pugi::xml_node child : item.element.children()) {
        if (child.type() == pugi::node_element) {
          stack.push_back({child, item.in_body || name.local == "body"});
        }
      }
    }
  }

  void SurveyStyleAttributes(pugi::xml_node element, std::string_view local) {
    const bool placed = local == "style" || local == "region" || local == "p";
    for (pugi::xml_attribute attribute : element.attributes()) {
      const QName name = AttributeName(element, attribute);
      if (name.ns != kStylingNamespace) continue;
      const std::string property = std::string(name.local);
      const std::string_view value = Trim(attribute.value());
      if (local == "tt" && property == "extent") continue;
      if (property == "fontStyle" || property == "fontWeight") continue;
      if (property == "textDecoration") {
        for (std::string_view token : Tokens(value)) {
          if (token == "lineThrough" || token == "overline") {
            Drop(absl::StrCat("tts:textDecoration ", std::string(token)));
          }
        }
      } else if (property == "textAlign") {
        if (value != "left" && value != "center" && value != "right" && value != "start" &&
            value != "end") {
          Drop(absl::StrCat("tts:textAlign ", std::string(value)));
        }
      } else if (property == "displayAlign" || property == "origin" || property == "extent") {
        if (!placed) {
          Drop(absl::StrCat("tts:", property, " on <", std::string(local), ">"));
        } else if (property == "displayAlign" && value != "before" && value != "center" &&
                   value != "after") {
          Drop(absl::StrCat("tts:displayAlign ", std::string(value)));
        } else if (property != "displayAlign" && value != "auto" && !PercentPair(value)) {
          Drop(absl::StrCat("tts:", property, " in units atp cannot convert"));
        }
      } else {
        Drop(absl::StrCat("tts:", property));
      }
    }
  }

  void Drop(std::string what) { ++dropped_[std::move(what)]; }

  static std::string_view Id(pugi::xml_node element) {
    return Trim(element.attribute("xml:id").value());
  }

  void IndexHead(pugi::xml_node head) {
    for (pugi::xml_node child : head.children()) {
      if (IsTtml(child, "styling")) {
        for (pugi::xml_node style : child.children()) {
          if (IsTtml(style, "style") && !Id(style).empty()) styles_.emplace(Id(style), style);
        }
      } else if (IsTtml(child, "layout")) {
        for (pugi::xml_node region : child.children()) {
          if (IsTtml(region, "region") && !Id(region).empty()) {
            regions_.emplace(Id(region), region);
          }
        }
      }
    }
  }

  // The tts: attributes written on `element`.
  static StyleSet InlineStyle(pugi::xml_node element) {
    StyleSet style;
    for (pugi::xml_attribute attribute : element.attributes()) {
      const QName name = AttributeName(element, attribute);
      if (name.ns == kStylingNamespace) style[std::string(name.local)] = attribute.value();
    }
    return style;
  }

  // The styles `element` refers to with style="id ...", in order, then its own tts:
  // attributes.
  absl::StatusOr<StyleSet> Specified(pugi::xml_node element) {
    StyleSet style;
    for (std::string_view id : Tokens(element.attribute("style").value())) {
      ATP_ASSIGN_OR_RETURN(const StyleSet* referenced, ResolveStyle(element, id));
      if (referenced != nullptr) Overlay(style, *referenced);
    }
    Overlay(style, InlineStyle(element));
    return style;
  }

  // The style <style xml:id="`id`"> defines; nullptr (counted) when there is none.
  absl::StatusOr<const StyleSet*> ResolveStyle(pugi::xml_node referrer, std::string_view id) {
    if (auto done = resolved_styles_.find(id); done != resolved_styles_.end()) {
      return &done->second;
    }
    auto definition = styles_.find(id);
    if (definition == styles_.end()) {
      ++undefined_styles_[std::string(id)];
      return nullptr;
    }
    if (!resolving_.insert(std::string(id)).second) {
      return Error(lines_.LineOf(referrer), Tag(referrer), " style=\"",
                   referrer.attribute("style").value(), "\": style \"", std::string(id),
                   "\" refers back to itself");
    }
    if (resolving_.size() > kMaxDepth) {
      return Error(lines_.LineOf(referrer), "styles refer to styles more than ", kMaxDepth,
                   " deep");
    }
    ATP_ASSIGN_OR_RETURN(StyleSet style, Specified(definition->second));
    resolving_.erase(std::string(id));
    return &resolved_styles_.emplace(std::string(id), std::move(style)).first->second;
  }

  // The style of <region xml:id="`id`">: its referenced styles, its <style> children, its own
  // tts: attributes; nullptr (counted) when there is none.
  absl::StatusOr<const StyleSet*> ResolveRegion(std::string_view id) {
    if (auto done = resolved_regions_.find(id); done != resolved_regions_.end()) {
      return &done->second;
    }
    auto definition = regions_.find(id);
    if (definition == regions_.end()) {
      ++undefined_regions_[std::string(id)];
      return nullptr;
    }
    const pugi::xml_node region = definition->second;
    StyleSet style;
    for (std::string_view style_id : Tokens(region.attribute("style").value())) {
      ATP_ASSIGN_OR_RETURN(const StyleSet* referenced, ResolveStyle(region, style_id));
      if (referenced != nullptr) Overlay(style, *referenced);
    }
    for (pugi::xml_node child : region.children()) {
      if (!IsTtml(child, "style")) continue;
      ATP_ASSIGN_OR_RETURN(StyleSet child_style, Specified(child));
      Overlay(style, child_style);
    }
    Overlay(style, InlineStyle(region));
    return &resolved_regions_.emplace(std::string(id), std::move(style)).first->second;
  }

  absl::StatusOr<std::optional<int64_t>> TimeAttribute(pugi::xml_node element, const char* name) {
    const pugi::xml_attribute attribute = element.attribute(name);
    if (!attribute) return std::nullopt;
    absl::StatusOr<int64_t> time = ParseTimeExpression(attribute.value(), timing_);
    if (!time.ok()) {
      return Error(lines_.LineOf(element, attribute), Tag(element), " ", name, "=\"",
                   attribute.value(),
                   "\" is not a time atp can read: ", std::string(time.status().message()));
    }
    return *time;
  }

  // `element`'s interval on the programme's timeline, cut to `parent`'s; nullopt when it lies
  // outside it.
  absl::StatusOr<std::optional<Interval>> ResolveInterval(pugi::xml_node element,
                                                          const Interval& parent) {
    if (pugi::xml_attribute container = element.attribute("timeContainer")) {
      const std::string_view value = Trim(container.value());
      if (value != "par") {
        return Error(lines_.LineOf(element, container), Tag(element), " timeContainer=\"",
                     container.value(),
                     "\" is not supported: atp reads par time containers "
                     "only (the default), where every child counts from its parent's begin");
      }
    }
    ATP_ASSIGN_OR_RETURN(std::optional<int64_t> begin_offset, TimeAttribute(element, "begin"));
    ATP_ASSIGN_OR_RETURN(std::optional<int64_t> end_offset, TimeAttribute(element, "end"));
    ATP_ASSIGN_OR_RETURN(std::optional<int64_t> duration, TimeAttribute(element, "dur"));
    Interval interval{.begin_ns = parent.begin_ns + begin_offset.value_or(0)};
    if (interval.begin_ns > kMaxTimeNs) {
      return Error(lines_.LineOf(element), Tag(element), " begins beyond 1000 hours");
    }
    if (end_offset) interval.end_ns = parent.begin_ns + *end_offset;
    if (duration) {
      interval.end_ns = std::min(interval.end_ns.value_or(std::numeric_limits<int64_t>::max()),
                                 interval.begin_ns + *duration);
    }
    if (interval.end_ns && *interval.end_ns <= interval.begin_ns) {
      std::vector<std::string> written;
      for (const char* name : {"begin", "end", "dur"}) {
        if (pugi::xml_attribute attribute = element.attribute(name)) {
          written.push_back(absl::StrCat(name, "=\"", attribute.value(), "\""));
        }
      }
      return Error(lines_.LineOf(element), Tag(element), " ends at ",
                   FormatWebVttTimestamp(RoundToMilliseconds(*interval.end_ns)),
                   ", not after it begins at ",
                   FormatWebVttTimestamp(RoundToMilliseconds(interval.begin_ns)), " (",
                   absl::StrJoin(written, " "), ")");
    }
    if (parent.end_ns) {
      if (interval.begin_ns >= *parent.end_ns) return std::nullopt;
      interval.end_ns = std::min(interval.end_ns.value_or(*parent.end_ns), *parent.end_ns);
    }
    return interval;
  }

  static bool PreservesSpace(pugi::xml_node element, bool inherited) {
    const std::string_view value = Trim(element.attribute("xml:space").value());
    if (value == "preserve") return true;
    if (value == "default") return false;
    return inherited;
  }

  // body or div.
  absl::Status ReadBlock(pugi::xml_node element, const Scope& parent) {
    ATP_ASSIGN_OR_RETURN(std::optional<Interval> interval,
                         ResolveInterval(element, parent.interval));
    if (!interval) {
      ++outside_parent_;
      return absl::OkStatus();
    }
    Scope scope = parent;
    scope.interval = *interval;
    ATP_ASSIGN_OR_RETURN(StyleSet specified, Specified(element));
    Overlay(scope.inherited, Inheritable(specified));
    if (const std::string_view region = Trim(element.attribute("region").value());
        !region.empty()) {
      scope.region = std::string(region);
    }
    scope.preserve_space = PreservesSpace(element, parent.preserve_space);
    for (pugi::xml_node child : element.children()) {
      if (IsTtml(child, "div")) {
        ATP_RETURN_IF_ERROR(ReadBlock(child, scope));
      } else if (IsTtml(child, "p")) {
        ATP_RETURN_IF_ERROR(ReadParagraph(child, scope));
      }
    }
    return absl::OkStatus();
  }

  struct Context {
    int64_t begin_ns;
    int64_t end_ns;
    StyleSet style;
    bool preserve_space;
  };

  // The text, spans and brs of `element` (p or span), in order.
  absl::Status CollectContent(pugi::xml_node element, const Context& context,
                              std::vector<Segment>& segments) {
    for (pugi::xml_node child : element.children()) {
      if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
        segments.push_back({.text = child.value(),
                            .flags = TextFlags(context.style),
                            .preserve_space = context.preserve_space,
                            .begin_ns = context.begin_ns,
                            .end_ns = context.end_ns});
      } else if (IsTtml(child, "br")) {
        segments.push_back(
            {.line_break = true, .begin_ns = context.begin_ns, .end_ns = context.end_ns});
      } else if (IsTtml(child, "span")) {
        ATP_ASSIGN_OR_RETURN(std::optional<Interval> interval,
                             ResolveInterval(child, {context.begin_ns, context.end_ns}));
        if (!interval) continue;
        Context inner = context;
        inner.begin_ns = interval->begin_ns;
        inner.end_ns = *interval->end_ns;
        ATP_ASSIGN_OR_RETURN(StyleSet specified, Specified(child));
        Overlay(inner.style, specified);
        inner.preserve_space = PreservesSpace(child, context.preserve_space);
        ATP_RETURN_IF_ERROR(CollectContent(child, inner, segments));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ReadParagraph(pugi::xml_node p, const Scope& parent) {
    ATP_ASSIGN_OR_RETURN(std::optional<Interval> interval, ResolveInterval(p, parent.interval));
    if (!interval) {
      ++outside_parent_;
      return absl::OkStatus();
    }
    if (!interval->end_ns) {
      return Error(lines_.LineOf(p), Tag(p),
                   " has no end: give it end or dur, or give an enclosing div or body an end");
    }
    ATP_ASSIGN_OR_RETURN(StyleSet specified, Specified(p));
    std::string_view region_id = Trim(p.attribute("region").value());
    if (region_id.empty()) region_id = parent.region;
    const StyleSet* region = nullptr;
    if (!region_id.empty()) {
      ATP_ASSIGN_OR_RETURN(region, ResolveRegion(region_id));
    }
    StyleSet computed = region != nullptr ? Inheritable(*region) : StyleSet();
    Overlay(computed, parent.inherited);
    Overlay(computed, Inheritable(specified));

    std::vector<Segment> segments;
    ATP_RETURN_IF_ERROR(CollectContent(p,
                                       {.begin_ns = interval->begin_ns,
                                        .end_ns = *interval->end_ns,
                                        .style = computed,
                                        .preserve_space = PreservesSpace(p, parent.preserve_space)},
                                       segments));

    // One cue per stretch of time in which the same text shows.
    std::vector<int64_t> bounds = {interval->begin_ns, *interval->end_ns};
    for (const Segment& segment : segments) {
      bounds.push_back(segment.begin_ns);
      bounds.push_back(segment.end_ns);
    }
    std::sort(bounds.begin(), bounds.end());
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
    size_t content_size = segments.size();
    for (const Segment& segment : segments) content_size += segment.text.size();
    if ((bounds.size() - 1) * content_size > kMaxSplitWork) {
      return Error(lines_.LineOf(p), Tag(p), " has too many spans with their own times (",
                   bounds.size() - 1, " stretches of time) over too much text to split into cues");
    }
    std::vector<TimedText> timed;
    for (size_t i = 0; i + 1 < bounds.size(); ++i) {
      std::vector<const Segment*> shown;
      for (const Segment& segment : segments) {
        if (segment.begin_ns <= bounds[i] && segment.end_ns >= bounds[i + 1]) {
          shown.push_back(&segment);
        }
      }
      std::string text = RenderPayload(shown);
      if (text.empty()) continue;
      if (!timed.empty() && timed.back().end_ns == bounds[i] && timed.back().text == text) {
        timed.back().end_ns = bounds[i + 1];
      } else {
        timed.push_back({bounds[i], bounds[i + 1], std::move(text)});
      }
    }

    const std::string settings = Settings(specified, region, computed);
    std::string_view id = Id(p);
    if (id.find("-->") != std::string_view::npos) id = "";
    for (size_t i = 0; i < timed.size(); ++i) {
      Cue cue{.start_ms = RoundToMilliseconds(timed[i].begin_ns),
              .end_ms = RoundToMilliseconds(timed[i].end_ns),
              .text = std::move(timed[i].text),
              .settings = settings,
              .source_line = lines_.LineOf(p)};
      if (cue.end_ms <= cue.start_ms) {
        ++too_short_;
        continue;
      }
      if (!id.empty()) {
        cue.identifier =
            timed.size() == 1 ? std::string(id) : absl::StrCat(std::string(id), "/", i + 1);
      }
      subtitles_.cues.push_back(std::move(cue));
    }
    return absl::OkStatus();
  }

  // The WebVTT cue settings of a p: line: from its placement, align: from its textAlign.
  std::string Settings(const StyleSet& specified, const StyleSet* region,
                       const StyleSet& computed) const {
    auto placement = [&](std::string_view name) -> std::string_view {
      if (specified.contains(name)) return Trim(Property(specified, name));
      return region != nullptr ? Trim(Property(*region, name)) : std::string_view();
    };
    double y = 0;
    double height = 100;
    bool geometry = false;
    if (const std::string_view origin = placement("origin"); !origin.empty() && origin != "auto") {
      if (auto percent = PercentPair(origin)) {
        y = percent->second;
        geometry = true;
      }
    }
    height = 100 - y;
    if (const std::string_view extent = placement("extent"); !extent.empty() && extent != "auto") {
      if (auto percent = PercentPair(extent)) {
        height = percent->second;
        geometry = true;
      }
    }
    const bool upper_half = geometry && y + height <= 50;
    const std::string_view display_align = placement("displayAlign");
    std::vector<std::string> settings;
    if (display_align == "before") {
      settings.push_back(absl::StrCat("line:", Percent(y), ",start"));
    } else if (display_align == "center") {
      settings.push_back(absl::StrCat("line:", Percent(y + height / 2), ",center"));
    } else if (upper_half && display_align == "after") {
      settings.push_back(absl::StrCat("line:", Percent(y + height), ",end"));
    } else if (upper_half && display_align != "after") {
      settings.push_back(absl::StrCat("line:", Percent(y), ",start"));
    }
    const std::string_view text_align = Trim(Property(computed, "textAlign"));
    if (text_align == "left" || text_align == "right" || text_align == "start" ||
        text_align == "end") {
      settings.push_back(absl::StrCat("align:", std::string(text_align)));
    }
    return absl::StrJoin(settings, " ");
  }

  static std::string Counted(const std::map<std::string, int, std::less<>>& counts) {
    std::vector<std::string> parts;
    for (const auto& [what, count] : counts) {
      parts.push_back(absl::StrCat(what, " (", count, count == 1 ? " time)" : " times)"));
    }
    return absl::StrJoin(parts, ", ");
  }

  void AddWarnings() {
    std::vector<std::string>& warnings = subtitles_.warnings;
    if (!dropped_.empty()) {
      warnings.push_back(absl::StrCat(
          file_name_, ": left out what WebVTT cues do not carry: ", Counted(dropped_)));
    }
    if (!undefined_styles_.empty()) {
      warnings.push_back(absl::StrCat(file_name_,
                                      ": references to styles that are not defined, "
                                      "ignored: ",
                                      Counted(undefined_styles_)));
    }
    if (!undefined_regions_.empty()) {
      warnings.push_back(absl::StrCat(file_name_,
                                      ": references to regions that are not defined, placed at "
                                      "the bottom: ",
                                      Counted(undefined_regions_)));
    }
    if (outside_parent_ > 0) {
      warnings.push_back(absl::StrCat(file_name_, ": ", outside_parent_,
                                      " div or p elements begin after their parent ends and "
                                      "were left out"));
    }
    if (too_short_ > 0) {
      warnings.push_back(absl::StrCat(file_name_, ": ", too_short_,
                                      " cues shorter than a millisecond were left out"));
    }
  }

  std::string_view text_;
  std::string file_name_;
  LineIndex lines_;
  TimingParameters timing_;
  std::optional<std::pair<double, double>> root_extent_px_;
  int64_t cell_columns_ = 32;
  int64_t cell_rows_ = 15;
  std::map<std::string, pugi::xml_node, std::less<>> styles_;
  std::map<std::string, pugi::xml_node, std::less<>> regions_;
  std::map<std::string, StyleSet, std::less<>> resolved_styles_;
  std::map<std::string, StyleSet, std::less<>> resolved_regions_;
  std::set<std::string> resolving_;  // Styles being resolved, to catch loops.
  std::map<std::string, int, std::less<>> dropped_;
  std::map<std::string, int, std::less<>> undefined_styles_;
  std::map<std::string, int, std::less<>> undefined_regions_;
  int outside_parent_ = 0;
  int too_short_ = 0;
  Subtitles subtitles_;
};

}  // namespace

absl::StatusOr<Subtitles> ParseTtml(std::string_view bytes, std::string_view file_name) {
  if (bytes.size() > static_cast<size_t>(kMaxSubtitleFileBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(file_name), ": ", bytes.size(), " bytes is over the limit of ",
                     kMaxSubtitleFileBytes, " bytes (16 MiB) for a subtitle file"));
  }
  ATP_ASSIGN_OR_RETURN(std::string_view text, Utf8Text(bytes, file_name));
  return TtmlReader(text, file_name).Read();
}

}  // namespace atp::subtitle
