// atp/validate/m3u8_parser.h
//
// An HLS playlist reader (RFC 8216) for validation: it keeps line numbers and tolerates what a
// validator must report rather than reject (unknown tags, odd values), but refuses input that
// is not a playlist at all.
#ifndef ATP_VALIDATE_M3U8_PARSER_H_
#define ATP_VALIDATE_M3U8_PARSER_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::validate {

// An attribute list (RFC 8216 4.2); quoted strings are stored without their quotes.
using AttributeList = std::map<std::string, std::string>;

struct M3u8Tag {
  int line = 0;
  std::string name;   // "EXT-X-STREAM-INF" (without '#').
  std::string value;  // Everything after the first ':'; empty when there is none.
};

struct M3u8Segment {
  int line = 0;  // Of its EXTINF.
  double duration_seconds = 0;
  std::string uri;
  // EXT-X-BYTERANGE: length and offset; offset -1 when omitted (continue after the previous
  // range of the same URI).
  std::optional<std::pair<int64_t, int64_t>> byte_range;
};

struct M3u8Variant {
  int line = 0;  // Of its EXT-X-STREAM-INF.
  AttributeList attributes;
  std::string uri;
};

struct M3u8Playlist {
  std::vector<M3u8Tag> tags;  // Every tag, in order.
  // Multivariant playlists.
  std::vector<M3u8Variant> variants;
  std::vector<std::pair<int, AttributeList>> media;  // EXT-X-MEDIA lines.
  // Media playlists.
  std::vector<M3u8Segment> segments;
  std::optional<AttributeList> map;  // EXT-X-MAP.

  [[nodiscard]] bool is_multivariant() const { return !variants.empty(); }
  // The first tag called `name`, or nullptr.
  [[nodiscard]] const M3u8Tag* FindTag(std::string_view name) const;
};

// Limits that keep hostile input cheap.
inline constexpr size_t kMaxPlaylistBytes = 16 << 20;
inline constexpr size_t kMaxPlaylistLineBytes = 64 << 10;

// InvalidArgument (with the line number) when the text is not UTF-8-clean ASCII lines, does
// not start with #EXTM3U, has a line over kMaxPlaylistLineBytes, an EXTINF without a URI, an
// unparsable EXTINF duration or byte range, or a malformed attribute list.
[[nodiscard]] absl::StatusOr<M3u8Playlist> ParseM3u8(std::string_view text);

// Parses `NAME=value,NAME="quoted, value"`. InvalidArgument on a malformed list.
[[nodiscard]] absl::StatusOr<AttributeList> ParseAttributeList(std::string_view text);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_M3U8_PARSER_H_
