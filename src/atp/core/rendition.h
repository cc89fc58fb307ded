// atp/core/rendition.h
//
// Rendition: one rung of the ABR ladder; AudioRendition: one audio rendition. As planned
// before encoding.
#ifndef ATP_CORE_RENDITION_H_
#define ATP_CORE_RENDITION_H_

#include <string>
#include <string_view>
#include <vector>

namespace atp {

enum class VideoCodec { kH264, kH265, kAV1 };

// "h264", "h265" or "av1": the prefix of a rendition's name.
[[nodiscard]] std::string_view VideoCodecName(VideoCodec codec);

struct Rendition {
  std::string name;  // "<codec>_<height>p", e.g. "h264_1080p": also its output folder.
  VideoCodec codec = VideoCodec::kH264;
  int width = 0;         // Even.
  int height = 0;        // Even.
  int bitrate_kbps = 0;  // The rung figure.
  int maxrate_kbps = 0;  // Rate-control cap: profile factor (1.5) × the rung figure.
  int bufsize_kbit = 0;  // VBV buffer: profile factor (2) × the rung figure.
  int crf = 0;
  std::string codec_profile;  // "high", "main" (H.264) or "main" (H.265, AV1).

  bool operator==(const Rendition&) const = default;
};

using Ladder = std::vector<Rendition>;

// One audio rendition, as planned before encoding: a manifest audio track at one channel
// count. Every track has one at the profile's channels; a 5.1 (or wider) source may add a
// 5.1 one (audio.surround).
struct AudioRendition {
  std::string name;      // Its output folder: "audio_ja", "audio_ja_51", "audio_en_2", ...
  int track_index = 1;   // 1-based: the n-th audio stream of the mezzanine.
  std::string language;  // ISO 639-1.
  std::string label;     // The manifest's, with " 5.1" added for a surround rendition.
  bool is_default = false;
  int channels = 2;
  int bitrate_kbps = 0;

  bool operator==(const AudioRendition&) const = default;
};

}  // namespace atp

#endif  // ATP_CORE_RENDITION_H_
