// Yuv420Converter on pictures with known values, and against libswscale on a detailed one.
#include "atp/media/yuv420_converter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>

#include "atp/media/av_ptr.h"
#include "gtest/gtest.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace atp::media {
namespace {

FramePtr AllocatedFrame(int width, int height, AVPixelFormat format) {
  FramePtr frame(av_frame_alloc());
  frame->width = width;
  frame->height = height;
  frame->format = format;
  EXPECT_EQ(av_frame_get_buffer(frame.get(), 0), 0);
  return frame;
}

bool IsChromaPlane(int plane) { return plane > 0; }

// A `format` picture whose sample (plane, x, y) is value(plane, x, y).
FramePtr Picture(int width, int height, AVPixelFormat format,
                 const std::function<int(int plane, int x, int y)>& value) {
  FramePtr frame = AllocatedFrame(width, height, format);
  const bool ten_bit = format != AV_PIX_FMT_YUV422P;
  const bool chroma_420 = format == AV_PIX_FMT_YUV420P10LE;
  for (int plane = 0; plane < 3; ++plane) {
    const int plane_width = IsChromaPlane(plane) ? (width + 1) / 2 : width;
    const int plane_height = IsChromaPlane(plane) && chroma_420 ? (height + 1) / 2 : height;
    for (int y = 0; y < plane_height; ++y) {
      uint8_t* row = frame->data[plane] + y * frame->linesize[plane];
      for (int x = 0; x < plane_width; ++x) {
        if (ten_bit) {
          reinterpret_cast<uint16_t*>(row)[x] = static_cast<uint16_t>(value(plane, x, y));
        } else {
          row[x] = static_cast<uint8_t>(value(plane, x, y));
        }
      }
    }
  }
  return frame;
}

FramePtr Converted(const AVFrame& input) {
  FramePtr output = AllocatedFrame(input.width, input.height, AV_PIX_FMT_YUV420P);
  Yuv420Converter::Convert(input, *output);
  return output;
}

int Sample(const AVFrame& frame, int plane, int x, int y) {
  return frame.data[plane][y * frame.linesize[plane] + x];
}

// The mean of a yuv420p plane's samples.
double PlaneMean(const AVFrame& frame, int plane) {
  const int width = IsChromaPlane(plane) ? (frame.width + 1) / 2 : frame.width;
  const int height = IsChromaPlane(plane) ? (frame.height + 1) / 2 : frame.height;
  double sum = 0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) sum += Sample(frame, plane, x, y);
  }
  return sum / (width * height);
}

TEST(Yuv420Converter, ConvertsTheMezzanineFormatsOnly) {
  EXPECT_TRUE(Yuv420Converter::Converts(AV_PIX_FMT_YUV422P10LE));
  EXPECT_TRUE(Yuv420Converter::Converts(AV_PIX_FMT_YUV422P));
  EXPECT_TRUE(Yuv420Converter::Converts(AV_PIX_FMT_YUV420P10LE));
  // Full range (yuvj), 4:4:4 and big-endian samples are left to libswscale.
  EXPECT_FALSE(Yuv420Converter::Converts(AV_PIX_FMT_YUVJ422P));
  EXPECT_FALSE(Yuv420Converter::Converts(AV_PIX_FMT_YUV444P10LE));
  EXPECT_FALSE(Yuv420Converter::Converts(AV_PIX_FMT_YUV422P10BE));
  EXPECT_FALSE(Yuv420Converter::Converts(AV_PIX_FMT_YUV420P));
}

TEST(Yuv420Converter, TenBitsOnAnEightBitLevelGiveThatLevelEverywhere) {
  // 512 / 4 = 128 exactly: no dither threshold moves it. 4:2:2 chroma rows differ (400 and
  // 600), so the output is their mean (500 / 4 = 125), not either row's (100 or 150).
  FramePtr input = Picture(100, 36, AV_PIX_FMT_YUV422P10LE, [](int plane, int, int y) {
    return IsChromaPlane(plane) ? (y % 2 == 0 ? 400 : 600) : 512;
  });
  FramePtr output = Converted(*input);
  for (int y = 0; y < 36; ++y) {
    for (int x = 0; x < 100; ++x) ASSERT_EQ(Sample(*output, 0, x, y), 128) << x << "," << y;
  }
  for (int plane = 1; plane <= 2; ++plane) {
    for (int y = 0; y < 18; ++y) {
      for (int x = 0; x < 50; ++x) ASSERT_EQ(Sample(*output, plane, x, y), 125) << x << "," << y;
    }
  }
}

