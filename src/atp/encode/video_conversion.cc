#include "atp/encode/video_conversion.h"

#include <cmath>

#include "absl/strings/str_cat.h"

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
  if (source.field_order_evidence != "stream") {
    if (source.field_order == FieldOrder::kTopFieldFirst) conversion.field_parity = "tff";
    if (source.field_order == FieldOrder::kBottomFieldFirst) conversion.field_parity = "bff";
  }
  std::string found(FieldOrderDescription(source.field_order));
  if (!source.field_order_evidence.empty()) {
    absl::StrAppend(&found, " (", source.field_order_evidence, ")");
  }
  conversion.interlace_note = absl::StrCat(
      found,
      conversion.deinterlace ? ": deinterlaced (bwdif, a frame per frame)" : ": not deinterlaced",
      " under video.deinterlace = ", profile.deinterlace);
  return conversion;
}

}  // namespace atp::encode
