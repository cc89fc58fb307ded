// atp/validate/av_start.h
//
// When each track of a package starts to be presented, read from its own boxes: the init
// segment's edit list and the first media segment's tfdt and trun composition offsets. The
// AV-START rule compares the audio tracks' starts with the video's.
#ifndef ATP_VALIDATE_AV_START_H_
#define ATP_VALIDATE_AV_START_H_

#include <optional>
#include <string>
#include <vector>

#include "atp/validate/init_segment.h"
#include "atp/validate/media_segment.h"
#include "atp/validate/validation_report.h"

namespace atp::validate {

// The presentation time, in seconds, of the first sample a track presents: the earliest
// composition time of its first fragment less the edit list's media_time, cut at 0 (an edit
// list presents nothing before its media_time: audio priming is not heard), after the
// initial empty edit, if any. REQUIRES: init.timescale > 0.
[[nodiscard]] double PresentationStartSeconds(const InitSegmentInfo& init,
                                              const FragmentInfo& first_fragment);

struct TrackStart {
  std::string where;  // The rendition, as findings name it.
  bool audio = false;
  int sample_rate_hz = 0;  // Audio.
  double seconds = 0;      // PresentationStartSeconds.
};

// AV-START findings over `starts`, against the first video track's start: a video track that
// starts elsewhere, an audio track whose start minus the video's differs from
// `expected_audio_offset_seconds` (the source's audio start minus its video start; 0 when
// not known). Tolerance: one AAC frame, 1024 samples at the audio's rate (48 kHz when it
// does not say): how finely an encoder can place audio. Nothing without a video track.
void CheckAvStart(const std::vector<TrackStart>& starts,
                  std::optional<double> expected_audio_offset_seconds, ValidationReport& report);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_AV_START_H_
