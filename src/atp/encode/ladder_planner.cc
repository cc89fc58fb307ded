#include "atp/encode/ladder_planner.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"

namespace atp::encode {
namespace {

int RoundToEven(double value) { return std::max(2, static_cast<int>(std::lround(value / 2)) * 2); }

Rendition MakeRendition(const EncodingProfile& profile, VideoCodec codec,
                        const VideoCodecSettings& settings, int width, int height,
                        int bitrate_kbps) {
  Rendition rendition;
  rendition.name = absl::StrCat(std::string(VideoCodecName(codec)), "_", height, "p");
  rendition.codec = codec;
  rendition.width = width;
  rendition.height = height;
  rendition.bitrate_kbps = bitrate_kbps;
  rendition.maxrate_kbps = static_cast<int>(std::lround(bitrate_kbps * profile.maxrate_factor));
  rendition.bufsize_kbit = static_cast<int>(std::lround(bitrate_kbps * profile.bufsize_factor));
  rendition.crf = settings.crf;
  rendition.codec_profile = (codec == VideoCodec::kH264 && height >= 720) ? "high" : "main";
  return rendition;
}

void AddRungsAtOrBelow(const EncodingProfile& profile, VideoCodec codec,
                       const VideoCodecSettings& settings, int source_width, int source_height,
                       Ladder& ladder) {
  const double aspect = static_cast<double>(source_width) / source_height;
  for (const RungFigure& rung : settings.rungs) {
    if (rung.height > source_height) continue;
    ladder.push_back(MakeRendition(profile, codec, settings, RoundToEven(rung.height * aspect),
                                   rung.height, rung.bitrate_kbps));
  }
}

}  // namespace

absl::StatusOr<Ladder> PlanLadder(const EncodingProfile& profile, int source_width,
                                  int source_height) {
  if (source_width <= 0 || source_height <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("source size must be positive, got ", source_width, "x", source_height));
  }
  ATP_RETURN_IF_ERROR(ValidateProfile(profile));
  Ladder ladder;
  AddRungsAtOrBelow(profile, VideoCodec::kH264, profile.h264, source_width, source_height, ladder);
  if (ladder.empty()) {
    const RungFigure& lowest = profile.h264.rungs.back();
    const int width = RoundToEven(source_width);
    const int height = RoundToEven(source_height);
    // Same aspect, so the pixel count scales with the square of the height.
    const double scale = static_cast<double>(height) / lowest.height;
    const int bitrate_kbps =
        std::max(1, static_cast<int>(std::lround(lowest.bitrate_kbps * scale * scale)));
    ladder.push_back(
        MakeRendition(profile, VideoCodec::kH264, profile.h264, width, height, bitrate_kbps));
  }
  if (profile.enable_h265) {
    AddRungsAtOrBelow(profile, VideoCodec::kH265, profile.h265, source_width, source_height,
                      ladder);
  }
  return ladder;
}

}  // namespace atp::encode
