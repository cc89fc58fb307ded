#include "atp/core/rendition.h"

namespace atp {

std::string_view VideoCodecName(VideoCodec codec) {
  return codec == VideoCodec::kH264 ? "h264" : "h265";
}

}  // namespace atp
