#include "atp/encode/video_conversion.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace atp::encode {
namespace {

constexpr double kRateTolerance = 0.01;

}  // namespace

Rational ConstantFrameRate(double manifest_frame_rate, Rational probed) {
  const double whole = std::round(manifest_frame_rate);
  if (whole >= 1 && std::abs(manifest_frame_rate - whole) <= kRateTolerance) {
    return {static_cast<int64_t>(whole), 1};
  }
  const double ntsc = std::round(manifest_frame_rate * 1.001);
  if (ntsc >= 1 && std::abs(manifest_frame_rate - ntsc / 1.001) <= kRateTolerance) {
    return {static_cast<int64_t>(ntsc) * 1000, 1001};
  }
  return probed;
}

VideoConversion PlanVideoConversion(const EncodingProfile& profile, double manifest_frame_rate,
                                    const SourceInfo& source) {
  VideoConversion conversion;
  conversion.frame_rate = ConstantFrameRate(manifest_frame_rate, source.frame_rate);
  conversion.deinterlace =
      profile.deinterlace == "on" || (profile.deinterlace == "auto" && source.interlaced());
  std::string parity = "auto";
  if (source.field_order_evidence != "stream") {
    if (source.field_order == FieldOrder::kTopFieldFirst) parity = "tff";
    if (source.field_order == FieldOrder::kBottomFieldFirst) parity = "bff";
  }
  Rational& rate = conversion.frame_rate;
  const bool telecine_rate = rate == Rational{30000, 1001} || rate == Rational{30, 1};
  std::string done = "not deinterlaced";
  if (conversion.deinterlace && profile.inverse_telecine && telecine_rate) {
    // Fields matched back into film frames (bwdif for any left combed), 1 in 5 decimated.
    conversion.filter_chain = absl::StrCat("fieldmatch=order=", parity,
                                           ":combmatch=full,bwdif=mode=send_frame:parity=", parity,
                                           ":deint=interlaced,decimate");
    rate = rate.num % 5 == 0 ? Rational{rate.num / 5 * 4, rate.den}
                             : Rational{rate.num * 4, rate.den * 5};
    done = "inverse telecined (fieldmatch + decimate)";
  } else if (conversion.deinterlace && profile.deinterlace_rate == "field") {
    conversion.filter_chain = absl::StrCat("bwdif=mode=send_field:deint=all:parity=", parity);
    rate = {rate.num * 2, rate.den};
    done = "deinterlaced (bwdif, a frame per field)";
  } else if (conversion.deinterlace) {
    conversion.filter_chain = absl::StrCat("bwdif=mode=send_frame:deint=all:parity=", parity);
    done = "deinterlaced (bwdif, a frame per frame)";
  }
  conversion.interlace_note =
      absl::StrFormat("%s: %s at %.3f fps, under video.deinterlace = %s",
                      source.field_order_summary(), done, rate.ToDouble(), profile.deinterlace);
  return conversion;
}

}  // namespace atp::encode
