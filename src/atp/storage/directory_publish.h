// atp/storage/directory_publish.h
//
// Output is written into a staging folder and made visible all at once.
#ifndef ATP_STORAGE_DIRECTORY_PUBLISH_H_
#define ATP_STORAGE_DIRECTORY_PUBLISH_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::storage {

// Creates a new empty staging folder beside `final_dir` (same filesystem, so the publishing
// rename is atomic), creating `final_dir`'s parents. Its name starts with ".staging-".
[[nodiscard]] absl::StatusOr<std::filesystem::path> CreateStagingDirectory(
    const std::filesystem::path& final_dir);

// Renames `staging_dir` to `final_dir` in one step: readers see nothing or everything.
// AlreadyExists when `final_dir` exists (nothing is replaced).
[[nodiscard]] absl::Status PublishDirectory(const std::filesystem::path& staging_dir,
                                            const std::filesystem::path& final_dir);

// Creates `dir` and its missing parents; OK when it exists. Errors as ErrnoToStatus maps them.
[[nodiscard]] absl::Status MakeDirectories(const std::filesystem::path& dir);

// The names of the entries of `dir`, in no particular order; empty when `dir` does not exist.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ListDirectory(
    const std::filesystem::path& dir);

// Deletes everything inside `dir` but `dir` itself (whose inode may carry a DirectoryLock).
// OK when `dir` does not exist.
[[nodiscard]] absl::Status EmptyDirectory(const std::filesystem::path& dir);

// Deletes `path`, a file or a folder with everything in it; OK when it does not exist.
[[nodiscard]] absl::Status RemovePath(const std::filesystem::path& path);

}  // namespace atp::storage

#endif  // ATP_STORAGE_DIRECTORY_PUBLISH_H_
