// atp/validate/bounded_file.h
#ifndef ATP_VALIDATE_BOUNDED_FILE_H_
#define ATP_VALIDATE_BOUNDED_FILE_H_

#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace atp::validate {

// Playlists and MPDs larger than this are refused unread.
inline constexpr uint64_t kMaxManifestFileBytes = 16ull << 20;
inline constexpr uint64_t kMaxSegmentBytes = 512ull << 20;

// The whole of `file`, refusing (InvalidArgument) one over `max_bytes` by its size before
// reading; NotFound when it does not exist.
[[nodiscard]] absl::StatusOr<std::string> ReadBoundedFile(const std::filesystem::path& file,
                                                          uint64_t max_bytes);

// `length` bytes of `file` from `offset` (at most `max_bytes`); InvalidArgument when the range
// runs past the end of the file, NotFound when the file does not exist.
[[nodiscard]] absl::StatusOr<std::string> ReadBoundedRange(const std::filesystem::path& file,
                                                           uint64_t offset, uint64_t length,
                                                           uint64_t max_bytes);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_BOUNDED_FILE_H_
