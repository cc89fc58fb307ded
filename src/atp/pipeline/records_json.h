// atp/pipeline/records_json.h
//
// JSON forms of the records steps hand to later steps (job store artifacts) and that
// report.json prints. Round trips are exact: FromJson(ToJson(x)) == x.
#ifndef ATP_PIPELINE_RECORDS_JSON_H_
#define ATP_PIPELINE_RECORDS_JSON_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "atp/core/job_spec.h"
#include "atp/core/packaged_media.h"
#include "atp/core/source_info.h"
#include "atp/storage/file_digest.h"
#include "atp/storage/pinned_file.h"
#include "atp/subtitle/subtitle_file.h"
#include "nlohmann/json.hpp"

// std::optional<T> as T, or null when empty.
namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& out, const std::optional<T>& value) {
    if (value) {
      out = *value;
    } else {
      out = nullptr;
    }
  }
  static void from_json(const json& in, std::optional<T>& value) {
    if (in.is_null()) {
      value.reset();
    } else {
      value = in.get<T>();
    }
  }
};
}  // namespace nlohmann

namespace atp {

// Keys are the member names.
NLOHMANN_JSON_SERIALIZE_ENUM(TrackKind,
                             {{TrackKind::kVideo, "video"}, {TrackKind::kAudio, "audio"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Rational, num, den)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProbedAudioStream, stream_index, codec_name,
                                                channels, sample_rate_hz, language, start_time_us)
NLOHMANN_JSON_SERIALIZE_ENUM(FieldOrder, {{FieldOrder::kUnknown, "unknown"},
                                          {FieldOrder::kProgressive, "progressive"},
                                          {FieldOrder::kTopFieldFirst, "tff"},
                                          {FieldOrder::kBottomFieldFirst, "bff"}})
// With defaults: a source recorded by an atp that did not probe a field is read with the
// field's default (square pixels, field order unknown).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SourceInfo, format_name, duration_us, bit_rate_bps,
                                                video_codec_name, video_codec_profile, pixel_format,
                                                width, height, sample_aspect_ratio, field_order,
                                                field_order_evidence, pulldown_suspected,
                                                frame_rate, base_frame_rate, audio_streams,
                                                video_start_time_us)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SubtitleTrackSpec, language, label, file_path, is_default,
                                   is_forced, format)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MediaSegment, uri, start_ticks, duration_ticks, size_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LoudnessMeasurement, integrated_lufs, range_lu, true_peak_dbtp)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AudioLoudness, standard, target_lufs, ceiling_dbtp, before,
                                   gain_db, after)
// With defaults: records of an atp that did not know a field read it as its default.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PackagedTrack, kind, name, codecs, init_uri,
                                                timescale, edit_media_time_ticks,
                                                presentation_offset_ticks, segments,
                                                peak_bitrate_bps, average_bitrate_bps, width,
                                                height, frame_rate, frames_repeated, frames_dropped,
                                                track_index, language, label, is_default, channels,
                                                sample_rate_hz, loudness)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PackagedSubtitle, name, language, label, is_default,
                                                is_forced, segments, sidecar_uri,
                                                sidecar_size_bytes, cue_count, warnings)
// With defaults: media recorded before subtitles were packaged has none.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PackagedMedia, video, audio, subtitles)

}  // namespace atp

namespace atp::subtitle {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Cue, start_ms, end_ms, text, settings, identifier, source_line)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Subtitles, cues, style_blocks, region_blocks, warnings)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SubtitleFile, dialogue, signs)

}  // namespace atp::subtitle

namespace atp::storage {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FileIdentity, device, inode, size_bytes, mtime_ns, ctime_ns)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FileDigest, size_bytes, md5_hex, xxh64_hex)

}  // namespace atp::storage

namespace atp::pipeline {

// Parses `text` as T. Internal (naming `what`) when it is not T's JSON form: atp wrote it, so
// a record it cannot read is corruption or a record of another atp, never bad input.
template <typename T>
[[nodiscard]] absl::StatusOr<T> ParseRecord(const std::string& text, std::string_view what) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InternalError(std::string(what) + ": not JSON");
  }
  try {
    return json.get<T>();
  } catch (const nlohmann::json::exception& error) {
    return absl::InternalError(std::string(what) + ": " + error.what());
  }
}

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_RECORDS_JSON_H_
