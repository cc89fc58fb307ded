// atp/media/sample_painter.h
//
// Paints the frames of a generated sample: anime-like flat colours with hard outlines.
#ifndef ATP_MEDIA_SAMPLE_PAINTER_H_
#define ATP_MEDIA_SAMPLE_PAINTER_H_

#include <cstdint>
#include <vector>

namespace atp::media {

// Every `kSceneSeconds` the background, palette and shapes change (a hard scene cut). Within a
// scene, outlined circles and rectangles cross the frame at different speeds and the title
// "ATP SAMPLE" scrolls along the bottom. The same `seconds` always gives the same picture.
class SamplePainter {
 public:
  static constexpr double kSceneSeconds = 3.0;

  SamplePainter(int width, int height);

  // Paints the picture at `seconds` into packed RGB24 rows of `stride` bytes.
  void Paint(double seconds, uint8_t* rgb, int stride) const;

 private:
  struct Rgb {
    uint8_t r, g, b;
  };
  void FillSpan(uint8_t* rgb, int stride, int y, int x0, int x1, Rgb colour) const;
  void FillRect(uint8_t* rgb, int stride, int x, int y, int w, int h, Rgb colour) const;
  void FillCircle(uint8_t* rgb, int stride, int cx, int cy, int radius, Rgb colour) const;
  void DrawText(uint8_t* rgb, int stride, const char* text, int x, int y, int scale,
                Rgb colour) const;

  int width_;
  int height_;
};

}  // namespace atp::media

#endif  // ATP_MEDIA_SAMPLE_PAINTER_H_
