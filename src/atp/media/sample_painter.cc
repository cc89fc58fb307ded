#include "atp/media/sample_painter.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace atp::media {
namespace {

struct Palette {
  uint8_t background[3];
  uint8_t shapes[4][3];
};

constexpr Palette kPalettes[] = {
    {{135, 206, 235}, {{255, 183, 197}, {255, 240, 120}, {120, 200, 120}, {250, 250, 250}}},
    {{40, 30, 80}, {{255, 120, 60}, {90, 220, 255}, {240, 240, 240}, {200, 80, 200}}},
    {{250, 220, 170}, {{220, 60, 60}, {60, 120, 220}, {80, 180, 90}, {255, 255, 255}}},
    {{20, 90, 60}, {{250, 210, 90}, {240, 240, 230}, {230, 110, 140}, {110, 170, 250}}},
};

// 5x7 glyphs, one byte per row, bit 4 = leftmost column.
struct Glyph {
  char c;
  uint8_t rows[7];
};
constexpr Glyph kFont[] = {
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
};

// A small deterministic generator, so every scene's layout is fixed by its index.
uint32_t Hash(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352d;
  x ^= x >> 15;
  x *= 0x846ca68b;
  x ^= x >> 16;
  return x;
}

}  // namespace

SamplePainter::SamplePainter(int width, int height) : width_(width), height_(height) {}

void SamplePainter::FillSpan(uint8_t* rgb, int stride, int y, int x0, int x1, Rgb colour) const {
  if (y < 0 || y >= height_) return;
  x0 = std::max(x0, 0);
  x1 = std::min(x1, width_);
  uint8_t* pixel = rgb + static_cast<size_t>(y) * stride + 3 * x0;
  for (int x = x0; x < x1; ++x, pixel += 3) {
    pixel[0] = colour.r;
    pixel[1] = colour.g;
    pixel[2] = colour.b;
  }
}

void SamplePainter::FillRect(uint8_t* rgb, int stride, int x, int y, int w, int h,
                             Rgb colour) const {
  for (int row = std::max(y, 0); row < std::min(y + h, height_); ++row) {
    FillSpan(rgb, stride, row, x, x + w, colour);
  }
}

void SamplePainter::FillCircle(uint8_t* rgb, int stride, int cx, int cy, int radius,
                               Rgb colour) const {
  for (int dy = -radius; dy <= radius; ++dy) {
    const int half = static_cast<int>(std::sqrt(static_cast<double>(radius * radius - dy * dy)));
    FillSpan(rgb, stride, cy + dy, cx - half, cx + half + 1, colour);
  }
}

void SamplePainter::DrawText(uint8_t* rgb, int stride, const char* text, int x, int y, int scale,
                             Rgb colour) const {
  for (; *text != '\0'; ++text, x += 6 * scale) {
    const Glyph* glyph = std::find_if(std::begin(kFont), std::end(kFont),
                                      [c = *text](const Glyph& g) { return g.c == c; });
    if (glyph == std::end(kFont)) continue;  // Space and anything not in the font.
    for (int row = 0; row < 7; ++row) {
      for (int column = 0; column < 5; ++column) {
        if (glyph->rows[row] & (0x10 >> column)) {
          FillRect(rgb, stride, x + column * scale, y + row * scale, scale, scale, colour);
        }
      }
    }
  }
}

void SamplePainter::Paint(double seconds, uint8_t* rgb, int stride) const {
  const int scene = static_cast<int>(seconds / kSceneSeconds);
  const double scene_time = seconds - scene * kSceneSeconds;
  const Palette& palette = kPalettes[scene % std::size(kPalettes)];
  const Rgb background{palette.background[0], palette.background[1], palette.background[2]};
  const Rgb outline{24, 20, 28};
  for (int y = 0; y < height_; ++y) FillSpan(rgb, stride, y, 0, width_, background);

  // Outlines scale with the picture: 3 px at 360 lines, 9 px at 1080.
  const int line = std::max(1, height_ / 120);
  for (int i = 0; i < 6; ++i) {
    const uint32_t seed = Hash(static_cast<uint32_t>(scene * 16 + i + 1));
    const int size = height_ / 10 + static_cast<int>(seed % static_cast<uint32_t>(height_ / 6 + 1));
    const double speed = (0.15 + (seed >> 8) % 100 / 100.0) * width_ / kSceneSeconds;
    const int travel = width_ + 2 * size;
    const int x =
        static_cast<int>(std::fmod((seed >> 4) % travel + speed * scene_time, travel)) - size;
    const int y = static_cast<int>((seed >> 12) % static_cast<uint32_t>(height_ * 3 / 4));
    const uint8_t* c = palette.shapes[(seed >> 20) % 4];
    const Rgb fill{c[0], c[1], c[2]};
    if (seed & 1) {
      FillCircle(rgb, stride, x + size / 2, y + size / 2, size / 2, outline);
      FillCircle(rgb, stride, x + size / 2, y + size / 2, size / 2 - line, fill);
    } else {
      FillRect(rgb, stride, x, y, size, size * 2 / 3, outline);
      FillRect(rgb, stride, x + line, y + line, size - 2 * line, size * 2 / 3 - 2 * line, fill);
    }
  }

  const int scale = std::max(1, height_ / 60);
  const int title_width = 10 * 6 * scale;
  const double title_speed = (width_ + title_width) / (2 * kSceneSeconds);
  const int title_x =
      width_ - static_cast<int>(std::fmod(seconds * title_speed, width_ + title_width));
  const int title_y = height_ - 9 * scale;
  DrawText(rgb, stride, "ATP SAMPLE", title_x + scale / 2 + 1, title_y + scale / 2 + 1, scale,
           outline);
  DrawText(rgb, stride, "ATP SAMPLE", title_x, title_y, scale, Rgb{255, 255, 255});
}

}  // namespace atp::media
