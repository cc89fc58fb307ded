#include "atp/core/packaged_media.h"

namespace atp {

int64_t PackagedTrack::duration_ticks() const {
  int64_t total = 0;
  for (const MediaSegment& segment : segments) total += segment.duration_ticks;
  return total;
}

double PackagedTrack::duration_seconds() const {
  return timescale == 0 ? 0.0 : static_cast<double>(duration_ticks()) / timescale;
}

double PackagedTrack::presented_seconds() const {
  if (timescale == 0) return 0.0;
  return static_cast<double>(duration_ticks() - presentation_offset_ticks) / timescale;
}

}  // namespace atp
