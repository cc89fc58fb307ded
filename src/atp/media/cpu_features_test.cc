// The CPU rule for slow gathers, and that the kernel it switches to scales to the same bytes.
#include "atp/media/cpu_features.h"

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "atp/media/av_ptr.h"
#include "gtest/gtest.h"

extern "C" {
#include <libavutil/cpu.h>
#include <libswscale/swscale.h>
}

namespace atp::media {
namespace {

TEST(CpuFeaturesTest, GathersAreSlowOnAmdUpToZen5Only) {
  EXPECT_TRUE(GathersAreSlow("AuthenticAMD", 0x17));  // Zen 1 and 2
  EXPECT_TRUE(GathersAreSlow("AuthenticAMD", 0x19));  // Zen 3 and 4
  EXPECT_TRUE(GathersAreSlow("AuthenticAMD", 0x1A));  // Zen 5
  EXPECT_FALSE(GathersAreSlow("AuthenticAMD", 0x1B));
  EXPECT_FALSE(GathersAreSlow("GenuineIntel", 6));
  EXPECT_FALSE(GathersAreSlow("", 0));
}

FramePtr Frame(int width, int height) {
  FramePtr frame(av_frame_alloc());
  frame->width = width;
  frame->height = height;
  frame->format = AV_PIX_FMT_YUV420P;
  EXPECT_EQ(av_frame_get_buffer(frame.get(), 0), 0);
  return frame;
}

// `input` scaled bicubically to 1280x720 by a scaler made under the CPU flags `cpu_flags`;
// returns the output planes' bytes, row after row.
std::vector<uint8_t> ScaledTo720p(const AVFrame& input, int cpu_flags) {
  av_force_cpu_flags(cpu_flags);
  SwsContext* scaler = sws_getContext(input.width, input.height, AV_PIX_FMT_YUV420P, 1280, 720,
                                      AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr, nullptr);
  av_force_cpu_flags(-1);
  EXPECT_NE(scaler, nullptr);
  FramePtr output = Frame(1280, 720);
  sws_scale(scaler, input.data, input.linesize, 0, input.height, output->data, output->linesize);
  sws_freeContext(scaler);
  std::vector<uint8_t> bytes;
  for (int plane = 0; plane < 3; ++plane) {
    const int width = plane == 0 ? 1280 : 640, height = plane == 0 ? 720 : 360;
    for (int y = 0; y < height; ++y) {
      const uint8_t* row = output->data[plane] + y * output->linesize[plane];
      bytes.insert(bytes.end(), row, row + width);
    }
  }
  return bytes;
}

// The choice MarkSlowGathers makes changes only the speed: libswscale's kernel without gathers
// scales a detailed picture to exactly the bytes of its kernel with them (on a CPU without
// AVX2 both scalers take the same kernel).
TEST(CpuFeaturesTest, ScalingWithoutGathersGivesTheSameBytes) {
  FramePtr input = Frame(1920, 1080);
  std::mt19937 noise(7);
  for (int plane = 0; plane < 3; ++plane) {
    const int width = plane == 0 ? 1920 : 960, height = plane == 0 ? 1080 : 540;
    for (int y = 0; y < height; ++y) {
      uint8_t* row = input->data[plane] + y * input->linesize[plane];
      for (int x = 0; x < width; ++x) {
        // Edges and gradients, as drawn pictures have, with noise on them.
        const int edge = ((x / 37 + y / 23) % 2) * 120;
        row[x] = static_cast<uint8_t>(16 + edge + (x + 2 * y) % 64 + noise() % 32);
      }
    }
  }
  const int detected = av_get_cpu_flags() & ~AV_CPU_FLAG_SLOW_GATHER;
  const std::vector<uint8_t> with_gathers = ScaledTo720p(*input, detected);
  const std::vector<uint8_t> without_gathers =
      ScaledTo720p(*input, detected | AV_CPU_FLAG_SLOW_GATHER);
  ASSERT_EQ(with_gathers.size(), without_gathers.size());
  EXPECT_TRUE(with_gathers == without_gathers);
}

// What IdentifyCpu reads agrees with what the kernel read (/proc/cpuinfo, on Linux x86).
TEST(CpuFeaturesTest, IdentifiesTheCpuAsTheKernelDoes) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, vendor;
  int family = -1;
  while (std::getline(cpuinfo, line) && (vendor.empty() || family < 0)) {
    if (line.rfind("vendor_id", 0) == 0) vendor = line.substr(line.find(':') + 2);
    if (line.rfind("cpu family", 0) == 0) family = std::stoi(line.substr(line.find(':') + 2));
  }
  if (vendor.empty()) GTEST_SKIP() << "no vendor_id in /proc/cpuinfo (not x86 Linux)";
  const CpuIdentity cpu = IdentifyCpu();
  EXPECT_EQ(cpu.vendor, vendor);
  EXPECT_EQ(cpu.family, family);
}

TEST(CpuFeaturesTest, MarksTheFlagWhereGathersAreSlowKeepingTheDetectedFlags) {
  const int detected = av_get_cpu_flags();
  const bool marked = MarkSlowGathers();
  const CpuIdentity cpu = IdentifyCpu();
  if ((detected & AV_CPU_FLAG_AVX2) != 0 && GathersAreSlow(cpu.vendor, cpu.family)) {
    EXPECT_TRUE(marked);
  }
  EXPECT_EQ(MarkSlowGathers(), marked);
  const int after = av_get_cpu_flags();
  EXPECT_EQ(after & ~AV_CPU_FLAG_SLOW_GATHER, detected & ~AV_CPU_FLAG_SLOW_GATHER);
  EXPECT_EQ((after & AV_CPU_FLAG_SLOW_GATHER) != 0, marked);
  av_force_cpu_flags(-1);
}

}  // namespace
}  // namespace atp::media
