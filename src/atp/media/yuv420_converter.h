// atp/media/yuv420_converter.h
//
// Yuv420Converter: the source's pixel format to the encoders' (8-bit Y'CbCr 4:2:0) at the same
// size, for the mezzanine formats partners deliver most: 10-bit 4:2:2 (ProRes 422, DNxHR HQX),
// 8-bit 4:2:2 (DNxHD, DNxHR SQ/HQ) and 10-bit 4:2:0 (10-bit H.264). libswscale converts these
// through its general scaling path, several times slower (docs/performance.md).
//
// The algorithm is libswscale's for these formats but for the vertical chroma filter (a mean
// of two rows here, bicubic there):
//   - 10 bits to 8 by an 8x8 ordered (Bayer) dither: a sample is raised by threshold / 16 of
//     a 10-bit step, 0 to 63 across the matrix, before the 2 low bits go; 8 bits are copied;
//   - 4:2:2 chroma: each output row is the mean of source rows 2i and 2i+1 (4:2:0 chroma sits
//     between them), dithered the same way from their sum; an odd last row is taken alone.
// Values are not range-converted (libswscale does not convert these formats' ranges either).
#ifndef ATP_MEDIA_YUV420_CONVERTER_H_
#define ATP_MEDIA_YUV420_CONVERTER_H_

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace atp::media {

class Yuv420Converter {
 public:
  // Whether `input` is one of the formats this converter reads (yuv422p10le, yuv422p,
  // yuv420p10le); for others (and for a change of size) use libswscale.
  [[nodiscard]] static bool Converts(AVPixelFormat input);

  // Writes `input` (a format Converts accepts) into `output`, an allocated writable yuv420p
  // frame of the same width and height.
  static void Convert(const AVFrame& input, AVFrame& output);
};

}  // namespace atp::media

#endif  // ATP_MEDIA_YUV420_CONVERTER_H_
