// atp/validate/media_segment.h
//
// What the movie fragments of a CMAF/fMP4 media segment say about their samples.
#ifndef ATP_VALIDATE_MEDIA_SEGMENT_H_
#define ATP_VALIDATE_MEDIA_SEGMENT_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::validate {

struct FragmentInfo {
  uint64_t offset = 0;                  // Of the moof box in the segment.
  uint32_t sequence_number = 0;         // mfhd.
  uint32_t track_id = 0;                // tfhd.
  uint64_t base_media_decode_time = 0;  // tfdt, in the track's timescale.
  uint32_t sample_count = 0;
  uint64_t duration_ticks = 0;  // Sum of the samples' durations.
  uint64_t sample_bytes = 0;    // Sum of the samples' sizes.
  bool first_sample_is_sync = false;
  // The first sample's composition time offset (trun, signed in version 1): its presentation
  // time is base_media_decode_time plus this.
  int64_t first_sample_composition_offset = 0;
  // The earliest composition time among the samples, relative to base_media_decode_time:
  // the smallest (decode offset in the fragment + composition offset).
  int64_t earliest_composition_offset = 0;
  uint64_t last_sample_duration = 0;  // Decodes at base_media_decode_time + duration - this.
};

// Reads every moof of `bytes` (one track per fragment, as CMAF requires). InvalidArgument
// names the box and offset of anything malformed: a moof without mfhd/traf/tfhd/tfdt/trun, a
// truncated table, a sample duration or size that is neither in the trun nor defaulted.
[[nodiscard]] absl::StatusOr<std::vector<FragmentInfo>> ParseMediaSegment(std::string_view bytes);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_MEDIA_SEGMENT_H_
