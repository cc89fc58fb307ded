// atp/core/packaged_media.h
//
// Records of what packaging wrote: per track, its codec facts and its segments, measured on
// the files. The HLS and DASH writers turn these into text; the report prints them.
#ifndef ATP_CORE_PACKAGED_MEDIA_H_
#define ATP_CORE_PACKAGED_MEDIA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "atp/core/audio_loudness.h"
#include "atp/core/source_info.h"

namespace atp {

struct MediaSegment {
  std::string uri;             // Relative to the track's folder, e.g. "seg_00001.m4s".
  int64_t start_ticks = 0;     // tfdt of its first sample, in the track's timescale.
  int64_t duration_ticks = 0;  // Sum of its sample durations.
  int64_t size_bytes = 0;

  bool operator==(const MediaSegment&) const = default;
};

enum class TrackKind { kVideo, kAudio };

struct PackagedTrack {
  TrackKind kind = TrackKind::kVideo;
  std::string name;    // Its folder below the package root: "h264_1080p", "audio_ja".
  std::string codecs;  // RFC 6381, from the init segment: "avc1.640028", "mp4a.40.2".
  std::string init_uri = "init.mp4";  // Relative to the track's folder.
  int64_t timescale = 0;
  // The init segment's edit-list media_time, in `timescale` ticks: the decode time presented
  // at 0 (video: the decode delay of its reordered frames; audio: the encoder's priming).
  int64_t edit_media_time_ticks = 0;
  // How much earlier each segment is presented than its first sample decodes, in `timescale`
  // ticks: the init segment's edit-list media_time less the first sample's composition
  // offset. Audio: the encoder's priming; video: 0 (a segment's keyframe shows exactly the
  // decode delay the edit list takes away). A segment presents
  // [start_ticks - this, start_ticks - this + duration_ticks), cut at 0.
  int64_t presentation_offset_ticks = 0;
  std::vector<MediaSegment> segments;
  int64_t peak_bitrate_bps = 0;     // Largest segment size × 8 / its duration.
  int64_t average_bitrate_bps = 0;  // All segment bytes × 8 / total duration.

  // Video only.
  int width = 0;
  int height = 0;
  Rational frame_rate;
  // Put on the constant frame rate: slots the previous frame filled again, source frames
  // left out (both 0 for a constant-rate source).
  int64_t frames_repeated = 0;
  int64_t frames_dropped = 0;

  // Audio only.
  int track_index = 0;   // The mezzanine's audio stream it renders (1-based); 0 if unrecorded.
  std::string language;  // ISO 639-1, e.g. "ja".
  std::string label;     // Human name, e.g. "日本語".
  bool is_default = false;
  int channels = 0;
  int sample_rate_hz = 0;
  // Measured by the audio unit before and after normalization; nullopt for video.
  std::optional<AudioLoudness> loudness;

  [[nodiscard]] int64_t duration_ticks() const;  // Of the samples, from decode time 0.
  [[nodiscard]] double duration_seconds() const;
  // What is presented: duration_ticks() less the part cut at presentation time 0.
  [[nodiscard]] double presented_seconds() const;

  bool operator==(const PackagedTrack&) const = default;
};

// One subtitle rendition: segmented WebVTT for HLS (on the video's segment boundaries) and
// the whole track as one WebVTT file for DASH.
struct PackagedSubtitle {
  std::string name;      // Its folder below the package root: "subs_en", "subs_en_forced".
  std::string language;  // BCP 47, as the manifest writes it: "en", "es-419", "zh-Hans".
  std::string label;     // Human name, e.g. "English (Signs & Songs)".
  bool is_default = false;
  bool is_forced = false;  // Shown even when the viewer chose no subtitles (signs & songs).
  // Each segment's uri ("seg_00001.vtt"), start and duration in milliseconds (timescale
  // 1000): the video's segments, so every segment holds the cues shown during it.
  std::vector<MediaSegment> segments;
  std::string sidecar_uri = "subtitles.vtt";  // The whole track, relative to its folder.
  int64_t sidecar_size_bytes = 0;
  int64_t cue_count = 0;
  // What reading the source file changed or dropped (ASS tags, overlaps ...).
  std::vector<std::string> warnings;

  bool operator==(const PackagedSubtitle&) const = default;
};

struct PackagedMedia {
  std::vector<PackagedTrack> video;  // Highest bitrate first.
  // Manifest order, a track's renditions together (stereo, then 5.1); exactly one is_default.
  std::vector<PackagedTrack> audio;
  // Manifest order; a track split into dialogue and signs & songs gives two. Written by the
  // package step.
  std::vector<PackagedSubtitle> subtitles;
};

}  // namespace atp

#endif  // ATP_CORE_PACKAGED_MEDIA_H_
