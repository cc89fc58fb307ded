// atp/validate/init_segment.h
//
// What a CMAF/fMP4 init segment declares, read from its boxes (not from any playlist).
#ifndef ATP_VALIDATE_INIT_SEGMENT_H_
#define ATP_VALIDATE_INIT_SEGMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::validate {

struct InitSegmentInfo {
  std::string major_brand;
  std::vector<std::string> compatible_brands;
  std::string handler;  // "vide" or "soun".
  uint32_t track_id = 0;
  uint32_t timescale = 0;    // mdhd.
  std::string sample_entry;  // "avc1", "avc3", "hvc1", "hev1", "av01", "mp4a", ...
  std::string codecs;        // RFC 6381, derived from avcC / hvcC / av1C / esds.
  int width = 0;             // Visual sample entries.
  int height = 0;
  // The shape of a pixel (pasp: hSpacing / vSpacing); 1:1 without a pasp box.
  uint32_t pixel_aspect_h = 1;
  uint32_t pixel_aspect_v = 1;
  // The first non-empty edit's media_time (moov/trak/edts/elst), in mdhd ticks: how far the
  // presentation starts after decode time 0 (e.g. AAC priming). 0 without an edit list.
  int64_t edit_media_time = 0;
  // How long an initial empty edit (media_time -1) delays the presentation, in seconds (its
  // segment_duration is in the movie's timescale, mvhd). 0 without one.
  double empty_edit_seconds = 0;
  // Audio: AAC's AudioSpecificConfig channel count (an MP4 sample entry says 2 for any
  // layout), else the sample entry's channelcount.
  int channels = 0;
  int sample_rate_hz = 0;
};

// Parses ftyp and moov (mvex must be present: fragmented). InvalidArgument names the missing
// or malformed box; an unknown sample entry leaves `codecs` as the entry type alone.
[[nodiscard]] absl::StatusOr<InitSegmentInfo> ParseInitSegment(std::string_view bytes);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_INIT_SEGMENT_H_
