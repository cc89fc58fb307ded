#include "atp/validate/m3u8_parser.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "atp/core/status_macros.h"

namespace atp::validate {
namespace {

absl::Status LineError(int line, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", std::string(what)));
}

bool IsAttributeNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

const M3u8Tag* M3u8Playlist::FindTag(std::string_view name) const {
  for (const M3u8Tag& tag : tags) {
    if (tag.name == name) return &tag;
  }
  return nullptr;
}

absl::StatusOr<AttributeList> ParseAttributeList(std::string_view text) {
  AttributeList attributes;
  size_t at = 0;
  while (at < text.size()) {
    size_t name_end = at;
    while (name_end < text.size() && IsAttributeNameChar(text[name_end])) ++name_end;
    if (name_end == at || name_end >= text.size() || text[name_end] != '=') {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed attribute list at column ", at + 1));
    }
    std::string name(text.substr(at, name_end - at));
    size_t value_start = name_end + 1;
    size_t value_end;
    std::string value;
    if (value_start < text.size() && text[value_start] == '"') {
      value_end = text.find('"', value_start + 1);
      if (value_end == std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("unterminated quoted string in ", name));
      }
      value = std::string(text.substr(value_start + 1, value_end - value_start - 1));
      ++value_end;
    } else {
      value_end = text.find(',', value_start);
      if (value_end == std::string_view::npos) value_end = text.size();
      value = std::string(text.substr(value_start, value_end - value_start));
    }
    if (!attributes.emplace(name, value).second) {
      return absl::InvalidArgumentError(absl::StrCat("attribute ", name, " appears twice"));
    }
    if (value_end < text.size()) {
      if (text[value_end] != ',') {
        return absl::InvalidArgumentError(absl::StrCat("expected ',' after ", name));
      }
      ++value_end;
    }
    at = value_end;
  }
  return attributes;
}

absl::StatusOr<M3u8Playlist> ParseM3u8(std::string_view text) {
  if (text.size() > kMaxPlaylistBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("playlist is ", text.size(), " bytes; the limit is ", kMaxPlaylistBytes));
  }
  M3u8Playlist playlist;
  int line_number = 0;
  std::optional<M3u8Segment> pending_segment;
  std::optional<M3u8Variant> pending_variant;
  std::optional<std::pair<int64_t, int64_t>> pending_byte_range;  // Applies to the next URI.
  // Debian's abseil has its own string_view; the lines are absl::string_view throughout.
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_number;
    line = absl::StripSuffix(line, "\r");
    if (line.size() > kMaxPlaylistLineBytes) {
      return LineError(line_number, absl::StrCat("line is ", line.size(), " bytes long"));
    }
    for (char c : line) {
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
        return LineError(line_number, "control character: not a text playlist");
      }
    }
    if (line_number == 1) {
      if (absl::StripPrefix(line, "\xEF\xBB\xBF") != "#EXTM3U") {
        return LineError(1, "a playlist must start with #EXTM3U");
      }
      continue;
    }
    if (line.empty()) continue;
    if (line[0] != '#') {
      if (pending_segment) {
        pending_segment->uri = std::string(line);
        pending_segment->byte_range = pending_byte_range;
        pending_byte_range.reset();
        playlist.segments.push_back(*std::move(pending_segment));
        pending_segment.reset();
      } else if (pending_variant) {
        pending_variant->uri = std::string(line);
        playlist.variants.push_back(*std::move(pending_variant));
        pending_variant.reset();
      } else {
        return LineError(line_number, "URI without a preceding EXTINF or EXT-X-STREAM-INF");
      }
      continue;
    }
    if (!absl::StartsWith(line, "#EXT")) continue;  // A comment.
    M3u8Tag tag{line_number};
    const size_t colon = line.find(':');
    tag.name =
        std::string(line.substr(1, colon == absl::string_view::npos ? line.npos : colon - 1));
    if (colon != absl::string_view::npos) tag.value = std::string(line.substr(colon + 1));
    if (tag.name == "EXTINF") {
      M3u8Segment segment{line_number};
      const std::string duration = tag.value.substr(0, tag.value.find(','));
      if (!absl::SimpleAtod(duration, &segment.duration_seconds) ||
          !std::isfinite(segment.duration_seconds) || segment.duration_seconds < 0) {
        return LineError(line_number,
                         absl::StrCat("EXTINF duration '", duration, "' is not a number"));
      }
      pending_segment = segment;
    } else if (tag.name == "EXT-X-BYTERANGE") {
      std::vector<std::string> parts = absl::StrSplit(tag.value, '@');
      int64_t length = 0;
      int64_t offset = -1;
      if (parts.size() > 2 || !absl::SimpleAtoi(parts[0], &length) || length < 0 ||
          (parts.size() == 2 && (!absl::SimpleAtoi(parts[1], &offset) || offset < 0))) {
        return LineError(line_number, "malformed EXT-X-BYTERANGE");
      }
      pending_byte_range = std::make_pair(length, offset);
    } else if (tag.name == "EXT-X-STREAM-INF" || tag.name == "EXT-X-MEDIA" ||
               tag.name == "EXT-X-MAP") {
      absl::StatusOr<AttributeList> attributes = ParseAttributeList(tag.value);
      if (!attributes.ok()) {
        return LineError(line_number,
                         absl::StrCat(tag.name, ": ", std::string(attributes.status().message())));
      }
      if (tag.name == "EXT-X-STREAM-INF") {
        pending_variant = M3u8Variant{line_number, *std::move(attributes), ""};
      } else if (tag.name == "EXT-X-MEDIA") {
        playlist.media.emplace_back(line_number, *std::move(attributes));
      } else {
        playlist.map = *std::move(attributes);
      }
    }
    playlist.tags.push_back(std::move(tag));
  }
  if (pending_segment) return LineError(pending_segment->line, "EXTINF without a URI");
  if (pending_variant) return LineError(pending_variant->line, "EXT-X-STREAM-INF without a URI");
  return playlist;
}

}  // namespace atp::validate
