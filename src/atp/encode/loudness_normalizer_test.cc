// The normalizer's two chains, judged on the samples that come out: a gain that leaves the
// true peak under the limit is the gain alone (every sample the input's times the gain, none
// resampled), and one that pushes it over is limited (the output's true peak, as the BS.1770
// meter measures it, under the ceiling).
#include "atp/encode/loudness_normalizer.h"

#include <cmath>
#include <numbers>
#include <vector>

#include "atp/media/av_ptr.h"
#include "atp/media/loudness_meter.h"
#include "gtest/gtest.h"

extern "C" {
#include <libavutil/channel_layout.h>
}

namespace atp::encode {
namespace {

constexpr int kRate = 48000;
constexpr int kFrameSamples = 1024;

// Two seconds of a 997 Hz sine at `amplitude` on both channels, in frames of 1024 samples.
std::vector<media::FramePtr> StereoSine(double amplitude) {
  std::vector<media::FramePtr> frames;
  for (int start = 0; start < 2 * kRate; start += kFrameSamples) {
    media::FramePtr frame(av_frame_alloc());
    frame->format = AV_SAMPLE_FMT_FLTP;
    frame->sample_rate = kRate;
    frame->nb_samples = kFrameSamples;
    frame->pts = start;
    av_channel_layout_default(&frame->ch_layout, 2);
    EXPECT_EQ(av_frame_get_buffer(frame.get(), 0), 0);
    for (int c = 0; c < 2; ++c) {
      auto* samples = reinterpret_cast<float*>(frame->extended_data[c]);
      for (int i = 0; i < kFrameSamples; ++i) {
        samples[i] = static_cast<float>(amplitude *
                                        std::sin(2 * std::numbers::pi * 997 * (start + i) / kRate));
      }
    }
    frames.push_back(std::move(frame));
  }
  return frames;
}

struct Normalized {
  std::vector<float> left;  // Every output sample of channel 0, in order.
  std::optional<double> true_peak_dbtp;
};

// `frames` through a normalizer made with `gain_db`, a -2 dBTP ceiling and `peak_dbtp`.
Normalized Normalize(const std::vector<media::FramePtr>& frames, double gain_db,
                     std::optional<double> peak_dbtp, bool& limits) {
  AVChannelLayout stereo;
  av_channel_layout_default(&stereo, 2);
  absl::StatusOr<std::unique_ptr<LoudnessNormalizer>> normalizer =
      LoudnessNormalizer::Create(kRate, stereo, gain_db, -2, peak_dbtp);
  EXPECT_TRUE(normalizer.ok()) << normalizer.status();
  if (!normalizer.ok()) return {};
  limits = (*normalizer)->limits();
  absl::StatusOr<media::LoudnessMeter> meter = media::LoudnessMeter::Create(2, kRate);
  EXPECT_TRUE(meter.ok()) << meter.status();
  Normalized out;
  auto take = [&](const AVFrame& frame) {
    const auto* const* planes = reinterpret_cast<const float* const*>(frame.extended_data);
    out.left.insert(out.left.end(), planes[0], planes[0] + frame.nb_samples);
    return meter->AddPlanar(planes, frame.nb_samples);
  };
  for (const media::FramePtr& frame : frames) {
    EXPECT_TRUE((*normalizer)->Filter(frame.get(), take).ok());
  }
  EXPECT_TRUE((*normalizer)->Filter(nullptr, take).ok());
  out.true_peak_dbtp = meter->Result().true_peak_dbtp;
  return out;
}

TEST(LoudnessNormalizerTest, AGainThatStaysUnderTheLimitIsTheGainAlone) {
  // A sine at -20 dBFS raised by 12 dB peaks near -8 dBTP: far under -2.1.
  const std::vector<media::FramePtr> frames = StereoSine(0.1);
  bool limits = true;
  const Normalized out = Normalize(frames, 12, -20.0, limits);
  EXPECT_FALSE(limits);
  ASSERT_EQ(out.left.size(), frames.size() * kFrameSamples);
  const float gain = static_cast<float>(std::pow(10.0, 12.0 / 20));
  size_t differing = 0;
  for (size_t i = 0; i < out.left.size(); ++i) {
    const float in = reinterpret_cast<const float*>(
        frames[i / kFrameSamples]->extended_data[0])[i % kFrameSamples];
    if (std::abs(out.left[i] - in * gain) > 1e-6f) ++differing;
  }
  EXPECT_EQ(differing, 0u) << "samples other than the input's times the gain";
}

TEST(LoudnessNormalizerTest, AGainThatCrossesTheLimitIsLimitedUnderTheCeiling) {
  // A sine at -6 dBFS raised by 6 dB would peak at 0 dBTP.
  const std::vector<media::FramePtr> frames = StereoSine(0.5);
  bool limits = false;
  const Normalized out = Normalize(frames, 6, -6.0, limits);
  EXPECT_TRUE(limits);
  EXPECT_EQ(out.left.size(), frames.size() * kFrameSamples);
  ASSERT_TRUE(out.true_peak_dbtp.has_value());
  EXPECT_LE(*out.true_peak_dbtp, -2.0);
  EXPECT_GT(*out.true_peak_dbtp, -3.0) << "limited far more than the ceiling asks";
}

TEST(LoudnessNormalizerTest, SilenceIsNeverLimited) {
  std::vector<media::FramePtr> frames = StereoSine(0);
  bool limits = true;
  const Normalized out = Normalize(frames, 0, std::nullopt, limits);
  EXPECT_FALSE(limits);
  EXPECT_EQ(out.left.size(), frames.size() * kFrameSamples);
  EXPECT_FALSE(out.true_peak_dbtp.has_value());
}

}  // namespace
}  // namespace atp::encode
