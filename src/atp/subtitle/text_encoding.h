// atp/subtitle/text_encoding.h
#ifndef ATP_SUBTITLE_TEXT_ENCODING_H_
#define ATP_SUBTITLE_TEXT_ENCODING_H_

#include <string_view>

#include "absl/status/statusor.h"

namespace atp::subtitle {

// The text of a subtitle file that is UTF-8, with or without a byte-order mark (removed).
// InvalidArgument naming `file_name`, the encoding detected and what to do, for anything else:
// UTF-16 or UTF-32 (by their byte-order marks or their zero bytes), Shift_JIS (byte pairs of
// its lead and trail ranges, as Japanese subtitle tools write them), or another 8-bit
// encoding such as Windows-1252; and for a NUL byte.
[[nodiscard]] absl::StatusOr<std::string_view> Utf8Text(std::string_view bytes,
                                                        std::string_view file_name);

}  // namespace atp::subtitle

#endif  // ATP_SUBTITLE_TEXT_ENCODING_H_
