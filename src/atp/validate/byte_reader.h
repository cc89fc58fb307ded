// atp/validate/byte_reader.h
//
// Bounds-checked big-endian reads over untrusted bytes. Every read either succeeds or leaves
// the reader failed; callers check ok() once after a group of reads.
#ifndef ATP_VALIDATE_BYTE_READER_H_
#define ATP_VALIDATE_BYTE_READER_H_

#include <cstdint>
#include <string_view>

namespace atp::validate {

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  // Each returns 0 (or an empty view) once the reader has failed or runs past the end.
  uint8_t U8() { return static_cast<uint8_t>(Read(1)); }
  uint16_t U16() { return static_cast<uint16_t>(Read(2)); }
  uint32_t U24() { return static_cast<uint32_t>(Read(3)); }
  uint32_t U32() { return static_cast<uint32_t>(Read(4)); }
  uint64_t U64() { return Read(8); }
  std::string_view Bytes(uint64_t count);
  void Skip(uint64_t count) { Bytes(count); }

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] uint64_t position() const { return position_; }
  [[nodiscard]] uint64_t remaining() const { return ok_ ? bytes_.size() - position_ : 0; }

 private:
  uint64_t Read(int width);

  std::string_view bytes_;
  uint64_t position_ = 0;
  bool ok_ = true;
};

}  // namespace atp::validate

#endif  // ATP_VALIDATE_BYTE_READER_H_
