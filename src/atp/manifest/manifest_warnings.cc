#include "atp/manifest/manifest_warnings.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace atp::manifest {
namespace {

constexpr double kUsualFrameRates[] = {23.976, 24, 25, 29.97, 30, 50, 59.94, 60};
constexpr const char* kUsualCodecs[] = {"prores",    "dnxhd",     "dnxhr", "xdcam",
                                        "avc-intra", "avc intra", "h.264", "h264",
                                        "avc",       "h.265",     "h265",  "hevc"};

}  // namespace

void AppendContentWarnings(const JobSpec& spec, std::vector<std::string>& warnings) {
  const MezzanineSpec& mezzanine = spec.mezzanine;
  std::set<std::string> languages;
  bool has_japanese = false;
  bool only_japanese = true;
  for (size_t i = 0; i < spec.audio_tracks.size(); ++i) {
    const std::string& language = spec.audio_tracks[i].language;
    has_japanese = has_japanese || language == "ja";
    only_japanese = only_japanese && language == "ja";
    if (!languages.insert(language).second) {
      warnings.push_back(absl::StrCat("AudioTracks/AudioTrack[", i + 1, "]/Language: '", language,
                                      "' is given to more than one audio track"));
    }
  }
  if (!has_japanese) warnings.push_back("AudioTracks: no Japanese (ja) audio track");
  if (spec.episode.is_dubbed && only_japanese) {
    warnings.push_back("Episode/IsDubbed: true, but the only audio is Japanese");
  }
  if (spec.subtitle_tracks.empty()) {
    warnings.push_back("SubtitleTracks: no subtitle tracks");
  } else if (std::none_of(spec.subtitle_tracks.begin(), spec.subtitle_tracks.end(),
                          [](const SubtitleTrackSpec& t) { return t.is_default; })) {
    warnings.push_back("SubtitleTracks: no subtitle track has IsDefault=true");
  }
  if (mezzanine.width < 720 || mezzanine.height < 480) {
    warnings.push_back(
        absl::StrCat("Mezzanine/ResolutionWidth, ResolutionHeight: ", mezzanine.width, "x",
                     mezzanine.height, " is below 720x480 (SD)"));
  } else if (mezzanine.width > 3840 || mezzanine.height > 2160) {
    warnings.push_back(
        absl::StrCat("Mezzanine/ResolutionWidth, ResolutionHeight: ", mezzanine.width, "x",
                     mezzanine.height, " is above 3840x2160 (UHD)"));
  }
  if (std::none_of(std::begin(kUsualFrameRates), std::end(kUsualFrameRates),
                   [&](double rate) { return std::abs(rate - mezzanine.frame_rate) <= 0.01; })) {
    warnings.push_back(absl::StrCat("Mezzanine/FrameRate: ", mezzanine.frame_rate,
                                    " fps is unusual (expected 23.976, 24, 25, 29.97, 30, 50, "
                                    "59.94 or 60)"));
  }
  const std::string codec = absl::AsciiStrToLower(mezzanine.video_codec);
  if (std::none_of(std::begin(kUsualCodecs), std::end(kUsualCodecs),
                   [&](const char* usual) { return codec.find(usual) != std::string::npos; })) {
    warnings.push_back(absl::StrCat("Mezzanine/VideoCodec: '", mezzanine.video_codec,
                                    "' is not a usual mezzanine codec (ProRes, DNxHD/HR, XDCAM, "
                                    "AVC-Intra, H.264, H.265)"));
  }
  if (spec.episode.duration_seconds < 60) {
    warnings.push_back(absl::StrCat("Episode/DurationSeconds: ", spec.episode.duration_seconds,
                                    " s is under 60 s"));
  } else if (spec.episode.duration_seconds > 7200) {
    warnings.push_back(absl::StrCat("Episode/DurationSeconds: ", spec.episode.duration_seconds,
                                    " s is over 2 hours"));
  }
  if (mezzanine.bitrate_kbps < 10000) {
    warnings.push_back(absl::StrCat("Mezzanine/BitrateKbps: ", mezzanine.bitrate_kbps,
                                    " kbps is low for a mezzanine (under 10000)"));
  }
  if (spec.episode.season_number > 50) {
    warnings.push_back(
        absl::StrCat("Episode/SeasonNumber: ", spec.episode.season_number, " is over 50"));
  }
  if (spec.episode.episode_number > 500) {
    warnings.push_back(
        absl::StrCat("Episode/EpisodeNumber: ", spec.episode.episode_number, " is over 500"));
  }
  if (mezzanine.file_path.find(spec.episode.series_id) == std::string::npos) {
    warnings.push_back(absl::StrCat("Mezzanine/FilePath: does not contain the SeriesId '",
                                    spec.episode.series_id, "'"));
  }
}

}  // namespace atp::manifest
