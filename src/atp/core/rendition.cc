#include "atp/core/rendition.h"

namespace atp {

std::string_view VideoCodecName(VideoCodec codec) {
  switch (codec) {
    case VideoCodec::kH264:
      return "h264";
    case VideoCodec::kH265:
      return "h265";
    case VideoCodec::kAV1:
      return "av1";
  }
  return "unknown";
}

}  // namespace atp
