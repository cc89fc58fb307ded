#include "atp/validate/segment_index.h"

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/validate/byte_reader.h"
#include "atp/validate/mp4_box.h"

namespace atp::validate {

absl::StatusOr<SegmentIndex> ParseSegmentIndex(std::string_view bytes) {
  ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> boxes, ParseBoxes(bytes));
  if (boxes.size() != 1 || boxes.front().type != "sidx") {
    return absl::InvalidArgumentError("the index range does not hold exactly one 'sidx' box");
  }
  ByteReader reader(boxes.front().payload);
  const uint8_t version = reader.U8();
  reader.Skip(3);  // flags
  reader.Skip(4);  // reference_ID
  SegmentIndex index;
  index.timescale = reader.U32();
  index.earliest_presentation_time = version == 0 ? reader.U32() : reader.U64();
  index.first_offset = version == 0 ? reader.U32() : reader.U64();
  reader.Skip(2);  // reserved
  const uint16_t count = reader.U16();
  if (!reader.ok() || index.timescale == 0) {
    return absl::InvalidArgumentError("'sidx': truncated header or a zero timescale");
  }
  if (reader.remaining() < uint64_t{count} * 12) {
    return absl::InvalidArgumentError(absl::StrCat("'sidx': ", count,
                                                   " references do not fit in its ",
                                                   reader.remaining(), " remaining bytes"));
  }
  for (uint16_t i = 0; i < count; ++i) {
    const uint32_t type_and_size = reader.U32();
    const uint32_t duration = reader.U32();
    const uint32_t sap = reader.U32();
    index.references.push_back({.references_index = (type_and_size >> 31) != 0,
                                .size = type_and_size & 0x7fffffff,
                                .duration = duration,
                                .starts_with_sap = (sap >> 31) != 0});
  }
  return index;
}

}  // namespace atp::validate
