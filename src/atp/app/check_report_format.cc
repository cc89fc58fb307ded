#include "atp/app/check_report_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace atp::app {
namespace {

std::vector<std::string> ProblemLines(const absl::Status& status) {
  return absl::StrSplit(std::string(status.message()), '\n', absl::SkipEmpty());
}

std::string AudioLine(const AudioTrackSpec& track, const SourceInfo* source) {
  std::string line = absl::StrFormat("#%d %s \"%s\"%s", track.track_index, track.language,
                                     track.label, track.is_default ? " (default)" : "");
  if (source != nullptr && track.track_index <= static_cast<int>(source->audio_streams.size())) {
    const ProbedAudioStream& stream = source->audio_streams[track.track_index - 1];
    absl::StrAppendFormat(&line, " <- %s %d ch %d Hz%s", stream.codec_name, stream.channels,
                          stream.sample_rate_hz,
                          stream.language.empty() ? "" : " [" + stream.language + "]");
  }
  return line;
}

std::string FailedStepName(const pipeline::CheckReport& report) {
  return report.failed_step ? std::string(pipeline::StepName(*report.failed_step)) : "check";
}

}  // namespace

std::string FormatCheckText(const pipeline::CheckReport& report, const Settings& settings) {
  std::string out;
  if (report.ok()) {
    absl::StrAppend(&out, "atp check: OK\n");
  } else {
    absl::StrAppend(&out, "atp check: FAILED at ", FailedStepName(report), " (",
                    absl::StatusCodeToString(report.status.code()), ")\n");
    for (const std::string& line : ProblemLines(report.status)) {
      absl::StrAppend(&out, "  ", line, "\n");
    }
  }
  if (!report.manifest) return out;
  const JobSpec& spec = report.manifest->spec;
  const SourceInfo* source = report.mezzanine ? &report.mezzanine->source : nullptr;
  absl::StrAppendFormat(&out, "\nmanifest    %s (format %s)\n", spec.manifest_id,
                        spec.manifest_version);
  absl::StrAppendFormat(&out, "episode     %s S%02dE%02d \"%s\", %s, %.3f s\n",
                        spec.episode.series_title, spec.episode.season_number,
                        spec.episode.episode_number, spec.episode.episode_title,
                        spec.episode.content_rating, spec.episode.duration_seconds);
  absl::StrAppendFormat(&out, "mezzanine   %s\n", spec.mezzanine.file_path);
  if (report.mezzanine) {
    const storage::FileDigest& digest = report.mezzanine->digest;
    absl::StrAppendFormat(&out, "  file      %d bytes, MD5 %s ok, XXH64 %s %s\n", digest.size_bytes,
                          digest.md5_hex, digest.xxh64_hex,
                          spec.mezzanine.checksum_xxh64.empty() ? "(not in manifest)" : "ok");
    absl::StrAppendFormat(
        &out, "  video     %s%s %dx%d %.3f fps %s, %.3f s, %d kbps\n", source->video_codec_name,
        source->video_codec_profile.empty() ? "" : " (" + source->video_codec_profile + ")",
        source->width, source->height, source->frame_rate.ToDouble(), source->pixel_format,
        source->duration_seconds(), source->bit_rate_bps / 1000);
    absl::StrAppendFormat(&out, "  picture   shown %dx%d (SAR %d:%d, %.3f:1), %s\n",
                          source->display_width(), source->height, source->sample_aspect_ratio.num,
                          source->sample_aspect_ratio.den, source->display_aspect(),
                          source->field_order_summary());
  }
  for (const AudioTrackSpec& track : spec.audio_tracks) {
    absl::StrAppend(&out, "  audio     ", AudioLine(track, source), "\n");
  }
  for (const SubtitleTrackSpec& track : spec.subtitle_tracks) {
    absl::StrAppendFormat(&out, "  subtitle  %s \"%s\" %s %s%s\n", track.language, track.label,
                          track.format, track.file_path, track.is_default ? " (default)" : "");
  }
  absl::StrAppendFormat(&out, "warnings    %d\n", report.manifest->warnings.size());
  for (const std::string& warning : report.manifest->warnings) {
    absl::StrAppend(&out, "  - ", warning, "\n");
  }
  if (report.ladder) {
    absl::StrAppendFormat(&out, "ladder      %d renditions (profile version %s, environment %s)\n",
                          report.ladder->size(), settings.profile.version, settings.environment);
    for (const Rendition& r : *report.ladder) {
      absl::StrAppendFormat(&out, "  %-11s %4dx%-4d %5d kbps (max %d, buffer %d kbit) %s crf %d\n",
                            r.name, r.width, r.height, r.bitrate_kbps, r.maxrate_kbps,
                            r.bufsize_kbit, r.codec_profile, r.crf);
    }
    for (const AudioRendition& a : report.audio) {
      absl::StrAppendFormat(&out, "  %-11s %d ch %4d kbps AAC-LC from stream %d (%s)%s\n", a.name,
                            a.channels, a.bitrate_kbps, a.track_index, a.label,
                            a.is_default ? ", default" : "");
    }
    absl::StrAppendFormat(&out, "job key     %s\n", report.job_key);
  }
  return out;
}

