// atp/core/random_access_file.h
//
// RandomAccessFile: bytes read by position from something that is already open (a pinned
// local file today, an object in a store later). Media is demuxed through it, so what is read
// is what was opened and verified, never whatever a path names at the moment of reading.
#ifndef ATP_CORE_RANDOM_ACCESS_FILE_H_
#define ATP_CORE_RANDOM_ACCESS_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace atp {

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  // Names the file in messages (its path or key).
  [[nodiscard]] virtual const std::string& name() const = 0;

  // The size now. Unavailable on a transient error.
  [[nodiscard]] virtual absl::StatusOr<int64_t> Size() const = 0;

  // Reads up to `size` bytes at `offset` into `buffer` and returns how many it read: fewer
  // only at the end of the file, 0 at or past it. Safe to call from several threads at once.
  // Unavailable on a transient read error.
  [[nodiscard]] virtual absl::StatusOr<size_t> ReadAt(int64_t offset, char* buffer,
                                                      size_t size) const = 0;
};

}  // namespace atp

#endif  // ATP_CORE_RANDOM_ACCESS_FILE_H_
