// atp/encode/video_rung_encoder.h
#ifndef ATP_ENCODE_VIDEO_RUNG_ENCODER_H_
#define ATP_ENCODE_VIDEO_RUNG_ENCODER_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "atp/core/encoded_media.h"
#include "atp/core/rendition.h"
#include "atp/encode/encoding_profile.h"
#include "atp/media/av_ptr.h"

namespace atp::encode {

// Receives each packet, valid for the call, and whether it starts a segment.
using PacketCallback = std::function<absl::Status(const EncodedPacket&, bool starts_segment)>;

// Scales decoded source frames to one rung and encodes them with libx264, libx265 or
// libsvtav1. Every frame on the keyframe grid (index a multiple of gop_frames) comes out a
// keyframe (IDR, or AV1 key frame with its sequence header), or Encode/Flush fail Internal.
class VideoRungEncoder {
 public:
  // `source` is the opened decoder (size, pixel format, colour); `frame_rate` the source's.
  // `gop_frames` and `segment_frames` are the IDR and segment spacings in frames.
  static absl::StatusOr<std::unique_ptr<VideoRungEncoder>> Create(
      const Rendition& rendition, const EncodingProfile& profile, const AVCodecContext& source,
      AVRational frame_rate, int64_t gop_frames, int64_t segment_frames, int threads);

  // Encodes the source frame with index `index` (0-based, constant frame rate).
  absl::Status Encode(const AVFrame& source, int64_t index, const PacketCallback& out);
  // Drains the encoder at the end of the stream.
  absl::Status Flush(const PacketCallback& out);

  // The encoded stream the packets belong to; their times are in its time base.
  [[nodiscard]] const EncodedStream& stream() const { return stream_; }

 private:
  absl::Status Drain(const AVFrame* frame, const PacketCallback& out);

  media::CodecContextPtr encoder_;
  EncodedStream stream_;
  media::SwsContextPtr scaler_;
  media::FramePtr scaled_;
  media::PacketPtr packet_;
  int64_t gop_frames_ = 0;
  int64_t segment_frames_ = 0;
};

}  // namespace atp::encode

#endif  // ATP_ENCODE_VIDEO_RUNG_ENCODER_H_
