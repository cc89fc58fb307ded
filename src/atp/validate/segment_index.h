// atp/validate/segment_index.h
//
// The Segment Index box (sidx, ISO/IEC 14496-12 8.16.3) that DASH SegmentBase addressing
// points at with @indexRange: where each subsegment lies in the file and how long it lasts.
#ifndef ATP_VALIDATE_SEGMENT_INDEX_H_
#define ATP_VALIDATE_SEGMENT_INDEX_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::validate {

struct SegmentIndex {
  uint32_t timescale = 0;
  uint64_t earliest_presentation_time = 0;
  // Of the first subsegment, from the first byte after the sidx box.
  uint64_t first_offset = 0;
  struct Reference {
    bool references_index = false;  // Points at another sidx rather than media.
    uint32_t size = 0;              // Bytes.
    uint32_t duration = 0;          // In `timescale`.
    bool starts_with_sap = false;
  };
  std::vector<Reference> references;
};

// Parses `bytes`, which must hold exactly one sidx box. InvalidArgument names what is wrong.
[[nodiscard]] absl::StatusOr<SegmentIndex> ParseSegmentIndex(std::string_view bytes);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_SEGMENT_INDEX_H_
