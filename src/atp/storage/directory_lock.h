// atp/storage/directory_lock.h
//
// An exclusive, advisory lock on a folder (flock on the folder itself), so two processes
// never write into one staging folder, even when they keep their jobs in different job
// databases. The lock dies with its process: a killed holder never leaves it stuck.
#ifndef ATP_STORAGE_DIRECTORY_LOCK_H_
#define ATP_STORAGE_DIRECTORY_LOCK_H_

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"

namespace atp::storage {

class DirectoryLock {
 public:
  // Creates `dir` (and its parents) when missing and locks it, without waiting. Unavailable
  // "<dir> is locked by another process" when another holds it; errors creating the folder
  // as ErrnoToStatus maps them (PermissionDenied for a read-only disk, ...). Removing or
  // renaming the folder later keeps the lock, on the folder's inode.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DirectoryLock>> TryAcquire(
      const std::filesystem::path& dir);

  ~DirectoryLock();  // Unlocks.
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace atp::storage

#endif  // ATP_STORAGE_DIRECTORY_LOCK_H_
