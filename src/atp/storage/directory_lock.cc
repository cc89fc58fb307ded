#include "atp/storage/directory_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "absl/strings/str_cat.h"
#include "atp/core/errno_status.h"
#include "atp/storage/open_beneath.h"

namespace atp::storage {
namespace {

// The outcome of locking an open folder: the locked descriptor, or -1 to try again because
// the name no longer leads to the folder locked.
using Locked = absl::StatusOr<int>;

// Locks the open folder `fd` (taking it), named `name`, without waiting. `stat_name` stats
// what the folder's name leads to now (0 or -1): a holder may remove the folder (a failed
// job) or rename it (a published one) between our open and our lock, and then the lock we
// got is on a folder no longer there.
Locked LockOpenFolder(UniqueFd fd, const std::string& name,
                      const std::function<int(struct stat*)>& stat_name) {
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    const int lock_error = errno;
    if (lock_error == EWOULDBLOCK) {
      return absl::UnavailableError(
          absl::StrCat(name,
                       " is locked by another process writing into it (another atp working "
                       "the same job, perhaps with another --state on the same --out)"));
    }
    if (lock_error == EBADF || lock_error == ENOLCK || lock_error == EOPNOTSUPP) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot lock ", name, ": ", std::strerror(lock_error),
          " (the output folder's filesystem does not support flock; use a local disk)"));
    }
    return ErrnoToStatus(lock_error, absl::StrCat("cannot lock ", name));
  }
  struct stat held {};
  struct stat named {};
  if (fstat(fd.get(), &held) == 0 && stat_name(&named) == 0 && held.st_dev == named.st_dev &&
      held.st_ino == named.st_ino) {
    return fd.release();
  }
  return -1;
}

constexpr int kAttempts = 10;

absl::Status KeepsBeingReplaced(const std::string& name) {
  return absl::UnavailableError(absl::StrCat(name, " keeps being replaced while it is locked"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<DirectoryLock>> DirectoryLock::TryAcquireBeneath(
    int root_fd, std::string_view relative_path, const std::string& name) {
  const size_t slash = relative_path.rfind('/');
  const std::string_view parent =
      slash == std::string_view::npos ? std::string_view() : relative_path.substr(0, slash);
  const std::string last(slash == std::string_view::npos ? relative_path
                                                         : relative_path.substr(slash + 1));
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (relative_path.empty()) {  // The root itself, held open by the caller: never replaced.
      UniqueFd fd(openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!fd.valid()) return ErrnoToStatus(errno, name);
      const Locked locked = LockOpenFolder(
          std::move(fd), name, [&](struct stat* info) { return fstatat(root_fd, ".", info, 0); });
      if (!locked.ok()) return locked.status();
      if (*locked >= 0) return std::unique_ptr<DirectoryLock>(new DirectoryLock(*locked));
      continue;
    }
    FolderResult folder = OpenFolderNoFollow(root_fd, parent, /*create=*/true);
    int error = folder.error;
    std::string at = folder.at;  // What failed, relative to the root.
    UniqueFd fd;
    if (error == 0) {
      if (mkdirat(folder.fd.get(), last.c_str(), 0777) != 0 && errno != EEXIST) {
        return ErrnoToStatus(errno, absl::StrCat("cannot create ", name));
      }
      fd = UniqueFd(
          openat(folder.fd.get(), last.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      error = fd.valid() ? 0 : errno;
      at = std::string(relative_path);
      struct stat info {};
      if ((error == ENOTDIR || error == ELOOP) &&
          fstatat(folder.fd.get(), last.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0) {
        error = S_ISLNK(info.st_mode) ? ELOOP : ENOTDIR;
      }
    }
    if (error == ENOENT) continue;  // Removed between mkdirat and openat: again.
    if (error == ELOOP) {
      return absl::PermissionDeniedError(absl::StrCat(
          "cannot lock ", name, ": ", at, " is a symlink, which locking does not follow"));
    }
    if (error != 0) return ErrnoToStatus(error, absl::StrCat("cannot lock ", name));
    const Locked locked = LockOpenFolder(std::move(fd), name, [&](struct stat* info) {
      return fstatat(folder.fd.get(), last.c_str(), info, AT_SYMLINK_NOFOLLOW);
    });
    if (!locked.ok()) return locked.status();
    if (*locked >= 0) return std::unique_ptr<DirectoryLock>(new DirectoryLock(*locked));
  }
  return KeepsBeingReplaced(name);
}

DirectoryLock::~DirectoryLock() { close(fd_); }

}  // namespace atp::storage
