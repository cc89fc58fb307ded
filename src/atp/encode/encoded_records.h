// atp/encode/encoded_records.h
//
// The one place an encoder's libav description and packets become atp's records
// (core/encoded_media.h). Internal to encode: layers above see only the records.
#ifndef ATP_ENCODE_ENCODED_RECORDS_H_
#define ATP_ENCODE_ENCODED_RECORDS_H_

#include "absl/status/statusor.h"
#include "atp/core/encoded_media.h"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace atp::encode {

// The output stream of the opened encoder `encoder`: codec, time base, extradata (copied),
// and the video or audio facts it states. Unimplemented for codecs other than H.264, H.265
// and AAC, and for streams that are neither video nor audio.
[[nodiscard]] absl::StatusOr<EncodedStream> EncodedStreamOf(const AVCodecContext& encoder);

// `packet` (in its encoder's time base) as a record whose `data` points into `packet`: valid
// while `packet` is neither unreferenced nor changed.
[[nodiscard]] EncodedPacket EncodedPacketOf(const AVPacket& packet);

}  // namespace atp::encode

#endif  // ATP_ENCODE_ENCODED_RECORDS_H_
