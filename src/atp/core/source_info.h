// atp/core/source_info.h
//
// SourceInfo: what probing a mezzanine found, independent of what its manifest claims.
#ifndef ATP_CORE_SOURCE_INFO_H_
#define ATP_CORE_SOURCE_INFO_H_

#include <cstdint>
#include <string>
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
  std::string language;  // The container's language tag; empty when untagged.
};

struct SourceInfo {
  std::string format_name;  // libavformat's short name, e.g. "mov,mp4,m4a,3gp,3g2,mj2".
  int64_t duration_us = 0;
  int64_t bit_rate_bps = 0;
  std::string video_codec_name;     // libavcodec's name, e.g. "prores", "h264".
  std::string video_codec_profile;  // e.g. "HQ", "High"; empty when unknown.
  std::string pixel_format;
  int width = 0;
  int height = 0;
  Rational frame_rate;
  std::vector<ProbedAudioStream> audio_streams;  // In container order: TrackIndex n is [n-1].

  [[nodiscard]] double duration_seconds() const { return duration_us / 1e6; }
};

}  // namespace atp

#endif  // ATP_CORE_SOURCE_INFO_H_
