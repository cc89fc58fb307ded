#include "atp/validate/mp4_box.h"

#include "absl/strings/str_cat.h"
#include "atp/validate/byte_reader.h"

namespace atp::validate {
namespace {

// Box types are four bytes; show anything unprintable as '?'.
std::string PrintableType(std::string_view type) {
  std::string printable(type);
  for (char& c : printable) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return printable;
}

}  // namespace

absl::StatusOr<std::vector<Mp4Box>> ParseBoxes(std::string_view bytes, uint64_t base_offset) {
  std::vector<Mp4Box> boxes;
  ByteReader reader(bytes);
  while (reader.remaining() > 0) {
    const uint64_t start = reader.position();
    uint64_t size = reader.U32();
    const std::string_view type = reader.Bytes(4);
    if (!reader.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("box at offset ", base_offset + start,
                                                     ": truncated header (", bytes.size() - start,
                                                     " bytes left)"));
    }
    if (size == 1) {
      size = reader.U64();
    } else if (size == 0) {
      size = bytes.size() - start;
    }
    if (type == "uuid") reader.Skip(16);
    const uint64_t header = reader.position() - start;
    if (!reader.ok() || size < header || size - header > reader.remaining()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "box '", PrintableType(type), "' at offset ", base_offset + start, ": size ", size,
          " does not fit (header ", header, " bytes, ", bytes.size() - start, " bytes left)"));
    }
    boxes.push_back({std::string(type), base_offset + start, base_offset + start + header,
                     reader.Bytes(size - header)});
  }
  return boxes;
}

const Mp4Box* FindBox(const std::vector<Mp4Box>& boxes, std::string_view type) {
  for (const Mp4Box& box : boxes) {
    if (box.type == type) return &box;
  }
  return nullptr;
}

absl::StatusOr<std::vector<Mp4Box>> ParseChildren(const Mp4Box& parent, uint64_t header_bytes) {
  if (header_bytes > parent.payload.size()) {
    return absl::InvalidArgumentError(absl::StrCat("box '", parent.type, "' at offset ",
                                                   parent.offset, ": shorter than its fields"));
  }
  return ParseBoxes(parent.payload.substr(header_bytes), parent.payload_offset + header_bytes);
}

}  // namespace atp::validate
