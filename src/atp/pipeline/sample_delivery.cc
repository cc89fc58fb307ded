#include "atp/pipeline/sample_delivery.h"

#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/manifest/manifest_parser.h"
#include "atp/manifest/manifest_writer.h"
#include "atp/media/probe.h"
#include "atp/storage/atomic_file.h"
#include "atp/storage/file_digest.h"

namespace atp::pipeline {
namespace {

std::string LanguageLabel(const std::string& language) {
  static const std::map<std::string, std::string> kLabels = {
      {"ja", "日本語"},   {"en", "English"}, {"es", "Español"}, {"pt", "Português"},
      {"fr", "Français"}, {"de", "Deutsch"}, {"ko", "한국어"},  {"zh", "中文"},
      {"it", "Italiano"}, {"ru", "Русский"}};
  auto it = kLabels.find(language);
  return it == kLabels.end() ? language : it->second;
}

// "H:MM:SS.cc" (ASS) or "HH:MM:SS,mmm" (SRT) for `seconds`.
std::string AssTime(int seconds) {
  return absl::StrFormat("%d:%02d:%02d.00", seconds / 3600, seconds / 60 % 60, seconds % 60);
}
std::string SrtTime(int seconds) {
  return absl::StrFormat("%02d:%02d:%02d,000", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

// A line every 3 s, shown for 2 s, over `duration_seconds` (at least one).
std::vector<int> CueStarts(double duration_seconds) {
  std::vector<int> starts = {0};
  for (int second = 3; second + 2 <= static_cast<int>(duration_seconds); second += 3) {
    starts.push_back(second);
  }
  return starts;
}

std::string SrtCues(double duration_seconds) {
  std::string srt;
  int number = 0;
  for (const int start : CueStarts(duration_seconds)) {
    ++number;
    absl::StrAppendFormat(&srt, "%d\n%s --> %s\n%sSample line %d%s\n\n", number, SrtTime(start),
                          SrtTime(start + 2), number == 1 ? "<i>" : "", number,
                          number == 1 ? "</i>" : "");
  }
  return srt;
}

// An anime-style ASS script at the picture's size: dialogue every 3 s (the first in italics)
// and a positioned sign, in a "Sign" style, over the whole programme.
std::string AssScript(double duration_seconds, int width, int height) {
  std::string ass = absl::StrFormat(
      "[Script Info]\nScriptType: v4.00+\nPlayResX: %d\nPlayResY: %d\n\n"
      "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
      "OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, "
      "Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
      "Style: Default,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,"
      "1,2,1,2,20,20,30,1\n"
      "Style: Sign,Arial,40,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,"
      "1,2,0,8,20,20,30,1\n\n"
      "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, "
      "Text\n",
      width, height);
  const int end = std::max(1, static_cast<int>(duration_seconds));
  absl::StrAppendFormat(&ass, "Dialogue: 1,%s,%s,Sign,,0,0,0,,{\\pos(%d,%d)}Shibuya Station\n",
                        AssTime(0), AssTime(end), width / 2, height / 10);
  int number = 0;
  for (const int start : CueStarts(duration_seconds)) {
    ++number;
    absl::StrAppendFormat(&ass, "Dialogue: 0,%s,%s,Default,Mika,0,0,0,,%sLínea de ejemplo %d\n",
                          AssTime(start), AssTime(start + 2), number == 1 ? "{\\i1}" : "", number);
  }
  return ass;
}

absl::Status WriteTextFile(const std::filesystem::path& file, const std::string& text) {
  ATP_RETURN_IF_ERROR(storage::MakeDirectories(file.parent_path()));
  return storage::WriteFileAtomically(file, text);
}

double RoundTo(double value, double step) { return std::round(value / step) * step; }

}  // namespace

absl::Status CheckSampleDeliveryOptions(const SampleDeliveryOptions& options) {
  const int width = options.media.width;
  const int height = options.media.height;
  if (width < manifest::kMinResolutionWidth || width > manifest::kMaxResolutionWidth ||
      height < manifest::kMinResolutionHeight || height > manifest::kMaxResolutionHeight) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sample size ", width, "x", height, ": a manifest accepts widths from ",
        manifest::kMinResolutionWidth, " to ", manifest::kMaxResolutionWidth, " and heights from ",
        manifest::kMinResolutionHeight, " to ", manifest::kMaxResolutionHeight,
        " (Mezzanine/ResolutionWidth, ResolutionHeight)"));
  }
  return media::ValidateSampleOptions(options.media);
}

