// atp/core/source_info.h
//
// SourceInfo: what probing a mezzanine found, independent of what its manifest claims.
#ifndef ATP_CORE_SOURCE_INFO_H_
#define ATP_CORE_SOURCE_INFO_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atp {

struct Rational {
  int64_t num = 0;
  int64_t den = 1;

  [[nodiscard]] double ToDouble() const { return den == 0 ? 0.0 : static_cast<double>(num) / den; }
  bool operator==(const Rational&) const = default;
};

struct ProbedAudioStream {
  int stream_index = -1;  // Index among all streams of the container.
  std::string codec_name;
  int channels = 0;
  int sample_rate_hz = 0;
  std::string language;       // The container's language tag; empty when untagged.
  int64_t start_time_us = 0;  // Its first presentation time (libavformat's start_time); 0 if none.
};

// How the video's frames hold their picture: whole frames, or two fields woven together.
enum class FieldOrder { kUnknown, kProgressive, kTopFieldFirst, kBottomFieldFirst };

// "progressive", "interlaced, top field first", ...: for reports.
[[nodiscard]] inline std::string_view FieldOrderDescription(FieldOrder order) {
  switch (order) {
    case FieldOrder::kProgressive:
      return "progressive";
    case FieldOrder::kTopFieldFirst:
      return "interlaced, top field first";
    case FieldOrder::kBottomFieldFirst:
      return "interlaced, bottom field first";
    default:
      return "field order unknown";
  }
}

struct SourceInfo {
  std::string format_name;  // libavformat's short name, e.g. "mov,mp4,m4a,3gp,3g2,mj2".
  int64_t duration_us = 0;
  int64_t bit_rate_bps = 0;
  std::string video_codec_name;     // libavcodec's name, e.g. "prores", "h264".
  std::string video_codec_profile;  // e.g. "HQ", "High"; empty when unknown.
  std::string pixel_format;
  int width = 0;  // Stored (coded) pixels.
  int height = 0;
  // The shape of one stored pixel (width:height); 1:1 when the file does not say.
  Rational sample_aspect_ratio{1, 1};
  FieldOrder field_order = FieldOrder::kUnknown;
  // Where field_order comes from: "stream" (the container or codec says so) or the idet
  // counts of the frames sampled when the stream says nothing; empty when not looked at.
  std::string field_order_evidence;
  // idet saw fields repeated as 3:2 pulldown makes them: telecined film, best inverse
  // telecined (video.inverse_telecine) rather than deinterlaced.
  bool pulldown_suspected = false;
  Rational frame_rate;  // The average: frames ÷ duration.
  // The rate every timestamp is a whole number of frames of (libavformat's r_frame_rate):
  // the nominal rate of a variable-frame-rate source whose average is lower.
  Rational base_frame_rate;
  std::vector<ProbedAudioStream> audio_streams;  // In container order: TrackIndex n is [n-1].
  // The video stream's first presentation time (libavformat's start_time); 0 if none.
  int64_t video_start_time_us = 0;

  [[nodiscard]] double duration_seconds() const { return duration_us / 1e6; }
  // The picture's shape as shown: width × SAR by height.
  [[nodiscard]] double display_aspect() const {
    return height == 0 ? 0.0 : width * sample_aspect_ratio.ToDouble() / height;
  }
  // The displayed width in square pixels (rounded); the height is the stored one.
  [[nodiscard]] int display_width() const {
    return static_cast<int>(width * sample_aspect_ratio.ToDouble() + 0.5);
  }
  // How much later the first audio stream starts than the video, in seconds (negative when
  // earlier): what a player must keep between them. 0 without audio.
  [[nodiscard]] double audio_offset_seconds() const {
    return audio_streams.empty() ? 0.0
                                 : (audio_streams[0].start_time_us - video_start_time_us) / 1e6;
  }
  // "interlaced, top field first (stream)", "progressive (idet: ...)": for reports.
  [[nodiscard]] std::string field_order_summary() const {
    std::string summary(FieldOrderDescription(field_order));
    if (!field_order_evidence.empty()) summary += " (" + field_order_evidence + ")";
    return summary;
  }
  [[nodiscard]] bool interlaced() const {
    return field_order == FieldOrder::kTopFieldFirst ||
           field_order == FieldOrder::kBottomFieldFirst;
  }
};

}  // namespace atp

#endif  // ATP_CORE_SOURCE_INFO_H_
