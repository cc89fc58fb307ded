#include "atp/validate/byte_reader.h"

namespace atp::validate {

std::string_view ByteReader::Bytes(uint64_t count) {
  if (!ok_ || count > bytes_.size() - position_) {
    ok_ = false;
    return {};
  }
  std::string_view view = bytes_.substr(position_, count);
  position_ += count;
  return view;
}

uint64_t ByteReader::Read(int width) {
  std::string_view view = Bytes(width);
  uint64_t value = 0;
  for (char c : view) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}

}  // namespace atp::validate
