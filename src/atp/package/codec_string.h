// atp/package/codec_string.h
#ifndef ATP_PACKAGE_CODEC_STRING_H_
#define ATP_PACKAGE_CODEC_STRING_H_

#include <string>

#include "absl/status/statusor.h"
#include "atp/core/encoded_media.h"

namespace atp::package {

// The RFC 6381 `codecs` value of an encoded stream, from its codec configuration: H.264
// "avc1.PPCCLL" from the avcC record or the SPS, H.265
// "hvc1.<profile>.<compat>.<tier><level>.<flags>" from the hvcC record or the VPS
// profile_tier_level (ISO/IEC 14496-15 E.3), AV1 "av01.<profile>.<level idx><tier>.<bit
// depth>" (the mandatory fields of AV1 in ISOBMFF's codecs parameter, e.g. "av01.0.04M.08")
// from the av1C record or the sequence header OBU, AAC "mp4a.40.<audio object type>" from the
// AudioSpecificConfig. InvalidArgument when the configuration cannot be read.
[[nodiscard]] absl::StatusOr<std::string> Rfc6381CodecString(const EncodedStream& stream);

}  // namespace atp::package

#endif  // ATP_PACKAGE_CODEC_STRING_H_
