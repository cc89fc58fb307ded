#include "atp/encode/ladder_planner.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"

namespace atp::encode {
namespace {

int RoundToEven(double value) { return std::max(2, static_cast<int>(std::lround(value / 2)) * 2); }
int RoundDownToEven(int value) { return std::max(2, value / 2 * 2); }

// A rendition of the rung `rung_height` (which names it and picks its codec profile),
// encoded at width × height.
Rendition MakeRendition(const EncodingProfile& profile, VideoCodec codec,
                        const VideoCodecSettings& settings, int rung_height, int width, int height,
                        int bitrate_kbps) {
  Rendition rendition;
  rendition.name = absl::StrCat(std::string(VideoCodecName(codec)), "_", rung_height, "p");
  rendition.codec = codec;
  rendition.width = width;
  rendition.height = height;
  rendition.bitrate_kbps = bitrate_kbps;
  rendition.maxrate_kbps = static_cast<int>(std::lround(bitrate_kbps * profile.maxrate_factor));
  rendition.bufsize_kbit = static_cast<int>(std::lround(bitrate_kbps * profile.bufsize_factor));
  rendition.crf = settings.crf;
  rendition.codec_profile = (codec == VideoCodec::kH264 && rung_height >= 720) ? "high" : "main";
  return rendition;
}

void AddRungsAtOrBelow(const EncodingProfile& profile, VideoCodec codec,
                       const VideoCodecSettings& settings, int display_width, int display_height,
                       Ladder& ladder) {
  const double aspect = static_cast<double>(display_width) / display_height;
  for (const RungFigure& rung : settings.rungs) {
    if (rung.height <= display_height) {
      const int width = std::min(RoundToEven(rung.height * aspect), RoundDownToEven(display_width));
      ladder.push_back(MakeRendition(profile, codec, settings, rung.height, width, rung.height,
                                     rung.bitrate_kbps));
    } else if (display_height >= rung.height * (1 - kNearRungTolerance)) {
      ladder.push_back(MakeRendition(profile, codec, settings, rung.height,
                                     RoundDownToEven(display_width),
                                     RoundDownToEven(display_height), rung.bitrate_kbps));
    }
  }
}

}  // namespace

absl::StatusOr<Ladder> PlanLadder(const EncodingProfile& profile, int display_width,
                                  int display_height) {
  if (display_width <= 0 || display_height <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("source size must be positive, got ", display_width, "x", display_height));
  }
  ATP_RETURN_IF_ERROR(ValidateProfile(profile));
  Ladder ladder;
  AddRungsAtOrBelow(profile, VideoCodec::kH264, profile.h264, display_width, display_height,
                    ladder);
  if (ladder.empty()) {
    const RungFigure& lowest = profile.h264.rungs.back();
    const int width = RoundDownToEven(display_width);
    const int height = RoundDownToEven(display_height);
    // Same aspect, so the pixel count scales with the square of the height.
    const double scale = static_cast<double>(height) / lowest.height;
    const int bitrate_kbps =
        std::max(1, static_cast<int>(std::lround(lowest.bitrate_kbps * scale * scale)));
    ladder.push_back(MakeRendition(profile, VideoCodec::kH264, profile.h264, height, width, height,
                                   bitrate_kbps));
  }
  if (profile.enable_h265) {
    AddRungsAtOrBelow(profile, VideoCodec::kH265, profile.h265, display_width, display_height,
                      ladder);
  }
  if (profile.enable_av1) {
    AddRungsAtOrBelow(profile, VideoCodec::kAV1, profile.av1, display_width, display_height,
                      ladder);
  }
  return ladder;
}

}  // namespace atp::encode
