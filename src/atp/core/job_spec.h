// atp/core/job_spec.h
//
// JobSpec: everything a delivery manifest says, validated and normalised (trimmed text,
// lower-case hex). Produced by the manifest module, read by every later step.
#ifndef ATP_CORE_JOB_SPEC_H_
#define ATP_CORE_JOB_SPEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atp {

struct EpisodeSpec {
  std::string series_id;
  std::string series_title;
  std::string series_title_ja;  // Empty when absent.
  int season_number = 0;
  int episode_number = 0;
  std::string episode_title;
  std::string episode_title_ja;  // Empty when absent.
  std::string description;       // Empty when absent.
  double duration_seconds = 0;
  std::string release_date;  // ISO-8601 as written; empty when absent.
  std::string content_rating = "TV-14";
  bool is_simulcast = false;
  bool is_dubbed = false;

  bool operator==(const EpisodeSpec&) const = default;
};

struct MezzanineSpec {
  std::string file_path;       // Relative to the input root.
  std::string checksum_md5;    // 32 lower-case hex digits.
  std::string checksum_xxh64;  // 16 lower-case hex digits (XXH64, seed 0); empty when absent.
  int64_t file_size_bytes = 0;
  double duration_seconds = 0;
  std::string video_codec;
  std::string audio_codec;
  int width = 0;
  int height = 0;
  double frame_rate = 0;
  int64_t bitrate_kbps = 0;
  std::string color_space;       // Empty when absent.
  std::optional<int> bit_depth;  // Absent when the manifest does not say.

  bool operator==(const MezzanineSpec&) const = default;
};

struct AudioTrackSpec {
  std::string language;  // ISO 639-1: ja en es pt fr de ko zh it ru.
  std::string label;
  bool is_default = false;
  int channels = 2;
  int track_index = 1;  // 1-based: the n-th audio stream of the mezzanine.

  bool operator==(const AudioTrackSpec&) const = default;
};

struct SubtitleTrackSpec {
  std::string language;  // BCP 47 subset: en es-419 es-ES pt-BR pt-PT fr de it ar ru zh-Hans ...
  std::string label;
  std::string file_path;  // Relative to the input root.
  bool is_default = false;
  bool is_forced = false;
  std::string format = "WebVTT";  // WebVTT, SRT, TTML or ASS.

  bool operator==(const SubtitleTrackSpec&) const = default;
};

struct JobSpec {
  std::string manifest_version = "1.0";
  std::string manifest_id;
  EpisodeSpec episode;
  MezzanineSpec mezzanine;
  std::vector<AudioTrackSpec> audio_tracks;
  std::vector<SubtitleTrackSpec> subtitle_tracks;
  int priority = 0;
  std::string callback_url;  // Empty when absent.

  bool operator==(const JobSpec&) const = default;
};

}  // namespace atp

#endif  // ATP_CORE_JOB_SPEC_H_
