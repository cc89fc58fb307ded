#include "atp/media/loudness_meter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace atp::media {

void LoudnessMeter::StateDeleter::operator()(ebur128_state* state) const {
  ebur128_destroy(&state);
}

absl::StatusOr<LoudnessMeter> LoudnessMeter::Create(int channels, int sample_rate_hz,
                                                    TruePeak true_peak) {
  if (channels < 1 || channels > 64 || sample_rate_hz < 8000 || sample_rate_hz > 384000) {
    return absl::InvalidArgumentError(absl::StrCat("loudness meter: cannot meter ", channels,
                                                   " channel(s) at ", sample_rate_hz, " Hz"));
  }
  const int mode = EBUR128_MODE_I | EBUR128_MODE_LRA |
                   (true_peak == TruePeak::kMeasured ? EBUR128_MODE_TRUE_PEAK : 0);
  ebur128_state* state = ebur128_init(static_cast<unsigned>(channels),
                                      static_cast<unsigned long>(sample_rate_hz), mode);
  if (state == nullptr) return absl::ResourceExhaustedError("loudness meter: out of memory");
  return LoudnessMeter(std::unique_ptr<ebur128_state, StateDeleter>(state), channels);
}

absl::Status LoudnessMeter::AddInterleaved(const float* samples, size_t frames) {
  if (frames == 0) return absl::OkStatus();
  if (ebur128_add_frames_float(state_.get(), samples, frames) != EBUR128_SUCCESS) {
    return absl::ResourceExhaustedError("loudness meter: out of memory");
  }
  return absl::OkStatus();
}

absl::Status LoudnessMeter::AddPlanar(const float* const* planes, size_t frames) {
  if (frames > interleaved_frames_) {
    interleaved_ = std::make_unique<float[]>(frames * channels_);
    interleaved_frames_ = frames;
  }
  for (size_t i = 0; i < frames; ++i) {
    for (int c = 0; c < channels_; ++c) interleaved_[i * channels_ + c] = planes[c][i];
  }
  return AddInterleaved(interleaved_.get(), frames);
}

LoudnessMeasurement LoudnessMeter::Result() const {
  LoudnessMeasurement result;
  double integrated = -HUGE_VAL;
  if (ebur128_loudness_global(state_.get(), &integrated) == EBUR128_SUCCESS &&
      std::isfinite(integrated)) {
    result.integrated_lufs = integrated;
  }
  double range = 0;
  if (ebur128_loudness_range(state_.get(), &range) == EBUR128_SUCCESS && std::isfinite(range)) {
    result.range_lu = range;
  }
  double peak = 0;
  for (int c = 0; c < channels_; ++c) {
    double channel_peak = 0;
    if (ebur128_true_peak(state_.get(), static_cast<unsigned>(c), &channel_peak) ==
        EBUR128_SUCCESS) {
      peak = std::max(peak, channel_peak);
    }
  }
  if (peak > 0) result.true_peak_dbtp = 20 * std::log10(peak);
  return result;
}

}  // namespace atp::media