absl::StatusOr<SampleDelivery> CreateSampleDelivery(const SampleDeliveryOptions& options,
                                                    const std::filesystem::path& dir) {
  ATP_RETURN_IF_ERROR(CheckSampleDeliveryOptions(options));
  const bool prores = options.media.codec == media::SampleCodec::kProRes;
  const std::string episode_code =
      absl::StrFormat("s%02de%02d", options.season_number, options.episode_number);
  const std::string mezzanine_path =
      absl::StrCat("mezzanines/", options.series_id, "/", episode_code, prores ? ".mov" : ".mp4");
  const std::string srt_path = absl::StrCat("subs/", episode_code, ".en.srt");
  const std::string ass_path = absl::StrCat("subs/", episode_code, ".es-419.ass");

  SampleDelivery delivery;
  delivery.mezzanine_file = dir / mezzanine_path;
  ATP_RETURN_IF_ERROR(storage::MakeDirectories(delivery.mezzanine_file.parent_path()));
  ATP_RETURN_IF_ERROR(media::WriteSampleMezzanine(options.media, delivery.mezzanine_file));
  ATP_ASSIGN_OR_RETURN(storage::FileDigest digest, storage::DigestFile(delivery.mezzanine_file));
  ATP_ASSIGN_OR_RETURN(SourceInfo source, media::ProbeMedia(delivery.mezzanine_file));
  ATP_RETURN_IF_ERROR(WriteTextFile(dir / srt_path, SrtCues(source.duration_seconds())));
  ATP_RETURN_IF_ERROR(WriteTextFile(
      dir / ass_path, AssScript(source.duration_seconds(), source.width, source.height)));

  JobSpec spec;
  spec.manifest_id = absl::StrCat(options.series_id, "-", episode_code, "-sample");
  spec.episode.series_id = options.series_id;
  spec.episode.series_title = options.series_title;
  spec.episode.season_number = options.season_number;
  spec.episode.episode_number = options.episode_number;
  spec.episode.episode_title = "Generated sample episode";
  spec.episode.duration_seconds = RoundTo(source.duration_seconds(), 0.001);
  spec.mezzanine.file_path = mezzanine_path;
  spec.mezzanine.checksum_md5 = digest.md5_hex;
  spec.mezzanine.checksum_xxh64 = digest.xxh64_hex;
  spec.mezzanine.file_size_bytes = digest.size_bytes;
  spec.mezzanine.duration_seconds = spec.episode.duration_seconds;
  spec.mezzanine.video_codec = prores ? "ProRes 422 HQ" : "H.264";
  spec.mezzanine.audio_codec = prores ? "PCM" : "AAC";
  spec.mezzanine.width = source.width;
  spec.mezzanine.height = source.height;
  spec.mezzanine.frame_rate = RoundTo(source.frame_rate.ToDouble(), 0.001);
  spec.mezzanine.bitrate_kbps = std::max<int64_t>(
      1, std::llround(digest.size_bytes * 8.0 / 1000.0 / source.duration_seconds()));
  spec.mezzanine.color_space = "BT.709";
  spec.mezzanine.bit_depth = prores ? 10 : 8;
  for (size_t i = 0; i < options.media.audio_languages.size(); ++i) {
    const std::string& language = options.media.audio_languages[i];
    spec.audio_tracks.push_back({language, LanguageLabel(language), /*is_default=*/i == 0,
                                 /*channels=*/2,
                                 /*track_index=*/static_cast<int>(i) + 1});
  }
  spec.subtitle_tracks.push_back(
      {"en", "English", srt_path, /*is_default=*/true, /*is_forced=*/false, "SRT"});
  spec.subtitle_tracks.push_back(
      {"es-419", "Español (Latinoamérica)", ass_path, /*is_default=*/false, false, "ASS"});

  delivery.manifest_file = dir / (spec.manifest_id + ".xml");
  ATP_RETURN_IF_ERROR(WriteTextFile(delivery.manifest_file, manifest::FormatManifest(spec)));
  return delivery;
}

}  // namespace atp::pipeline