TEST(Yuv420Converter, TheDitherKeepsTheMeanOfLevelsBetweenEightBitSteps) {
  // 513 is 128.25 eight-bit steps; rounding alone would give 128 everywhere (a band).
  FramePtr input = Picture(64, 64, AV_PIX_FMT_YUV420P10LE,
                           [](int plane, int, int) { return plane ? 770 : 513; });
  FramePtr output = Converted(*input);
  EXPECT_DOUBLE_EQ(PlaneMean(*output, 0), 128.25);
  EXPECT_DOUBLE_EQ(PlaneMean(*output, 1), 192.5);
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      ASSERT_GE(Sample(*output, 0, x, y), 128);
      ASSERT_LE(Sample(*output, 0, x, y), 129);
    }
  }
}

TEST(Yuv420Converter, FullScaleTenBitSamplesClampToTwoFiftyFive) {
  FramePtr input = Picture(70, 10, AV_PIX_FMT_YUV422P10LE, [](int, int, int) { return 1023; });
  FramePtr output = Converted(*input);
  for (int plane = 0; plane < 3; ++plane) EXPECT_DOUBLE_EQ(PlaneMean(*output, plane), 255);
}

// Raw 10-bit video can hold samples above 1023: they count as 1023, not wrap around.
TEST(Yuv420Converter, SamplesAboveTenBitsCountAsTheLargest) {
  FramePtr input = Picture(70, 10, AV_PIX_FMT_YUV422P10LE,
                           [](int, int x, int) { return x % 2 == 0 ? 0xffff : 0x4000; });
  FramePtr output = Converted(*input);
  for (int plane = 0; plane < 3; ++plane) EXPECT_DOUBLE_EQ(PlaneMean(*output, plane), 255);
}

TEST(Yuv420Converter, AnOddLastChromaRowIsTakenAlone) {
  // 4:2:2 with 5 rows: output chroma rows are (0,1), (2,3) and 4 alone.
  FramePtr input = Picture(8, 5, AV_PIX_FMT_YUV422P10LE, [](int plane, int, int y) {
    return IsChromaPlane(plane) ? (y == 4 ? 800 : 200) : 16 * 4;
  });
  FramePtr output = Converted(*input);
  for (int x = 0; x < 4; ++x) {
    EXPECT_EQ(Sample(*output, 1, x, 0), 50);
    EXPECT_EQ(Sample(*output, 1, x, 1), 50);
    EXPECT_EQ(Sample(*output, 1, x, 2), 200);
  }
}

TEST(Yuv420Converter, EightBitLumaIsCopiedAndChromaRowsAveraged) {
  FramePtr input = Picture(33, 6, AV_PIX_FMT_YUV422P, [](int plane, int x, int y) {
    return IsChromaPlane(plane) ? (y % 2 == 0 ? 90 : 110) : (x * 7 + y * 13) % 256;
  });
  FramePtr output = Converted(*input);
  for (int y = 0; y < 6; ++y) {
    for (int x = 0; x < 33; ++x) ASSERT_EQ(Sample(*output, 0, x, y), (x * 7 + y * 13) % 256);
  }
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 17; ++x) ASSERT_EQ(Sample(*output, 2, x, y), 100) << x << "," << y;
  }
}

