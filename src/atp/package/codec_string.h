// atp/package/codec_string.h
#ifndef ATP_PACKAGE_CODEC_STRING_H_
#define ATP_PACKAGE_CODEC_STRING_H_

#include <string>

#include "absl/status/statusor.h"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace atp::package {

// The RFC 6381 `codecs` value of an opened encoder, from its bitstream headers (extradata):
// H.264 "avc1.PPCCLL" from the SPS, H.265 "hvc1.<profile>.<compat>.<tier><level>.<flags>"
// from the VPS profile_tier_level (ISO/IEC 14496-15 E.3), AAC "mp4a.40.<object type>".
// Unimplemented for other codecs; InvalidArgument when the headers cannot be read.
[[nodiscard]] absl::StatusOr<std::string> Rfc6381CodecString(const AVCodecContext& encoder);

}  // namespace atp::package

#endif  // ATP_PACKAGE_CODEC_STRING_H_
