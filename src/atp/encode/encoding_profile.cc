#include "atp/encode/encoding_profile.h"

#include <cmath>
#include <functional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "atp/core/status_macros.h"
#include "atp/core/usable_cpus.h"

namespace atp::encode {
namespace {

absl::StatusOr<bool> ParseSwitch(const std::string& name, const std::string& value) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  if (lower == "true" || lower == "yes" || lower == "1") return true;
  if (lower == "false" || lower == "no" || lower == "0" || lower.empty()) return false;
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": expected true/yes/1 or false/no/0, got '", value, "'"));
}

void CheckRungs(std::string_view codec, const VideoCodecSettings& settings, int max_crf,
                std::vector<std::string>& problems) {
  const std::string codec_name(codec);
  if (settings.crf < 0 || settings.crf > max_crf) {
    problems.push_back(
        absl::StrCat(codec_name, ".crf: expected 0-", max_crf, ", got ", settings.crf));
  }
  if (settings.preset.empty()) problems.push_back(absl::StrCat(codec_name, ".preset: empty"));
  for (size_t i = 0; i < settings.rungs.size(); ++i) {
    const RungFigure& rung = settings.rungs[i];
    const std::string where = absl::StrCat(codec_name, ".rungs[", i + 1, "]");
    if (rung.height < 144 || rung.height > 4320 || rung.height % 2 != 0) {
      problems.push_back(
          absl::StrCat(where, ".height: expected an even number 144-4320, got ", rung.height));
    }
    if (rung.bitrate_kbps <= 0 || rung.bitrate_kbps > 200000) {
      problems.push_back(
          absl::StrCat(where, ".bitrate_kbps: expected 1-200000, got ", rung.bitrate_kbps));
    }
    if (i > 0 && rung.height >= settings.rungs[i - 1].height) {
      problems.push_back(absl::StrCat(where, ".height: rungs must be listed highest first"));
    }
  }
}

// SVT-AV1's preset is a number 0-13 and its tune 0 or 1 (libsvtav1 takes them as text).
void CheckAv1Settings(const VideoCodecSettings& settings, std::vector<std::string>& problems) {
  int preset = -1;
  if (!absl::SimpleAtoi(settings.preset, &preset) || preset < 0 || preset > 13) {
    problems.push_back(absl::StrCat("av1.preset: expected 0 (slowest) to 13 (fastest), got \"",
                                    settings.preset, "\""));
  }
  if (!settings.tune.empty() && settings.tune != "0" && settings.tune != "1") {
    problems.push_back(
        absl::StrCat("av1.tune: expected \"\", \"0\" (visual quality) or \"1\" (PSNR), got \"",
                     settings.tune, "\""));
  }
}

}  // namespace

absl::StatusOr<EncodingProfile> ApplyEnvironmentSwitches(
    const std::map<std::string, std::string>& environment, EncodingProfile base) {
  if (auto it = environment.find("ENABLE_H265"); it != environment.end()) {
    ATP_ASSIGN_OR_RETURN(base.enable_h265, ParseSwitch(it->first, it->second));
  }
  if (auto it = environment.find("ENABLE_AV1"); it != environment.end()) {
    ATP_ASSIGN_OR_RETURN(base.enable_av1, ParseSwitch(it->first, it->second));
  }
  if (auto it = environment.find("ENABLE_DASH"); it != environment.end()) {
    ATP_ASSIGN_OR_RETURN(base.enable_dash, ParseSwitch(it->first, it->second));
  }
  return base;
}

