// atp/storage/atomic_file.h
//
// Whole-file writes that a reader, or a process killed midway, never sees half done.
#ifndef ATP_STORAGE_ATOMIC_FILE_H_
#define ATP_STORAGE_ATOMIC_FILE_H_

#include <filesystem>
#include <string_view>

#include "absl/status/status.h"

namespace atp::storage {

// Writes `bytes` to `<file>.partial`, then renames it over `file`: `file` holds its old
// content or all of the new. The folder must exist. Errors name the file (errno_status.h).
[[nodiscard]] absl::Status WriteFileAtomically(const std::filesystem::path& file,
                                               std::string_view bytes);

// Creates `dir` and its missing parents; OK when it exists. Errors as ErrnoToStatus maps them.
[[nodiscard]] absl::Status MakeDirectories(const std::filesystem::path& dir);

}  // namespace atp::storage

#endif  // ATP_STORAGE_ATOMIC_FILE_H_
