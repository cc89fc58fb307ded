#include "atp/encode/audio_planner.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"

namespace atp::encode {

std::vector<AudioRendition> PlanAudioRenditions(const EncodingProfile& profile,
                                                const std::vector<AudioTrackSpec>& tracks,
                                                const SourceInfo& source) {
  std::vector<AudioRendition> renditions;
  std::map<std::string, int> language_uses;
  for (const AudioTrackSpec& track : tracks) {
    const int use = ++language_uses[track.language];
    AudioRendition main{
        .name = absl::StrCat("audio_", track.language, use > 1 ? absl::StrCat("_", use) : ""),
        .track_index = track.track_index,
        .language = track.language,
        .label = track.label,
        .is_default = track.is_default,
        .channels = profile.audio_channels,
        .bitrate_kbps = profile.audio_bitrate_kbps};
    const bool has_stream = track.track_index >= 1 &&
                            track.track_index <= static_cast<int>(source.audio_streams.size());
    const bool surround = profile.audio_surround && has_stream &&
                          source.audio_streams[track.track_index - 1].channels >= kSurroundChannels;
    renditions.push_back(main);
    if (!surround) continue;
    AudioRendition& surround_rendition = renditions.emplace_back(std::move(main));
    surround_rendition.name += "_51";
    surround_rendition.label += " 5.1";
    surround_rendition.is_default = false;
    surround_rendition.channels = kSurroundChannels;
    surround_rendition.bitrate_kbps = profile.audio_surround_bitrate_kbps;
  }
  return renditions;
}

}  // namespace atp::encode
