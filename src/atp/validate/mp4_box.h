// atp/validate/mp4_box.h
//
// ISO BMFF (ISO/IEC 14496-12) box framing over untrusted bytes: sizes are checked against
// what is there, so a box claiming 2^64 bytes is an error, never a read past the end.
#ifndef ATP_VALIDATE_MP4_BOX_H_
#define ATP_VALIDATE_MP4_BOX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::validate {

struct Mp4Box {
  std::string type;             // Four characters, e.g. "moov".
  uint64_t offset = 0;          // Of the box header, from the start of the file.
  uint64_t payload_offset = 0;  // Of the payload, from the start of the file.
  std::string_view payload;     // The bytes after the header (and a 'uuid' extended type).
};

// Splits `bytes` (found at `base_offset` in its file) into consecutive boxes, whose payloads
// are views into `bytes`: it must outlive them. A size of 0
// means "to the end"; a size of 1 means a 64-bit size follows. InvalidArgument names the
// offset and the type when a size is smaller than its header or larger than what remains.
[[nodiscard]] absl::StatusOr<std::vector<Mp4Box>> ParseBoxes(std::string_view bytes,
                                                             uint64_t base_offset = 0);

// The first child of `type` among `boxes`, or nullptr.
[[nodiscard]] const Mp4Box* FindBox(const std::vector<Mp4Box>& boxes, std::string_view type);

// Parses the children of `parent`, skipping `header_bytes` of its payload first (full boxes
// and sample entries carry fields before their children).
[[nodiscard]] absl::StatusOr<std::vector<Mp4Box>> ParseChildren(const Mp4Box& parent,
                                                                uint64_t header_bytes = 0);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_MP4_BOX_H_
