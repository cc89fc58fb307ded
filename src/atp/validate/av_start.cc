#include "atp/validate/av_start.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace atp::validate {

double PresentationStartSeconds(const InitSegmentInfo& init, const FragmentInfo& first_fragment) {
  const int64_t earliest = static_cast<int64_t>(first_fragment.base_media_decode_time) +
                           first_fragment.earliest_composition_offset - init.edit_media_time;
  return init.empty_edit_seconds +
         static_cast<double>(std::max<int64_t>(earliest, 0)) / init.timescale;
}

void CheckAvStart(const std::vector<TrackStart>& starts,
                  std::optional<double> expected_audio_offset_seconds, ValidationReport& report) {
  auto video = std::find_if(starts.begin(), starts.end(),
                            [](const TrackStart& start) { return !start.audio; });
  if (video == starts.end()) return;
  const double expected = expected_audio_offset_seconds.value_or(0);
  for (const TrackStart& start : starts) {
    if (&start == &*video) continue;
    const double tolerance = 1024.0 / (start.sample_rate_hz > 0 ? start.sample_rate_hz : 48000);
    const double offset = start.seconds - video->seconds;
    const double wanted = start.audio ? expected : 0;
    if (std::abs(offset - wanted) <= tolerance + 1e-9) continue;
    report.Add("AV-START", start.where,
               absl::StrFormat("%s starts at %.4f s, the video (%s) at %.4f s: %+.1f ms, expected "
                               "%+.1f ms (%s) within %.1f ms",
                               start.audio ? "the audio" : "this video", start.seconds,
                               video->where, video->seconds, offset * 1000, wanted * 1000,
                               !start.audio                    ? "every video track starts together"
                               : expected_audio_offset_seconds ? "the source's"
                                                               : "no source given",
                               tolerance * 1000));
  }
}

}  // namespace atp::validate