// Every output sample is the documented formula, worked out here in 32 bits, for samples
// anywhere in their range (the converter works in 16-bit lanes): the mean of the two input
// rows' samples (a 10-bit luma sample alone), plus the 8x8 ordered dither, to 8 bits.
TEST(Yuv420Converter, EverySampleIsTheFormulaOverTheWholeRange) {
  constexpr int kBayer[8][8] = {{0, 32, 8, 40, 2, 34, 10, 42},  {48, 16, 56, 24, 50, 18, 58, 26},
                                {12, 44, 4, 36, 14, 46, 6, 38}, {60, 28, 52, 20, 62, 30, 54, 22},
                                {3, 35, 11, 43, 1, 33, 9, 41},  {51, 19, 59, 27, 49, 17, 57, 25},
                                {15, 47, 7, 39, 13, 45, 5, 37}, {63, 31, 55, 23, 61, 29, 53, 21}};
  for (const AVPixelFormat format :
       {AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV420P10LE}) {
    const bool ten_bit = format != AV_PIX_FMT_YUV422P;
    const int levels = ten_bit ? 1024 : 256;
    // Every level on some row of a 130x64 picture, neighbouring rows far apart.
    const auto value = [&](int plane, int x, int y) {
      return static_cast<int>(
          (uint32_t(x) * 2654435761u + uint32_t(y) * 40503u + uint32_t(plane) * 977u) %
          uint32_t(levels));
    };
    FramePtr input = Picture(130, 64, format, value);
    FramePtr output = Converted(*input);
    const bool chroma_422 = format != AV_PIX_FMT_YUV420P10LE;
    for (int plane = 0; plane < 3; ++plane) {
      const bool chroma = IsChromaPlane(plane);
      for (int y = 0; y < (chroma ? 32 : 64); ++y) {
        for (int x = 0; x < (chroma ? 65 : 130); ++x) {
          int expected;
          const int dither = kBayer[y % 8][x % 8];
          if (!ten_bit && !chroma) {
            expected = value(plane, x, y);  // 8-bit luma is copied.
          } else {
            const int first = chroma && chroma_422 ? value(plane, x, 2 * y) : value(plane, x, y);
            const int second =
                chroma && chroma_422 ? value(plane, x, 2 * y + 1) : value(plane, x, y);
            expected = std::min(((first + second) * (ten_bit ? 8 : 32) + dither) >> 6, 255);
          }
          ASSERT_EQ(Sample(*output, plane, x, y), expected)
              << av_get_pix_fmt_name(format) << " plane " << plane << " at " << x << "," << y;
        }
      }
    }
  }
}

TEST(Yuv420Converter, AgreesWithLibswscaleOnADetailedPicture) {
  // Smooth gradients and fine texture in every plane, 1920x1080 ProRes-like 4:2:2 10-bit.
  const int width = 1920;
  const int height = 1080;
  FramePtr input = Picture(width, height, AV_PIX_FMT_YUV422P10LE, [](int plane, int x, int y) {
    const double wave = std::sin(x * 0.05 + plane) * std::cos(y * 0.03 - plane);
    return 64 + static_cast<int>(440 + 380 * wave + ((x ^ y) & 15));
  });
  FramePtr ours = Converted(*input);
  FramePtr theirs = AllocatedFrame(width, height, AV_PIX_FMT_YUV420P);
  SwsContextPtr scaler(sws_getContext(width, height, AV_PIX_FMT_YUV422P10LE, width, height,
                                      AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr, nullptr));
  ASSERT_NE(scaler, nullptr);
  sws_scale(scaler.get(), input->data, input->linesize, 0, height, theirs->data, theirs->linesize);
  for (int plane = 0; plane < 3; ++plane) {
    const int plane_width = plane ? width / 2 : width;
    const int plane_height = plane ? height / 2 : height;
    double squared_error = 0;
    for (int y = 0; y < plane_height; ++y) {
      for (int x = 0; x < plane_width; ++x) {
        const int difference = Sample(*ours, plane, x, y) - Sample(*theirs, plane, x, y);
        squared_error += difference * difference;
      }
    }
    const double psnr =
        10 * std::log10(255.0 * 255.0 / (squared_error / (plane_width * plane_height)));
    EXPECT_GT(psnr, 50) << "plane " << plane;  // 57, 55 and 51 dB; one row for two: 49 dB.
  }
}

}  // namespace
}  // namespace atp::media
