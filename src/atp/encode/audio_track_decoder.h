// atp/encode/audio_track_decoder.h
//
// Decodes one audio stream of the mezzanine and converts it to the output's rate and
// channels: the signal that is metered, normalized and encoded.
#ifndef ATP_ENCODE_AUDIO_TRACK_DECODER_H_
#define ATP_ENCODE_AUDIO_TRACK_DECODER_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atp/media/av_ptr.h"

extern "C" {
#include <libswresample/swresample.h>
}

namespace atp::encode {

// Receives each converted frame, valid for the call.
using AudioFrameCallback = std::function<absl::Status(const AVFrame& frame)>;

class AudioTrackDecoder {
 public:
  // A decoder of `stream` whose frames come out as planar float (AV_SAMPLE_FMT_FLTP) at
  // `sample_rate_hz` in the default layout of `channels` (1: mono, 2: stereo), each with a pts
  // counting samples from 0 in 1/sample_rate_hz. Downmixes follow ITU-R BS.775: the centre and
  // the surround (or side) channels go into left and right at -3 dB, the LFE is dropped; a
  // mono source goes to both channels at -3 dB each. InvalidArgument when the stream has no
  // decoder or its format cannot be converted.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AudioTrackDecoder>> Create(
      const AVStream& stream, int sample_rate_hz, int channels);
  ~AudioTrackDecoder();

  // Decodes `packet` (nullptr at the end of the stream, which also drains the resampler) and
  // hands every converted frame to `out`; an error of `out` stops and is returned.
  absl::Status Decode(const AVPacket* packet, const AudioFrameCallback& out);

  [[nodiscard]] int sample_rate_hz() const { return sample_rate_hz_; }
  [[nodiscard]] const AVChannelLayout& layout() const { return layout_; }

 private:
  AudioTrackDecoder() = default;
  // Converts `samples` frames of `input` (nullptr: what the resampler holds) and hands them on.
  absl::Status Convert(const uint8_t** input, int samples, const AudioFrameCallback& out);

  int sample_rate_hz_ = 0;
  AVChannelLayout layout_{};
  media::CodecContextPtr decoder_;
  SwrContext* resampler_ = nullptr;
  media::FramePtr decoded_;
  int64_t samples_out_ = 0;
};

}  // namespace atp::encode

#endif  // ATP_ENCODE_AUDIO_TRACK_DECODER_H_