absl::Status ValidateProfile(const EncodingProfile& profile) {
  std::vector<std::string> problems;
  if (profile.version.empty()) problems.push_back("version: empty");
  if (profile.h264.rungs.empty()) problems.push_back("h264.rungs: at least one rung is needed");
  CheckRungs("h264", profile.h264, 51, problems);
  CheckRungs("h265", profile.h265, 51, problems);
  if (profile.enable_h265 && profile.h265.rungs.empty()) {
    problems.push_back("h265.rungs: H.265 is enabled but has no rungs");
  }
  CheckRungs("av1", profile.av1, 63, problems);
  CheckAv1Settings(profile.av1, problems);
  if (profile.enable_av1 && profile.av1.rungs.empty()) {
    problems.push_back("av1.rungs: AV1 is enabled but has no rungs");
  }
  if (profile.maxrate_factor < 1.0 || profile.maxrate_factor > 4.0) {
    problems.push_back(
        absl::StrCat("video.maxrate_factor: expected 1-4, got ", profile.maxrate_factor));
  }
  if (profile.bufsize_factor < 0.5 || profile.bufsize_factor > 8.0) {
    problems.push_back(
        absl::StrCat("video.bufsize_factor: expected 0.5-8, got ", profile.bufsize_factor));
  }
  if (profile.keyframe_interval_seconds < 0.5 || profile.keyframe_interval_seconds > 10) {
    problems.push_back(absl::StrCat("video.keyframe_interval_seconds: expected 0.5-10, got ",
                                    profile.keyframe_interval_seconds));
  } else {
    const double ratio = profile.segment_seconds / profile.keyframe_interval_seconds;
    if (ratio < 1 || std::abs(ratio - std::round(ratio)) > 1e-9) {
      problems.push_back(absl::StrCat(
          "video.segment_seconds: must be a whole multiple of keyframe_interval_seconds (",
          profile.keyframe_interval_seconds, "), got ", profile.segment_seconds));
    }
    const double chunk_ratio = profile.chunk_seconds / profile.segment_seconds;
    if (chunk_ratio < 1 || std::abs(chunk_ratio - std::round(chunk_ratio)) > 1e-9) {
      problems.push_back(
          absl::StrCat("video.chunk_seconds: must be a whole multiple of segment_seconds (",
                       profile.segment_seconds, "), got ", profile.chunk_seconds));
    }
  }
  if (profile.deinterlace != "auto" && profile.deinterlace != "on" &&
      profile.deinterlace != "off") {
    problems.push_back(
        absl::StrCat("video.deinterlace: expected \"auto\", \"on\" or \"off\", got \"",
                     profile.deinterlace, "\""));
  }
  if (profile.ladder != "fixed" && profile.ladder != "auto") {
    problems.push_back(
        absl::StrCat("video.ladder: expected \"fixed\" or \"auto\", got \"", profile.ladder, "\""));
  }
  if (profile.deinterlace_rate != "frame" && profile.deinterlace_rate != "field") {
    problems.push_back(
        absl::StrCat("video.deinterlace_rate: expected \"frame\" or \"field\", got \"",
                     profile.deinterlace_rate, "\""));
  }
  if (profile.threads < 0 || profile.threads > 256) {
    problems.push_back(
        absl::StrCat("video.threads: expected 0 (the machine's) to 256, got ", profile.threads));
  }
  if (profile.audio_bitrate_kbps < 32 || profile.audio_bitrate_kbps > 512) {
    problems.push_back(
        absl::StrCat("audio.bitrate_kbps: expected 32-512, got ", profile.audio_bitrate_kbps));
  }
  if (profile.audio_sample_rate_hz != 44100 && profile.audio_sample_rate_hz != 48000) {
    problems.push_back(absl::StrCat("audio.sample_rate_hz: expected 44100 or 48000, got ",
                                    profile.audio_sample_rate_hz));
  }
  if (profile.audio_channels < 1 || profile.audio_channels > 2) {
    problems.push_back(
        absl::StrCat("audio.channels: expected 1 or 2, got ", profile.audio_channels));
  }
  if (profile.audio_surround_bitrate_kbps < 128 || profile.audio_surround_bitrate_kbps > 640) {
    problems.push_back(absl::StrCat("audio.surround_bitrate_kbps: expected 128-640, got ",
                                    profile.audio_surround_bitrate_kbps));
  }
  if (profile.audio_loudness != "off" && FindLoudnessStandard(profile.audio_loudness) == nullptr) {
    problems.push_back(absl::StrCat("audio.loudness: expected atsc, ebu, streaming or off, got '",
                                    profile.audio_loudness, "'"));
  }
  if (!(profile.audio_loudness_target >= -40 && profile.audio_loudness_target <= -10)) {
    problems.push_back(absl::StrCat("audio.loudness_target: expected -40 to -10 LUFS, got ",
                                    profile.audio_loudness_target));
  }
  if (!(profile.audio_true_peak_ceiling >= -9 && profile.audio_true_peak_ceiling <= 0)) {
    problems.push_back(absl::StrCat("audio.true_peak_ceiling: expected -9 to 0 dBTP, got ",
                                    profile.audio_true_peak_ceiling));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
}

std::string CanonicalProfileText(const EncodingProfile& profile) {
  std::string text;
  auto line = [&text](std::string_view key, const auto& value) {
    absl::StrAppend(&text, std::string(key), "=", value, "\n");
  };
  auto codec = [&](std::string_view name, const VideoCodecSettings& settings) {
    const std::string prefix(name);
    std::vector<std::string> rungs;
    for (const RungFigure& rung : settings.rungs) {
      rungs.push_back(absl::StrCat(rung.height, ":", rung.bitrate_kbps));
    }
    line(prefix + ".rungs", absl::StrJoin(rungs, ","));
    line(prefix + ".crf", settings.crf);
    line(prefix + ".preset", settings.preset);
    line(prefix + ".tune", settings.tune);
  };
  line("version", profile.version);
  codec("h264", profile.h264);
  codec("h265", profile.h265);
  line("enable_h265", profile.enable_h265 ? "true" : "false");
  if (profile.enable_av1) {  // Absent when off: the text of a profile from before AV1.
    codec("av1", profile.av1);
    line("enable_av1", "true");
  }
  line("enable_dash", profile.enable_dash ? "true" : "false");
  // %.6g keeps decimal settings stable across platforms and free of float noise.
  line("video.maxrate_factor", absl::StrFormat("%.6g", profile.maxrate_factor));
  line("video.bufsize_factor", absl::StrFormat("%.6g", profile.bufsize_factor));
  line("video.keyframe_interval_seconds",
       absl::StrFormat("%.6g", profile.keyframe_interval_seconds));
  line("video.segment_seconds", absl::StrFormat("%.6g", profile.segment_seconds));
  line("video.chunk_seconds", absl::StrFormat("%.6g", profile.chunk_seconds));
  line("video.deinterlace", profile.deinterlace);
  line("video.deinterlace_rate", profile.deinterlace_rate);
  // Only when it is not the default, so the job keys of fixed-ladder jobs stay as they were.
  if (profile.ladder != "fixed") line("video.ladder", profile.ladder);
  line("video.inverse_telecine", profile.inverse_telecine ? "true" : "false");
  line("audio.bitrate_kbps", profile.audio_bitrate_kbps);
  line("audio.sample_rate_hz", profile.audio_sample_rate_hz);
  line("audio.channels", profile.audio_channels);
  line("audio.surround", profile.audio_surround ? "true" : "false");
  line("audio.surround_bitrate_kbps", profile.audio_surround_bitrate_kbps);
  line("audio.loudness", profile.audio_loudness);
  line("audio.loudness_target", absl::StrFormat("%.6g", profile.audio_loudness_target));
  line("audio.true_peak_ceiling", absl::StrFormat("%.6g", profile.audio_true_peak_ceiling));
  line("subtitles.split_signs", profile.subtitle_split_signs ? "true" : "false");
  return text;
}

const LoudnessStandard* FindLoudnessStandard(std::string_view name) {
  static constexpr LoudnessStandard kStandards[] = {
      {"atsc", -24.0, -2.0},
      {"ebu", -23.0, -1.0},
      {"streaming", -16.0, -1.0},
  };
  for (const LoudnessStandard& standard : kStandards) {
    if (standard.name == name) return &standard;
  }
  return nullptr;
}

bool NormalizesLoudness(const EncodingProfile& profile) { return profile.audio_loudness != "off"; }

int EncoderThreads(int flag, const EncodingProfile& profile) {
  if (flag > 0) return flag;
  if (profile.threads > 0) return profile.threads;
  return UsableCpuCount();
}

}  // namespace atp::encode
