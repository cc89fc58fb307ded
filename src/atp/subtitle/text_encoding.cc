#include "atp/subtitle/text_encoding.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace atp::subtitle {
namespace {

// The offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF); nullopt when all of it is.
std::optional<size_t> FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if (byte < 0x80) {
      ++i;
      continue;
    }
    int length = 0;
    uint8_t low = 0x80;  // The range of the second byte.
    uint8_t high = 0xBF;
    if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3;
      if (byte == 0xE0) low = 0xA0;   // Overlong.
      if (byte == 0xED) high = 0x9F;  // Surrogates.
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4;
      if (byte == 0xF0) low = 0x90;   // Overlong.
      if (byte == 0xF4) high = 0x8F;  // Above U+10FFFF.
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<uint8_t>(text[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return i;
    }
    i += length;
  }
  return std::nullopt;
}

// True when every byte above 0x7F forms Shift_JIS: a lead byte (0x81-0x9F, 0xE0-0xFC) with a
// trail byte (0x40-0x7E, 0x80-0xFC), or a half-width katakana (0xA1-0xDF); and there is at
// least one two-byte character.
bool LooksLikeShiftJis(std::string_view text) {
  bool any_pair = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if (byte < 0x80 || (byte >= 0xA1 && byte <= 0xDF)) continue;
    const bool lead = (byte >= 0x81 && byte <= 0x9F) || (byte >= 0xE0 && byte <= 0xFC);
    if (!lead || i + 1 >= text.size()) return false;
    const auto trail = static_cast<uint8_t>(text[++i]);
    if (trail < 0x40 || trail == 0x7F || trail > 0xFC) return false;
    any_pair = true;
  }
  return any_pair;
}

int LineAt(std::string_view text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

absl::Status NotUtf8(std::string_view file_name, std::string_view detected,
                     std::string_view detail = "") {
  return absl::InvalidArgumentError(absl::StrCat(
      std::string(file_name),
      ": subtitle files must be UTF-8 (with or without a byte-order mark), but this one is ",
      std::string(detected), std::string(detail), ": save it as UTF-8"));
}

}  // namespace

absl::StatusOr<std::string_view> Utf8Text(std::string_view bytes, std::string_view file_name) {
  if (bytes.starts_with(std::string_view("\xFF\xFE\x00\x00", 4))) {
    return NotUtf8(file_name, "UTF-32LE");
  }
  if (bytes.starts_with(std::string_view("\x00\x00\xFE\xFF", 4))) {
    return NotUtf8(file_name, "UTF-32BE");
  }
  if (bytes.starts_with("\xFF\xFE")) return NotUtf8(file_name, "UTF-16LE");
  if (bytes.starts_with("\xFE\xFF")) return NotUtf8(file_name, "UTF-16BE");
  std::string_view text = bytes;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    // Text in UTF-16 without a byte-order mark has a zero byte beside every ASCII character.
    const size_t odd = nul % 2;
    size_t zeros_there = 0;
    for (size_t i = odd; i < std::min<size_t>(text.size(), 512); i += 2) {
      zeros_there += text[i] == '\0';
    }
    if (zeros_there >= 2 && zeros_there * 4 >= std::min<size_t>(text.size(), 512) / 2) {
      return NotUtf8(file_name, odd ? "UTF-16LE" : "UTF-16BE", " (no byte-order mark)");
    }
    return absl::InvalidArgumentError(absl::StrCat(std::string(file_name), ":", LineAt(text, nul),
                                                   ": a NUL byte: not a text file"));
  }
  const std::optional<size_t> invalid = FirstInvalidUtf8(text);
  if (!invalid) return text;
  const std::string where =
      absl::StrFormat(" (byte 0x%02X on line %d is not UTF-8)",
                      static_cast<uint8_t>(text[*invalid]), LineAt(text, *invalid));
  if (LooksLikeShiftJis(text)) return NotUtf8(file_name, "Shift_JIS", where);
  return NotUtf8(file_name, "an 8-bit encoding such as Windows-1252 or ISO-8859-1", where);
}

}  // namespace atp::subtitle
