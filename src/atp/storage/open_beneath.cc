#include "atp/storage/open_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>  // struct open_how, RESOLVE_*
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace atp::storage {
namespace {

// Flags every open beneath a root carries: never block (a FIFO opens at once), never become
// the controlling terminal, never leak into a child.
constexpr int kOpenFlags = O_NONBLOCK | O_CLOEXEC | O_NOCTTY;

// Set once openat2 answered ENOSYS: the kernel will not grow it while we run.
std::atomic<bool> openat2_missing{false};

OpenResult Failed(int error) { return {UniqueFd(), error}; }

// Kernels without openat2: the file is opened with O_PATH, /proc/self/fd/N tells where it
// really is, and only a file beneath the root, of the type the caller wants, is opened again
// through that same link for reading.
OpenResult OpenWithProcFdCheck(int root_fd, std::string_view root_real_path, const char* path,
                               int flags) {
  if (root_real_path.empty()) return Failed(EACCES);  // /proc cannot be read.
  // A file renamed over or deleted between our O_PATH open and the check resolves to
  // "<path> (deleted)", which does not exist: the name now leads elsewhere, so look again.
  for (int attempt = 0; attempt < 10; ++attempt) {
    UniqueFd located(openat(root_fd, path, O_PATH | O_CLOEXEC));
    if (!located.valid()) return Failed(errno);
    const std::string link = absl::StrCat("/proc/self/fd/", located.get());
    char resolved[PATH_MAX];
    if (realpath(link.c_str(), resolved) == nullptr) {
      if (errno == ENOENT) continue;
      return Failed(errno);
    }
    const absl::string_view target(resolved);
    const absl::string_view root(root_real_path.data(), root_real_path.size());
    if (root != "/" && target != root && !absl::StartsWith(target, absl::StrCat(root, "/"))) {
      return Failed(EXDEV);
    }
    struct stat info {};
    if (fstat(located.get(), &info) != 0) return Failed(errno);
    if ((flags & O_DIRECTORY) != 0) {
      if (!S_ISDIR(info.st_mode)) return Failed(ENOTDIR);
    } else if (!S_ISREG(info.st_mode)) {
      return {std::move(located), 0};  // Not opened for reading; the caller's fstat refuses it.
    }
    UniqueFd opened(open(link.c_str(), flags | kOpenFlags));
    if (!opened.valid()) return Failed(errno);
    return {std::move(opened), 0};
  }
  return Failed(EAGAIN);  // Replaced again and again while we looked.
}

}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

std::string RealPathOfFd(int fd) {
  char resolved[PATH_MAX];
  const std::string link = absl::StrCat("/proc/self/fd/", fd);
  return realpath(link.c_str(), resolved) != nullptr ? resolved : "";
}

OpenResult OpenBeneath(int root_fd, std::string_view root_real_path, std::string_view relative_path,
                       int flags, Confinement confinement) {
  const std::string path = relative_path.empty() ? "." : std::string(relative_path);
  if (confinement == Confinement::kOpenat2 && !openat2_missing.load(std::memory_order_relaxed)) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | kOpenFlags);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd = -1;
    do {
      fd = syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof(how));
    } while (fd < 0 && errno == EINTR);
    if (fd >= 0) return {UniqueFd(static_cast<int>(fd)), 0};
    if (errno != ENOSYS) return Failed(errno);
    openat2_missing.store(true, std::memory_order_relaxed);  // Linux before 5.6.
  }
  return OpenWithProcFdCheck(root_fd, root_real_path, path.c_str(), flags);
}

FolderResult OpenFolderNoFollow(int root_fd, std::string_view relative_path, bool create) {
  FolderResult result;
  result.fd = UniqueFd(openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!result.fd.valid()) {
    result.error = errno;
    return result;
  }
  if (relative_path.empty()) return result;
  for (absl::string_view segment :
       absl::StrSplit(absl::string_view(relative_path.data(), relative_path.size()), '/')) {
    result.at = result.at.empty() ? std::string(segment) : absl::StrCat(result.at, "/", segment);
    const std::string name(segment);
    if (create && mkdirat(result.fd.get(), name.c_str(), 0777) != 0 && errno != EEXIST) {
      result.error = errno;
      result.fd = UniqueFd();
      return result;
    }
    // O_NOFOLLOW | O_PATH opens a symlink itself, which O_DIRECTORY then refuses (ENOTDIR).
    UniqueFd next(
        openat(result.fd.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) {
      result.error = errno;
      struct stat info {};
      if ((result.error == ENOTDIR || result.error == ELOOP) &&
          fstatat(result.fd.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0) {
        result.error = S_ISLNK(info.st_mode) ? ELOOP : ENOTDIR;
      }
      result.fd = UniqueFd();
      return result;
    }
    result.fd = std::move(next);
  }
  result.at.clear();
  return result;
}

}  // namespace atp::storage
