#include "atp/manifest/xml_guard.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "atp/manifest/field_reader.h"
#include "atp/manifest/manifest_parser.h"

namespace atp::manifest {
namespace {

// Offset of the first byte that does not start or continue a valid UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF included), or npos.
size_t FirstInvalidUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    int length = 0;
    uint32_t code_point = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code_point = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code_point = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return i;
    }
    if (i + length > bytes.size()) return i;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(bytes[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallest[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

bool ContainsIgnoringCase(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return std::toupper(a) == std::toupper(b); }) !=
         haystack.end();
}

// `text` cut to at most `max_bytes` (then ending "...", on a UTF-8 character boundary), so a
// hostile document cannot flood the report.
std::string Cut(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

// XML 1.0's Char production: the code points a document may hold, raw or referenced.
bool IsXmlChar(uint32_t code_point) {
  return code_point == 0x9 || code_point == 0xA || code_point == 0xD ||
         (code_point >= 0x20 && code_point <= 0xD7FF) ||
         (code_point >= 0xE000 && code_point <= 0xFFFD) ||
         (code_point >= 0x10000 && code_point <= 0x10FFFF);
}

// A character reference, "&#" at the start of `text`.
struct CharacterReference {
  size_t length = 0;         // Bytes from '&' through ';' (or as far as it looked like one).
  bool well_formed = false;  // &#DIGITS; or &#xHEXDIGITS;
  uint32_t code_point = 0;   // kBeyondUnicode for any value above U+10FFFF.
};
constexpr uint32_t kBeyondUnicode = 0x110000;

CharacterReference ReadCharacterReference(std::string_view text) {
  size_t at = 2;
  const bool hex = at < text.size() && text[at] == 'x';
  if (hex) ++at;
  const size_t digits_begin = at;
  bool digits_only = true;
  uint32_t value = 0;
  for (; at < text.size() && absl::ascii_isalnum(text[at]); ++at) {
    const char c = absl::ascii_tolower(text[at]);
    const int digit = absl::ascii_isdigit(c) ? c - '0' : (hex && c <= 'f' ? c - 'a' + 10 : -1);
    if (digit < 0) {
      digits_only = false;
    } else {
      // Saturates, so no number of digits wraps around into an allowed code point.
      value = std::min<uint32_t>(value * (hex ? 16 : 10) + digit, kBeyondUnicode);
    }
  }
  const bool terminated = at < text.size() && text[at] == ';';
  return {.length = at + (terminated ? 1 : 0),
          .well_formed = digits_only && at > digits_begin && terminated,
          .code_point = value};
}

// Finds, in one pass over UTF-8 `xml`, every character XML 1.0 forbids (outside Char), raw or
// as a character reference, and every malformed character reference, and says where each is:
// the field path of the element it is in, as the parser names fields ("Episode/SeriesTitle",
// "AudioTracks/AudioTrack[2]/Label"), or the line when it is outside every field (the prolog,
// a comment or text directly in the root). Character references count where XML decodes them,
// in text and attribute values; in comments, CDATA sections and processing instructions they
// are plain text. Lenient with markup: well-formedness is the XML parser's to judge.
class XmlCharacterScanner {
 public:
  explicit XmlCharacterScanner(std::string_view xml) : xml_(xml) {}

  // The problems in document order, one message each.
  std::vector<std::string> Scan() && {
    size_t at = 0;
    while (at < xml_.size()) {
      if (xml_[at] != '<') {
        const size_t end = std::min(xml_.find('<', at), xml_.size());
        Check(at, end, {.construct = "", .references = true});
        at = end;
      } else if (StartsWith(at, "<!--")) {
        at = Skip(at, "<!--", "-->", {.construct = "a comment"});
      } else if (StartsWith(at, "<![CDATA[")) {
        at = Skip(at, "<![CDATA[", "]]>", {.construct = "a CDATA section"});
      } else if (StartsWith(at, "<?")) {
        at = Skip(at, "<?", "?>",
                  {.construct = at == 0 && StartsWith(at, "<?xml") ? "the XML declaration"
                                                                   : "a processing instruction"});
      } else if (StartsWith(at, "</")) {
        at = Skip(at, "</", ">", {.construct = "an end tag"});
        if (!open_.empty()) open_.pop_back();
      } else if (StartsWith(at, "<!")) {
        at = Skip(at, "<!", ">", {.construct = "markup"});
      } else {
        at = StartTag(at);
      }
    }
    return std::move(problems_);
  }

 private:
  struct Element {
    std::string name;
    std::string field_path;  // "" for the root, as FieldReader names it.
    std::map<std::string, size_t, std::less<>> children_seen;
  };
  struct Where {
    std::string_view construct;  // "a comment", ...; "" for text and attribute values.
    std::string_view attribute;  // The attribute whose value this is.
    bool references = false;     // Whether &#...; is decoded here.
  };

  bool StartsWith(size_t at, std::string_view prefix) const {
    return xml_.substr(at, prefix.size()) == prefix;
  }

  // Checks the construct that starts at `at` with `opener` through the end of the first
  // `terminator` after the opener (or of the document), and returns the offset after it.
  size_t Skip(size_t at, std::string_view opener, std::string_view terminator, const Where& where) {
    const size_t found = xml_.find(terminator, at + opener.size());
    const size_t end = found == std::string_view::npos ? xml_.size() : found + terminator.size();
    Check(at, end, where);
    return end;
  }

  // Reads the start tag at `at` ('<'), opens its element (unless it ends with "/>") and
  // returns the offset after it.
  size_t StartTag(size_t at) {
    size_t name_end = at + 1;
    while (name_end < xml_.size() && static_cast<unsigned char>(xml_[name_end]) > 0x20 &&
           std::string_view("/>=\"'").find(xml_[name_end]) == std::string_view::npos) {
      ++name_end;
    }
    Element element{.name = std::string(xml_.substr(at + 1, name_end - at - 1))};
    if (!open_.empty()) {
      Element& parent = open_.back();
      auto [seen, inserted] = parent.children_seen.try_emplace(element.name, 0);
      element.field_path = ChildFieldPath(parent.field_path, element.name, ++seen->second);
    }
    open_.push_back(std::move(element));  // The tag's own bytes are in it.
    size_t markup_begin = at;
    size_t cursor = name_end;
    while (cursor < xml_.size() && xml_[cursor] != '>') {
      const char quote = xml_[cursor];
      if (quote != '"' && quote != '\'') {
        ++cursor;
        continue;
      }
      Check(markup_begin, cursor + 1, {.construct = "a tag"});
      const size_t close = std::min(xml_.find(quote, cursor + 1), xml_.size());
      Check(cursor + 1, close,
            {.construct = "",
             .attribute = AttributeNameBefore(cursor, name_end),
             .references = true});
      markup_begin = close;
      cursor = close + 1;
    }
    const size_t end = std::min(cursor + 1, xml_.size());
    Check(markup_begin, end, {.construct = "a tag"});
    if (cursor < xml_.size() && xml_[cursor - 1] == '/') open_.pop_back();
    return end;
  }

  // The name in `name="` whose quote is at `quote`, looking no further back than `limit`.
  std::string_view AttributeNameBefore(size_t quote, size_t limit) const {
    size_t end = quote;
    while (end > limit && absl::ascii_isspace(xml_[end - 1])) --end;
    if (end > limit && xml_[end - 1] == '=') --end;
    while (end > limit && absl::ascii_isspace(xml_[end - 1])) --end;
    size_t begin = end;
    while (begin > limit && static_cast<unsigned char>(xml_[begin - 1]) > 0x20 &&
           xml_[begin - 1] != '"' && xml_[begin - 1] != '\'') {
      --begin;
    }
    return xml_.substr(begin, end - begin);
  }

  // Checks the bytes [begin, end), which are all `where`.
  void Check(size_t begin, size_t end, const Where& where) {
    for (size_t at = begin; at < end;) {
      const auto byte = static_cast<unsigned char>(xml_[at]);
      if (byte == '&' && where.references && at + 1 < end && xml_[at + 1] == '#') {
        const std::string_view text = xml_.substr(at, end - at);
        const CharacterReference reference = ReadCharacterReference(text);
        const std::string shown = Cut(text.substr(0, reference.length), kMaxShownBytes);
        if (!reference.well_formed) {
          Report(at, where, absl::StrCat("character reference ", MalformedShown(text, reference)),
                 "is malformed; write &#DIGITS; or &#xHEXDIGITS;");
        } else if (reference.code_point == kBeyondUnicode) {
          Report(at, where, absl::StrCat("character reference ", shown),
                 "is not allowed in XML 1.0 (beyond U+10FFFF)");
        } else if (!IsXmlChar(reference.code_point)) {
          Report(at, where, absl::StrCat("character reference ", shown),
                 "is not allowed in XML 1.0");
        }
        at += reference.length;
      } else if (byte < 0x20 && !IsXmlChar(byte)) {
        Report(at, where, absl::StrFormat("character U+%04X", byte), "is not allowed in XML 1.0");
        ++at;
      } else if (byte == 0xEF && at + 2 < end && xml_[at + 1] == '\xBF' &&
                 (xml_[at + 2] == '\xBE' || xml_[at + 2] == '\xBF')) {
        // U+FFFE and U+FFFF; the other code points outside Char are refused as invalid UTF-8.
        Report(at, where,
               absl::StrFormat("character U+%04X", xml_[at + 2] == '\xBE' ? 0xFFFE : 0xFFFF),
               "is not allowed in XML 1.0");
        at += 3;
      } else {
        ++at;
      }
    }
  }

  // A malformed reference as shown: through the ';' that ends it when one follows soon after
  // printable characters ("&#-1;"), else as far as it was read ("&#65" in "&#65 ").
  static std::string MalformedShown(std::string_view text, const CharacterReference& reference) {
    for (size_t at = 2; at < std::min(text.size(), kMaxShownBytes); ++at) {
      if (text[at] == ';') return std::string(text.substr(0, at + 1));
      if (text[at] <= ' ' || text[at] > '~' ||
          std::string_view("<&\"'").find(text[at]) != std::string_view::npos) {
        break;
      }
    }
    return Cut(text.substr(0, reference.length), kMaxShownBytes);
  }

  void Report(size_t at, const Where& where, const std::string& what, const std::string& rule) {
    if (problems_.size() == kMaxListed) {
      problems_.push_back("manifest: more characters not allowed in XML 1.0 follow, not listed");
    }
    if (problems_.size() > kMaxListed) return;
    const Element* element = open_.empty() ? nullptr : &open_.back();
    std::string place;
    if (!where.attribute.empty()) {
      place = absl::StrCat(" in attribute '", Cut(where.attribute, kMaxShownBytes), "'");
    } else if (!where.construct.empty()) {
      place = absl::StrCat(" in ", std::string(where.construct));
    }
    if (element != nullptr && !element->field_path.empty()) {
      problems_.push_back(absl::StrCat(element->field_path, ": ", what, place, " ", rule));
      return;
    }
    if (element != nullptr && where.construct.empty()) {
      absl::StrAppend(&place, where.attribute.empty() ? " in the text" : "", " of <",
                      Cut(element->name, kMaxShownBytes), ">");
    } else if (element == nullptr && where.construct.empty()) {
      place = " outside the root element";
    }
    const size_t line = 1 + std::count(xml_.begin(), xml_.begin() + at, '\n');
    problems_.push_back(absl::StrCat("manifest: line ", line, ": ", what, place, " ", rule));
  }

  static constexpr size_t kMaxListed = 20;
  static constexpr size_t kMaxShownBytes = 24;
  std::string_view xml_;
  std::vector<Element> open_;  // The elements open at the scan position, the root first.
  std::vector<std::string> problems_;
};

}  // namespace

absl::Status CheckManifestSize(uint64_t size_bytes) {
  if (size_bytes <= kMaxManifestBytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("manifest: ", size_bytes,
                                                 " bytes is over the limit of ", kMaxManifestBytes,
                                                 " bytes (1 MiB)"));
}

absl::Status GuardManifestBytes(std::string_view xml) {
  if (absl::Status size = CheckManifestSize(xml.size()); !size.ok()) return size;
  if (xml.size() >= 2 &&
      ((xml[0] == '\xFF' && xml[1] == '\xFE') || (xml[0] == '\xFE' && xml[1] == '\xFF'))) {
    return absl::InvalidArgumentError(
        "manifest: starts with a UTF-16 byte order mark; save it as UTF-8");
  }
  if (size_t nul = xml.find('\0'); nul != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("manifest: NUL byte at offset ", nul,
                                                   "; manifests must be UTF-8 text (UTF-16?)"));
  }
  if (size_t bad = FirstInvalidUtf8(xml); bad != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest: not valid UTF-8 at byte offset ", bad, "; save it as UTF-8"));
  }
  if (absl::StartsWith(absl::string_view(xml.data(), xml.size()), "<?xml")) {
    const std::string declaration(xml.substr(0, xml.find("?>")));
    const size_t at = declaration.find("encoding");
    if (at != std::string::npos) {
      const size_t open = declaration.find_first_of("\"'", at);
      const size_t close =
          open == std::string::npos ? open : declaration.find(declaration[open], open + 1);
      const std::string encoding =
          close == std::string::npos ? "" : declaration.substr(open + 1, close - open - 1);
      if (!absl::EqualsIgnoreCase(encoding, "UTF-8")) {
        return absl::InvalidArgumentError(
            absl::StrCat("manifest: declares encoding '", encoding, "'; only UTF-8 is accepted"));
      }
    }
  }
  if (ContainsIgnoringCase(xml, "<!DOCTYPE") || ContainsIgnoringCase(xml, "<!ENTITY")) {
    return absl::InvalidArgumentError(
        "manifest: has a DTD or entity declaration (<!DOCTYPE / <!ENTITY); remove it, atp "
        "refuses DTDs and entities");
  }
  for (size_t amp = xml.find('&'); amp != std::string_view::npos; amp = xml.find('&', amp + 1)) {
    if (xml.substr(amp + 1, 1) == "#") continue;  // A character reference: checked below.
    const size_t semicolon = xml.find(';', amp);
    const std::string_view name =
        xml.substr(amp + 1, semicolon == std::string_view::npos ? 0 : semicolon - amp - 1);
    if (name == "lt" || name == "gt" || name == "amp" || name == "apos" || name == "quot") {
      continue;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("manifest: entity reference '&", std::string(name.substr(0, 40)),
                     ";' at byte offset ", amp, " is not one of &lt; &gt; &amp; &apos; &quot;"));
  }
  if (std::vector<std::string> problems = XmlCharacterScanner(xml).Scan(); !problems.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
  }
  return absl::OkStatus();
}

}  // namespace atp::manifest
