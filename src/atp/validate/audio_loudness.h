// atp/validate/audio_loudness.h
//
// The loudness of an audio rendition as a player hears it: its fMP4 init segment and media
// segments, joined in memory, demuxed and decoded by libavformat/libavcodec and metered by
// libebur128 (ITU-R BS.1770-4). Nothing of atp's own records is trusted.
#ifndef ATP_VALIDATE_AUDIO_LOUDNESS_H_
#define ATP_VALIDATE_AUDIO_LOUDNESS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "atp/core/audio_loudness.h"

namespace atp::validate {

// The loudness an AAC (or other decodable) fMP4 track decodes to, from its init segment
// followed by its media segments in `fmp4`. InvalidArgument when it cannot be demuxed, has no
// audio stream, or does not decode.
[[nodiscard]] absl::StatusOr<LoudnessMeasurement> MeasureFmp4AudioLoudness(std::string_view fmp4);

// What a package's audio is held to: its integrated loudness within `tolerance_lu` of
// `target_lufs`, its true peak at most `ceiling_dbtp` + `overshoot_db` (AAC coding lets
// peaks rise a little over what the encoder was fed).
struct LoudnessTarget {
  double target_lufs = -24;
  double ceiling_dbtp = -2;
  double tolerance_lu = 1.0;
  double overshoot_db = 0.5;
};

// The problems of `measured` against `target`, in a partner's words, e.g. "audio ja:
// integrated loudness -30.2 LUFS, expected -24 ±1"; empty when it meets it. A silent track
// (no integrated loudness) meets any target: silence is not normalized.
[[nodiscard]] std::vector<std::string> LoudnessProblems(std::string_view language,
                                                        const LoudnessMeasurement& measured,
                                                        const LoudnessTarget& target);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_AUDIO_LOUDNESS_H_
