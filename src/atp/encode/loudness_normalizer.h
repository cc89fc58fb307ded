// atp/encode/loudness_normalizer.h
//
// The second pass of loudness normalization: one constant gain for the whole track (no
// dynamic compression, so nothing pumps), then a true-peak limiter, by libavfilter.
#ifndef ATP_ENCODE_LOUDNESS_NORMALIZER_H_
#define ATP_ENCODE_LOUDNESS_NORMALIZER_H_

#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atp/encode/audio_track_decoder.h"

extern "C" {
#include <libavfilter/avfilter.h>
}

namespace atp::encode {

// The gain that brings `integrated_lufs` to `target_lufs`; 0 for silence (no measurement).
[[nodiscard]] double NormalizationGainDb(std::optional<double> integrated_lufs, double target_lufs);

// The limit the limiter holds the 4x oversampled signal to: a little under the ceiling, for
// the ripple of the filter that brings it back to the output rate.
inline constexpr double kLimiterMarginDb = 0.1;

// Whether the limiter would ever act on a signal of true peak `true_peak_dbtp` (nullopt:
// digital silence) raised by `gain_db`: whether the raised peak is over the limit it holds,
// the ceiling less kLimiterMarginDb. A true peak scales with the gain exactly (oversampling is
// linear), so when it would not, the gain alone meets the ceiling.
[[nodiscard]] bool LimiterActs(std::optional<double> true_peak_dbtp, double gain_db,
                               double ceiling_dbtp);

class LoudnessNormalizer {
 public:
  // Multiplies the signal by `gain_db`, then holds its true peak at or below `ceiling_dbtp`:
  // libavfilter's lookahead limiter (alimiter: 5 ms attack, 50 ms release, no auto level,
  // delay compensated) runs at 4x the sample rate, where the samples' peak is the true peak as
  // the BS.1770 meter measures it (by 4x oversampling), and the result is resampled back.
  // `true_peak_dbtp` is the signal's true peak before the gain as the meter measured it; when
  // the limiter would never act on it (LimiterActs) the gain alone is applied, with no
  // resampling: the output is the input times the gain. Frames in and out are planar float at
  // `sample_rate_hz` in `layout`; as many samples come out as go in. Internal when the filter
  // graph cannot be built.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LoudnessNormalizer>> Create(
      int sample_rate_hz, const AVChannelLayout& layout, double gain_db, double ceiling_dbtp,
      std::optional<double> true_peak_dbtp);
  ~LoudnessNormalizer();

  // Whether the limiter is in the chain (false: the gain alone).
  [[nodiscard]] bool limits() const { return limits_; }

  // Filters `frame` (nullptr at the end: flushes what the limiter holds back) and hands each
  // output frame to `out`, with a pts counting samples from 0.
  absl::Status Filter(const AVFrame* frame, const AudioFrameCallback& out);

 private:
  LoudnessNormalizer() = default;

  AVFilterGraph* graph_ = nullptr;
  AVFilterContext* source_ = nullptr;  // Owned by graph_.
  AVFilterContext* sink_ = nullptr;    // Owned by graph_.
  media::FramePtr filtered_;
  bool limits_ = false;
};

}  // namespace atp::encode

#endif  // ATP_ENCODE_LOUDNESS_NORMALIZER_H_
