// atp/encode/audio_planner.h
#ifndef ATP_ENCODE_AUDIO_PLANNER_H_
#define ATP_ENCODE_AUDIO_PLANNER_H_

#include <vector>

#include "atp/core/job_spec.h"
#include "atp/core/rendition.h"
#include "atp/core/source_info.h"
#include "atp/encode/encoding_profile.h"

namespace atp::encode {

// The channel count of a surround rendition: 5.1.
inline constexpr int kSurroundChannels = 6;

// Plans the audio renditions of `tracks` (the manifest's, in its order) for a source probed
// as `source`: for each track, one rendition at the profile's channels and bitrate named
// "audio_<language>" ("audio_<language>_<n>" for the n-th track of a language), default when
// the track is; then, when audio.surround is on and the track's source stream has 6 channels
// or more, one 5.1 rendition at audio.surround_bitrate_kbps named "<that name>_51", labelled
// "<label> 5.1", never the default. A track whose stream the source lacks gets its first
// rendition only (the transcode reports the missing stream).
[[nodiscard]] std::vector<AudioRendition> PlanAudioRenditions(
    const EncodingProfile& profile, const std::vector<AudioTrackSpec>& tracks,
    const SourceInfo& source);

}  // namespace atp::encode

#endif  // ATP_ENCODE_AUDIO_PLANNER_H_
