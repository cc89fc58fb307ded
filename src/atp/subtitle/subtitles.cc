#include "atp/subtitle/subtitles.h"

#include "absl/strings/str_format.h"

namespace atp::subtitle {

std::string FormatWebVttTimestamp(int64_t milliseconds) {
  return absl::StrFormat("%02d:%02d:%02d.%03d", milliseconds / 3600000, milliseconds / 60000 % 60,
                         milliseconds / 1000 % 60, milliseconds % 1000);
}

}  // namespace atp::subtitle
