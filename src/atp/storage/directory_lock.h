// atp/storage/directory_lock.h
//
// An exclusive, advisory lock on a folder (flock on the folder itself), so two processes
// never write into one staging folder, even when they keep their jobs in different job
// databases. The lock dies with its process: a killed holder never leaves it stuck. It is the
// local BlobStore's PrefixLock (BlobStore::TryLock).
#ifndef ATP_STORAGE_DIRECTORY_LOCK_H_
#define ATP_STORAGE_DIRECTORY_LOCK_H_

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "atp/storage/blob_store.h"

namespace atp::storage {

class DirectoryLock : public PrefixLock {
 public:
  // Creates the folder `relative_path` ('/'-separated, "" for the root itself) beneath the
  // folder `root_fd` (and its parents) when missing and locks it, without waiting; `name`
  // names it in messages. Unavailable "<name> is locked by another process" when another
  // holds it; errors creating the folder as ErrnoToStatus maps them (PermissionDenied for a
  // read-only disk, ...). Neither the folder nor its parents may be symlinks
  // (PermissionDenied), so the lock never leaves the root. Removing or renaming the folder
  // later keeps the lock, on the folder's inode.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DirectoryLock>> TryAcquireBeneath(
      int root_fd, std::string_view relative_path, const std::string& name);

  ~DirectoryLock() override;  // Unlocks.
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}

  int fd_;
};

}  // namespace atp::storage

#endif  // ATP_STORAGE_DIRECTORY_LOCK_H_
