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

// The size and pixel format of the pictures a rung is fed.
struct PictureFormat {
  int width = 0;
  int height = 0;
  AVPixelFormat pixel_format = AV_PIX_FMT_NONE;
};

// Scales pictures to one rung and encodes them with libx264, libx265 or libsvtav1. Its input
// is either the decoded source or the picture a larger rung encoded (a cascade: the source's
// pixel format is converted once, and each smaller rung scales a smaller picture). Every
// frame on the keyframe grid (index a multiple of gop_frames) comes out a keyframe (IDR, or
// AV1 key frame with its sequence header), or Encode/Flush fail Internal.
class VideoRungEncoder {
 public:
  // `source` is the opened decoder (colour); `input` what Encode is given; `frame_rate` the
  // output's. `gop_frames` and `segment_frames` are the IDR and segment spacings in frames.
  static absl::StatusOr<std::unique_ptr<VideoRungEncoder>> Create(
      const Rendition& rendition, const EncodingProfile& profile, const AVCodecContext& source,
      const PictureFormat& input, AVRational frame_rate, int64_t gop_frames, int64_t segment_frames,
      int threads);

  // Encodes `input` (of the PictureFormat given to Create) as the frame with index `index`
  // (0-based, constant frame rate): MakePicture, then EncodePicture.
  absl::Status Encode(const AVFrame& input, int64_t index, const PacketCallback& out);
  // Makes the rung's picture of `input` as the frame with index `index`: a picture already of
  // the rung's size and yuv420p is taken by reference, without a copy; otherwise it is
  // converted or scaled, into the rung's own buffers while no one else holds a reference to
  // them, else into new ones. InvalidArgument, naming both, for a picture of another size or
  // format than Create was given (a source whose picture changes mid-stream).
  absl::Status MakePicture(const AVFrame& input, int64_t index);
  // Encodes the picture MakePicture made.
  absl::Status EncodePicture(const PacketCallback& out);
  // Called when every rung encoded the frame: lets go of an input encoded by reference, so
  // the rung whose picture it was can scale the next frame into it in place.
  void ReleaseInput() {
    if (feed_ == Feed::kByReference) av_frame_unref(picture_.get());
  }
  // Drains the encoder at the end of the stream.
  absl::Status Flush(const PacketCallback& out);

  // The encoded stream the packets belong to; their times are in its time base.
  [[nodiscard]] const EncodedStream& stream() const { return stream_; }
  // What the rung's pictures are: yuv420p at the rendition's size.
  [[nodiscard]] PictureFormat output_format() const;
  // The picture MakePicture made last; valid until the next MakePicture or ReleaseInput. A
  // smaller rung may scale from it, or hold a reference to it (encoders copy their input, so
  // it is not changed by the encoder).
  [[nodiscard]] const AVFrame& last_picture() const { return *picture_; }

 private:
  // How the rung's picture is made from its input.
  enum class Feed {
    kByReference,  // The input is already the rung's picture: its buffers are referenced.
    kConverted,    // Of the rung's size in another format: by media::Yuv420Converter.
    kScaled,       // Otherwise: by libswscale.
  };

  absl::Status Drain(const AVFrame* frame, const PacketCallback& out);

  media::CodecContextPtr encoder_;
  EncodedStream stream_;
  Feed feed_ = Feed::kByReference;
  PictureFormat input_;          // What Encode is given.
  media::SwsContextPtr scaler_;  // Set when feed_ is kScaled.
  media::FramePtr picture_;      // Converted or scaled into, or a reference to the input's.
  media::PacketPtr packet_;
  int64_t gop_frames_ = 0;
  int64_t segment_frames_ = 0;
};

}  // namespace atp::encode

#endif  // ATP_ENCODE_VIDEO_RUNG_ENCODER_H_
