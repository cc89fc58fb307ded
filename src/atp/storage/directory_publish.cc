#include "atp/storage/directory_publish.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "atp/core/errno_status.h"
#include "atp/core/status_macros.h"

namespace atp::storage {

absl::StatusOr<std::filesystem::path> CreateStagingDirectory(
    const std::filesystem::path& final_dir) {
  std::error_code error;
  std::filesystem::create_directories(final_dir.parent_path(), error);
  if (error) return ErrnoToStatus(error.value(), final_dir.parent_path().string());
  std::string pattern = (final_dir.parent_path() /
                         absl::StrCat(".staging-", final_dir.filename().string(), "-XXXXXX"))
                            .string();
  if (mkdtemp(pattern.data()) == nullptr) return ErrnoToStatus(errno, pattern);
  return std::filesystem::path(pattern);
}

absl::Status PublishDirectory(const std::filesystem::path& staging_dir,
                              const std::filesystem::path& final_dir) {
  // RENAME_NOREPLACE makes "does it exist" and "rename" one atomic step.
  if (renameat2(AT_FDCWD, staging_dir.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_NOREPLACE) ==
      0) {
    return absl::OkStatus();
  }
  if (errno == EEXIST || errno == ENOTEMPTY) {
    return absl::AlreadyExistsError(absl::StrCat(final_dir.string(), " is already published"));
  }
  return ErrnoToStatus(errno, absl::StrCat("publishing ", final_dir.string()));
}

absl::Status MakeDirectories(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return ErrnoToStatus(error.value(), absl::StrCat("cannot create ", dir.string()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ListDirectory(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::directory_iterator entries(dir, error);
  if (error.value() == ENOENT) return std::vector<std::string>();
  std::vector<std::string> names;
  // increment(error), not ++: a read error mid-listing is a status, not an exception.
  for (; !error && entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    names.push_back(entries->path().filename().string());
  }
  if (error) return ErrnoToStatus(error.value(), absl::StrCat("cannot list ", dir.string()));
  return names;
}

absl::Status EmptyDirectory(const std::filesystem::path& dir) {
  ATP_ASSIGN_OR_RETURN(const std::vector<std::string> names, ListDirectory(dir));
  for (const std::string& name : names) ATP_RETURN_IF_ERROR(RemovePath(dir / name));
  return absl::OkStatus();
}

absl::Status RemovePath(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) return ErrnoToStatus(error.value(), absl::StrCat("cannot delete ", path.string()));
  return absl::OkStatus();
}

}  // namespace atp::storage
