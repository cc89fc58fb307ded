#include "atp/media/yuv420_converter.h"

#include <algorithm>
#include <array>
#include <cstdint>

extern "C" {
#include <libavutil/imgutils.h>
}

namespace atp::media {
namespace {

// The 8x8 Bayer matrix: every threshold 0..63 once, neighbours far apart.
constexpr uint8_t kBayer[8][8] = {{0, 32, 8, 40, 2, 34, 10, 42},  {48, 16, 56, 24, 50, 18, 58, 26},
                                  {12, 44, 4, 36, 14, 46, 6, 38}, {60, 28, 52, 20, 62, 30, 54, 22},
                                  {3, 35, 11, 43, 1, 33, 9, 41},  {51, 19, 59, 27, 49, 17, 57, 25},
                                  {15, 47, 7, 39, 13, 45, 5, 37}, {63, 31, 55, 23, 61, 29, 53, 21}};

// The loops below run over blocks of kBlock pixels against a dither row kBlock long (the
// matrix's row repeated): contiguous arrays the compiler turns into vector code, in 16-bit
// lanes (twice as many to a vector as 32-bit ones).
constexpr int kBlock = 64;
using DitherRow = std::array<uint16_t, kBlock>;

constexpr std::array<DitherRow, 8> MakeDitherRows() {
  std::array<DitherRow, 8> rows{};
  for (int row = 0; row < 8; ++row) {
    for (int i = 0; i < kBlock; ++i) rows[row][i] = kBayer[row][i % 8];
  }
  return rows;
}
constexpr std::array<DitherRow, 8> kDitherRows = MakeDitherRows();

// out[x] = (first[x] + second[x]) * scale + dither, shifted down 6 bits and clamped to 8
// bits: with scale 8 a mean of two 10-bit samples, with scale 32 of two 8-bit samples; a
// 10-bit sample alone is first == second with scale 8. A 16-bit sample above 1023 (raw
// video can hold one; decoders write none) counts as 1023, so the sum at its largest,
// 2 * 1023 * 8 + 63, fits in 16 bits.
template <typename Sample>
__attribute__((target_clones("avx2", "default"))) void MeanOfRows(const Sample* first,
                                                                  const Sample* second,
                                                                  uint16_t scale, int width,
                                                                  const DitherRow& dither,
                                                                  uint8_t* out) {
  for (int start = 0; start < width; start += kBlock) {
    const int count = std::min(kBlock, width - start);
    for (int i = 0; i < count; ++i) {
      constexpr Sample kMax = sizeof(Sample) == 1 ? 255 : 1023;
      const auto sum = static_cast<uint16_t>(std::min(first[start + i], kMax) +
                                             std::min(second[start + i], kMax));
      const auto scaled = static_cast<uint16_t>(sum * scale + dither[i]);
      out[start + i] = static_cast<uint8_t>(std::min<uint16_t>(scaled >> 6, 255));
    }
  }
}

template <typename Sample>
const Sample* RowOf(const AVFrame& frame, int plane, int row) {
  return reinterpret_cast<const Sample*>(frame.data[plane] +
                                         ptrdiff_t{row} * frame.linesize[plane]);
}

// One plane of `input` into `output`'s: output row y averages input rows y * vertical and
// y * vertical + (vertical - 1) (the last row alone when the input has no next one).
template <typename Sample>
void ConvertPlane(const AVFrame& input, int plane, int width, int input_height, int vertical,
                  uint16_t scale, AVFrame& output) {
  const int output_height = (input_height + vertical - 1) / vertical;
  for (int y = 0; y < output_height; ++y) {
    const int first = y * vertical;
    const int second = std::min(first + vertical - 1, input_height - 1);
    MeanOfRows(RowOf<Sample>(input, plane, first), RowOf<Sample>(input, plane, second), scale,
               width, kDitherRows[y % 8],
               output.data[plane] + ptrdiff_t{y} * output.linesize[plane]);
  }
}

}  // namespace

bool Yuv420Converter::Converts(AVPixelFormat input) {
  return input == AV_PIX_FMT_YUV422P10LE || input == AV_PIX_FMT_YUV422P ||
         input == AV_PIX_FMT_YUV420P10LE;
}

void Yuv420Converter::Convert(const AVFrame& input, AVFrame& output) {
  const int width = input.width;
  const int height = input.height;
  const int chroma_width = (width + 1) / 2;
  const auto format = static_cast<AVPixelFormat>(input.format);
  if (format == AV_PIX_FMT_YUV422P) {
    av_image_copy_plane(output.data[0], output.linesize[0], input.data[0], input.linesize[0], width,
                        height);
    for (int plane = 1; plane <= 2; ++plane) {
      ConvertPlane<uint8_t>(input, plane, chroma_width, height, 2, 32, output);
    }
    return;
  }
  ConvertPlane<uint16_t>(input, 0, width, height, 1, 8, output);
  const bool chroma_422 = format == AV_PIX_FMT_YUV422P10LE;
  const int chroma_height = chroma_422 ? height : (height + 1) / 2;
  for (int plane = 1; plane <= 2; ++plane) {
    ConvertPlane<uint16_t>(input, plane, chroma_width, chroma_height, chroma_422 ? 2 : 1, 8,
                           output);
  }
}

}  // namespace atp::media
