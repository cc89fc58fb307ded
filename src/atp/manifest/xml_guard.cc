#include "atp/manifest/xml_guard.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
    const size_t semicolon = xml.find(';', amp);
    const std::string_view name =
        xml.substr(amp + 1, semicolon == std::string_view::npos ? 0 : semicolon - amp - 1);
    if (name == "lt" || name == "gt" || name == "amp" || name == "apos" || name == "quot" ||
        (name.size() > 1 && name[0] == '#')) {
      continue;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("manifest: entity reference '&", std::string(name.substr(0, 40)),
                     ";' at byte offset ", amp, " is not one of &lt; &gt; &amp; &apos; &quot;"));
  }
  return absl::OkStatus();
}

}  // namespace atp::manifest
