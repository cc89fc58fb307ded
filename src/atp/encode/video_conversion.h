// atp/encode/video_conversion.h
//
// What is done to the source's pictures before they are scaled for the rungs: deinterlacing
// and the constant frame rate they are placed on. Decided once per job, at plan time, so
// every chunk of the video is treated alike.
#ifndef ATP_ENCODE_VIDEO_CONVERSION_H_
#define ATP_ENCODE_VIDEO_CONVERSION_H_

#include <string>

#include "atp/core/source_info.h"
#include "atp/encode/encoding_profile.h"

namespace atp::encode {

struct VideoConversion {
  // The output's constant frame rate. Frames are placed on it by their timestamps: a frame
  // whose slot was taken is dropped, a slot no frame reached repeats the frame before.
  Rational frame_rate;
  // Whether fields are made whole frames (deinterlaced or inverse telecined).
  bool deinterlace = false;
  // The libavfilter chain decoded frames go through first; empty for none. bwdif one frame
  // per frame ("frame" rate) or per field ("field": twice the rate), or fieldmatch + decimate
  // (inverse telecine: 29.97 → 23.976). Its field parity is each frame's own flag when the
  // stream said it is interlaced, idet's order when idet found it.
  std::string filter_chain;
  // Why: "interlaced, top field first (stream): deinterlaced ..." for the report.
  std::string interlace_note;

  bool operator==(const VideoConversion&) const = default;
};

// The constant rate a manifest's frame rate names: 23.976 → 24000/1001, 29.97 →
// 30000/1001, 59.94 → 60000/1001, 25 → 25/1; a rate that is neither whole nor NTSC keeps
// `probed` (the container's own figure).
[[nodiscard]] Rational ConstantFrameRate(double manifest_frame_rate, Rational probed);

// The conversion of `source`, declared at `manifest_frame_rate`, under
// profile.deinterlace: "auto" deinterlaces when the source is interlaced (by its stream or
// by idet), "on" always, "off" never; at profile.deinterlace_rate; and, with
// profile.inverse_telecine, an interlaced 29.97 (or 30) fps source is inverse telecined to
// 23.976 (24) instead.
[[nodiscard]] VideoConversion PlanVideoConversion(const EncodingProfile& profile,
                                                  double manifest_frame_rate,
                                                  const SourceInfo& source);

}  // namespace atp::encode

#endif  // ATP_ENCODE_VIDEO_CONVERSION_H_
