// atp/encode/audio_track_encoder.h
#ifndef ATP_ENCODE_AUDIO_TRACK_ENCODER_H_
#define ATP_ENCODE_AUDIO_TRACK_ENCODER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "atp/encode/video_rung_encoder.h"
#include "atp/media/av_ptr.h"

extern "C" {
#include <libavutil/audio_fifo.h>
}

namespace atp::encode {

struct AacSettings {
  int sample_rate_hz = 48000;
  int channels = 2;  // In libavutil's default layout for the count (6: 5.1).
  int bitrate_kbps = 128;
};

// Encodes AAC-LC frames of `settings` from planar float frames of its rate and channels
// (AudioTrackDecoder's, normalized or not). Segments start at the first frame at or after
// each boundary of `segment_samples` (in output samples).
class AudioTrackEncoder {
 public:
  static absl::StatusOr<std::unique_ptr<AudioTrackEncoder>> Create(const AacSettings& settings,
                                                                   int64_t segment_samples);
  ~AudioTrackEncoder();

  // Encodes the samples of `frame` (planar float, the settings' rate and channels; its pts is
  // ignored: samples are counted) as far as whole AAC frames go; nullptr at the end of the
  // stream encodes what is left and drains the encoder.
  absl::Status Encode(const AVFrame* frame, const PacketCallback& out);

  // The encoded stream the packets belong to; their times are in its time base.
  [[nodiscard]] const EncodedStream& stream() const { return stream_; }

 private:
  absl::Status EncodeFromFifo(bool final, const PacketCallback& out);
  absl::Status Drain(const AVFrame* frame, const PacketCallback& out);

  media::CodecContextPtr encoder_;
  EncodedStream stream_;
  AVAudioFifo* fifo_ = nullptr;
  media::PacketPtr packet_;
  int64_t samples_encoded_ = 0;
  int64_t segment_samples_ = 0;
  int64_t next_boundary_ = 0;  // Set to the first boundary after segment 1 by Create.
};

}  // namespace atp::encode

#endif  // ATP_ENCODE_AUDIO_TRACK_ENCODER_H_
