#include "atp/storage/directory_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "atp/core/errno_status.h"

namespace atp::storage {

absl::StatusOr<std::unique_ptr<DirectoryLock>> DirectoryLock::TryAcquire(
    const std::filesystem::path& dir) {
  // A holder may remove the folder (a failed job) or rename it (a published one) between our
  // open and our lock; then the lock we got is on a folder no longer at `dir`: try again.
  for (int attempt = 0; attempt < 10; ++attempt) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) return ErrnoToStatus(error.value(), absl::StrCat("cannot create ", dir.string()));
    // O_NOFOLLOW: a symlink planted at the name is refused (ENOTDIR), never locked and emptied.
    const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      return ErrnoToStatus(errno, dir.string());
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int lock_error = errno;
      close(fd);
      if (lock_error == EWOULDBLOCK) {
        return absl::UnavailableError(
            absl::StrCat(dir.string(),
                         " is locked by another process writing into it (another atp working "
                         "the same job, perhaps with another --state on the same --out)"));
      }
      if (lock_error == EBADF || lock_error == ENOLCK || lock_error == EOPNOTSUPP) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot lock ", dir.string(), ": ", std::strerror(lock_error),
            " (the output folder's filesystem does not support flock; use a local disk)"));
      }
      return ErrnoToStatus(lock_error, absl::StrCat("cannot lock ", dir.string()));
    }
    struct stat held {};
    struct stat named {};
    if (fstat(fd, &held) == 0 && stat(dir.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
        held.st_ino == named.st_ino) {
      return std::unique_ptr<DirectoryLock>(new DirectoryLock(fd));
    }
    close(fd);
  }
  return absl::UnavailableError(
      absl::StrCat(dir.string(), " keeps being replaced while it is locked"));
}

DirectoryLock::~DirectoryLock() { close(fd_); }

}  // namespace atp::storage