nlohmann::json FormatCheckJson(const pipeline::CheckReport& report, const Settings& settings) {
  nlohmann::json json;
  json["ok"] = report.ok();
  json["environment"] = settings.environment;
  if (!report.ok()) {
    json["failed_step"] = FailedStepName(report);
    json["error"] = {{"code", absl::StatusCodeToString(report.status.code())},
                     {"problems", ProblemLines(report.status)}};
  }
  if (report.manifest) {
    json["manifest_id"] = report.manifest->spec.manifest_id;
    json["warnings"] = report.manifest->warnings;
  }
  if (report.mezzanine) {
    const storage::FileDigest& digest = report.mezzanine->digest;
    const SourceInfo& source = report.mezzanine->source;
    json["mezzanine"] = {
        {"size_bytes", digest.size_bytes}, {"md5", digest.md5_hex}, {"xxh64", digest.xxh64_hex}};
    nlohmann::json audio = nlohmann::json::array();
    for (const ProbedAudioStream& stream : source.audio_streams) {
      audio.push_back({{"stream_index", stream.stream_index},
                       {"codec", stream.codec_name},
                       {"channels", stream.channels},
                       {"sample_rate_hz", stream.sample_rate_hz},
                       {"language", stream.language}});
    }
    json["source"] = {
        {"format", source.format_name},
        {"duration_seconds", source.duration_seconds()},
        {"bit_rate_bps", source.bit_rate_bps},
        {"video_codec", source.video_codec_name},
        {"video_profile", source.video_codec_profile},
        {"pixel_format", source.pixel_format},
        {"width", source.width},
        {"height", source.height},
        {"sample_aspect_ratio",
         absl::StrCat(source.sample_aspect_ratio.num, ":", source.sample_aspect_ratio.den)},
        {"display_width", source.display_width()},
        {"display_aspect", source.display_aspect()},
        {"field_order", source.field_order_summary()},
        {"frame_rate", absl::StrCat(source.frame_rate.num, "/", source.frame_rate.den)},
        {"audio_streams", audio}};
  }
  if (report.ladder) {
    nlohmann::json ladder = nlohmann::json::array();
    for (const Rendition& r : *report.ladder) {
      ladder.push_back({{"name", r.name},
                        {"codec", std::string(VideoCodecName(r.codec))},
                        {"width", r.width},
                        {"height", r.height},
                        {"bitrate_kbps", r.bitrate_kbps},
                        {"maxrate_kbps", r.maxrate_kbps},
                        {"bufsize_kbit", r.bufsize_kbit},
                        {"crf", r.crf},
                        {"profile", r.codec_profile}});
    }
    json["ladder"] = ladder;
    nlohmann::json audio = nlohmann::json::array();
    for (const AudioRendition& a : report.audio) {
      audio.push_back({{"name", a.name},
                       {"track_index", a.track_index},
                       {"language", a.language},
                       {"label", a.label},
                       {"default", a.is_default},
                       {"channels", a.channels},
                       {"bitrate_kbps", a.bitrate_kbps}});
    }
    json["audio"] = audio;
    json["job_key"] = report.job_key;
  }
  return json;
}

}  // namespace atp::app
