// The meter against figures computed from BS.1770-4: a 997 Hz sine of peak amplitude A has a
// mean square of A²/2, and the K-weighting gain at 997 Hz cancels the -0.691 dB offset, so one
// channel reads 20·log10(A) - 3.01 LUFS and the same sine in both channels 20·log10(A) LUFS.
#include "atp/media/loudness_meter.h"

#include <cmath>
#include <numbers>
#include <vector>

#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::media {
namespace {

using ::atp::testing::StatusIs;

constexpr int kRate = 48000;

// `seconds` of a sine of `hz` and peak `amplitude` (phase `phase`) in the channels of
// `levels` (1: the sine, 0: silence), as planes.
std::vector<std::vector<float>> Sine(double hz, double amplitude, double seconds,
                                     const std::vector<int>& levels, double phase = 0) {
  const size_t frames = static_cast<size_t>(seconds * kRate);
  std::vector<std::vector<float>> planes(levels.size(), std::vector<float>(frames));
  for (size_t i = 0; i < frames; ++i) {
    const double value = amplitude * std::sin(2 * std::numbers::pi * hz * i / kRate + phase);
    for (size_t c = 0; c < levels.size(); ++c) planes[c][i] = static_cast<float>(value * levels[c]);
  }
  return planes;
}

LoudnessMeasurement Measure(const std::vector<std::vector<float>>& planes) {
  absl::StatusOr<LoudnessMeter> meter =
      LoudnessMeter::Create(static_cast<int>(planes.size()), kRate);
  EXPECT_TRUE(meter.ok()) << meter.status();
  std::vector<const float*> pointers;
  for (const std::vector<float>& plane : planes) pointers.push_back(plane.data());
  // In pieces, as decoded frames arrive.
  const size_t frames = planes[0].size();
  for (size_t at = 0; at < frames; at += 1024) {
    std::vector<const float*> piece;
    for (const float* pointer : pointers) piece.push_back(pointer + at);
    EXPECT_OK(meter->AddPlanar(piece.data(), std::min<size_t>(1024, frames - at)));
  }
  return meter->Result();
}

TEST(LoudnessMeter, StereoSineAtMinus20DbfsReadsMinus20Lufs) {
  const LoudnessMeasurement result = Measure(Sine(997, 0.1, 5, {1, 1}));
  ASSERT_TRUE(result.integrated_lufs.has_value());
  EXPECT_NEAR(*result.integrated_lufs, -20.0, 0.1);
  EXPECT_NEAR(result.range_lu, 0.0, 0.1);  // A steady tone has no loudness range.
  ASSERT_TRUE(result.true_peak_dbtp.has_value());
  EXPECT_NEAR(*result.true_peak_dbtp, -20.0, 0.1);
}

TEST(LoudnessMeter, OneChannelOfTwoReadsThreeDbLower) {
  const LoudnessMeasurement result = Measure(Sine(997, 0.1, 5, {1, 0}));
  ASSERT_TRUE(result.integrated_lufs.has_value());
  EXPECT_NEAR(*result.integrated_lufs, -23.01, 0.1);
}

TEST(LoudnessMeter, SurroundChannelsWeighOnePointFourOne) {
  // 5.1 (L R C LFE Ls Rs): the sine in Ls only, weighted +1.5 dB; in the LFE only, not counted.
  const LoudnessMeasurement surround = Measure(Sine(997, 0.1, 5, {0, 0, 0, 0, 1, 0}));
  ASSERT_TRUE(surround.integrated_lufs.has_value());
  EXPECT_NEAR(*surround.integrated_lufs, -23.01 + 1.50, 0.1);
  const LoudnessMeasurement lfe = Measure(Sine(997, 0.1, 5, {0, 0, 0, 1, 0, 0}));
  EXPECT_FALSE(lfe.integrated_lufs.has_value());
}

TEST(LoudnessMeter, TruePeakFindsThePeakBetweenSamples) {
  // A 12 kHz sine at 48 kHz sampled 45° off its crests: every sample is ±0.707 (-3 dBFS),
  // the waveform between them reaches 1.0 (0 dBTP).
  const LoudnessMeasurement result = Measure(Sine(12000, 1.0, 2, {1, 1}, std::numbers::pi / 4));
  ASSERT_TRUE(result.true_peak_dbtp.has_value());
  EXPECT_GT(*result.true_peak_dbtp, -0.6);
  EXPECT_LT(*result.true_peak_dbtp, 0.3);
}

TEST(LoudnessMeter, SilenceHasNoLoudnessAndNoPeak) {
  const LoudnessMeasurement result = Measure(Sine(997, 0.0, 3, {1, 1}));
  EXPECT_FALSE(result.integrated_lufs.has_value());
  EXPECT_FALSE(result.true_peak_dbtp.has_value());
}

TEST(LoudnessMeter, RefusesImpossibleFormats) {
  EXPECT_THAT(LoudnessMeter::Create(0, kRate), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(LoudnessMeter::Create(2, 100), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace atp::media
