// atp/storage/file_digest.h
//
// One sequential pass over a file computes its size, MD5 and XXH64 together, so a
// multi-gigabyte mezzanine is read from disk once.
#ifndef ATP_STORAGE_FILE_DIGEST_H_
#define ATP_STORAGE_FILE_DIGEST_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "atp/core/random_access_file.h"

namespace atp::storage {

struct FileDigest {
  int64_t size_bytes = 0;
  std::string md5_hex;    // 32 lower-case hex digits.
  std::string xxh64_hex;  // 16 lower-case hex digits, XXH64 with seed 0 (canonical big-endian).

  bool operator==(const FileDigest&) const = default;
};

// Called after each chunk with the bytes read so far and the file's size when the pass began;
// a non-OK status stops the pass, which returns it.
using DigestProgress = std::function<absl::Status(int64_t bytes_done, int64_t bytes_total)>;

// Reads `file` once, start to end, in 1 MiB chunks. Past a couple of chunks, MD5 runs on a
// thread of its own while the calling thread reads and computes XXH64, with at most 4 MiB of
// chunks in flight; `progress` is always called on the calling thread, and no thread is left
// running when this returns.
[[nodiscard]] absl::StatusOr<FileDigest> DigestFile(const RandomAccessFile& file,
                                                    const DigestProgress& progress = nullptr);

// Opens `file` (PinnedFile::Open: NotFound, FailedPrecondition if it is not a regular file,
// never blocking on a FIFO) and digests it. Unavailable on a read error (see ErrnoToStatus).
[[nodiscard]] absl::StatusOr<FileDigest> DigestFile(const std::filesystem::path& file,
                                                    const DigestProgress& progress = nullptr);

// The same digests over bytes in memory.
[[nodiscard]] FileDigest DigestBytes(std::string_view bytes);

// SHA-256 of `bytes` as 64 lower-case hex digits.
[[nodiscard]] std::string Sha256Hex(std::string_view bytes);

}  // namespace atp::storage

#endif  // ATP_STORAGE_FILE_DIGEST_H_
