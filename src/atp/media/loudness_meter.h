// atp/media/loudness_meter.h
//
// LoudnessMeter: integrated loudness, loudness range and true peak of one audio signal
// (ITU-R BS.1770-4, EBU Tech 3341/3342), measured by libebur128. The encoder meters each
// track before and after normalization; the validator meters what a package decodes to.
#ifndef ATP_MEDIA_LOUDNESS_METER_H_
#define ATP_MEDIA_LOUDNESS_METER_H_

#include <ebur128.h>

#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atp/core/audio_loudness.h"

namespace atp::media {

class LoudnessMeter {
 public:
  // A meter of `channels` channels at `sample_rate_hz`, in libebur128's default order and
  // weights: left, right, centre (1.0), LFE (not counted), left and right surround (1.41).
  // A mono signal is one channel of weight 1.0, as ffmpeg's ebur128 filter counts it.
  // InvalidArgument for 0 or more than 64 channels or a rate outside 8000-384000 Hz.
  // The true peak (4x oversampled: most of the meter's work) is measured unless `true_peak`
  // is kSkipped, when Result() leaves it nullopt.
  enum class TruePeak { kMeasured, kSkipped };
  [[nodiscard]] static absl::StatusOr<LoudnessMeter> Create(
      int channels, int sample_rate_hz, TruePeak true_peak = TruePeak::kMeasured);

  LoudnessMeter(LoudnessMeter&&) noexcept = default;
  LoudnessMeter& operator=(LoudnessMeter&&) noexcept = default;
  ~LoudnessMeter() = default;

  // Adds `frames` frames of planar float samples: planes[c][i] is channel c of frame i,
  // full scale at ±1. ResourceExhausted when libebur128 cannot allocate.
  absl::Status AddPlanar(const float* const* planes, size_t frames);

  // Adds `frames` frames of interleaved float samples (samples[i * channels + c]).
  absl::Status AddInterleaved(const float* samples, size_t frames);

  // What everything added so far measures.
  [[nodiscard]] LoudnessMeasurement Result() const;

  [[nodiscard]] int channels() const { return channels_; }

 private:
  struct StateDeleter {
    void operator()(ebur128_state* state) const;
  };

  LoudnessMeter(std::unique_ptr<ebur128_state, StateDeleter> state, int channels)
      : state_(std::move(state)), channels_(channels) {}

  std::unique_ptr<ebur128_state, StateDeleter> state_;
  int channels_ = 0;
  std::unique_ptr<float[]> interleaved_;  // AddPlanar's scratch, interleaved_frames_ long.
  size_t interleaved_frames_ = 0;
};

}  // namespace atp::media

#endif  // ATP_MEDIA_LOUDNESS_METER_H_
