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
  // Fields are woven into whole frames by bwdif, one frame out per frame in; each frame's
  // own field order (or top first when it has none) says which field comes first.
  bool deinterlace = false;
  // bwdif's parity: "auto" (each frame's own flag: the stream said it is interlaced), or
  // "tff"/"bff" (idet found it, the frames may not say).
  std::string field_parity = "auto";
  // Why: "progressive (stream)", "tff (idet: ...) → deinterlaced", ... for the report.
  std::string interlace_note;

  bool operator==(const VideoConversion&) const = default;
};

// The constant rate a manifest's frame rate names: 23.976 → 24000/1001, 29.97 →
// 30000/1001, 59.94 → 60000/1001, 25 → 25/1; a rate that is neither whole nor NTSC keeps
// `probed` (the container's own figure).
[[nodiscard]] Rational ConstantFrameRate(double manifest_frame_rate, Rational probed);

// The conversion of `source`, declared at `manifest_frame_rate`, under
// profile.deinterlace: "auto" deinterlaces when the source is interlaced (by its stream or
// by idet), "on" always, "off" never.
[[nodiscard]] VideoConversion PlanVideoConversion(const EncodingProfile& profile,
                                                  double manifest_frame_rate,
                                                  const SourceInfo& source);

}  // namespace atp::encode

#endif  // ATP_ENCODE_VIDEO_CONVERSION_H_
