// atp/storage/open_beneath.h
//
// Opening paths beneath a folder held open, so that nothing outside it is ever opened: the
// confinement validate/package_files.cc introduced, moved here for the local BlobStore. It
// uses only core and the C library, and returns errno values for each caller to map once.
#ifndef ATP_STORAGE_OPEN_BENEATH_H_
#define ATP_STORAGE_OPEN_BENEATH_H_

#include <string>
#include <string_view>
#include <utility>

namespace atp::storage {

// Owns one file descriptor (-1 for none) and closes it.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// How a path is held beneath its root. kOpenat2 is openat2(RESOLVE_BENEATH |
// RESOLVE_NO_MAGICLINKS) and falls back to kProcFd by itself where the kernel lacks openat2
// (ENOSYS, before Linux 5.6). kProcFd opens with O_PATH (which opens nothing for reading),
// checks where /proc/self/fd/N resolves to, and only then opens that same file for reading;
// tests select it to cover the fallback.
enum class Confinement { kOpenat2, kProcFd };

// What the folder `fd` really is (realpath of /proc/self/fd/N); "" when /proc cannot be
// read, and then kProcFd refuses every open (EACCES).
[[nodiscard]] std::string RealPathOfFd(int fd);

// A descriptor, or the errno value of the failure.
struct OpenResult {
  UniqueFd fd;
  int error = 0;  // 0 when fd is valid.
};

// Opens `relative_path` ("" for the root itself; no leading '/', no NUL) beneath the folder
// `root_fd` (its real path as RealPathOfFd gives it) with `flags` (O_RDONLY, maybe
// O_DIRECTORY), adding O_NONBLOCK | O_CLOEXEC | O_NOCTTY: a FIFO opens at once, nothing
// becomes a controlling terminal or leaks into a child. Symlinks are followed while they
// stay beneath the root. Nothing outside the root is opened for reading, not even for a
// moment (kProcFd locates it with O_PATH, which reads nothing and raises no IN_OPEN).
// Errors: EXDEV when the path leaves the root (a symlink or ".." out; with openat2 also an
// absolute symlink, even one pointing inside), ELOOP for a symlink loop or a /proc magic
// link, ENOENT/ENOTDIR, EACCES, ... With kProcFd and without O_DIRECTORY, anything but a
// regular file is never opened for reading: its O_PATH descriptor is returned, which the
// caller's fstat finds of the wrong type; with O_DIRECTORY a non-folder is ENOTDIR.
[[nodiscard]] OpenResult OpenBeneath(int root_fd, std::string_view root_real_path,
                                     std::string_view relative_path, int flags,
                                     Confinement confinement);

// A folder descriptor, or where and why walking to it failed.
struct FolderResult {
  UniqueFd fd;     // O_PATH | O_DIRECTORY, when error == 0.
  int error = 0;   // ENOENT (missing, without create), ENOTDIR (a segment is not a folder),
                   // ELOOP (a segment is a symlink), or what mkdirat/openat said.
  std::string at;  // The relative path of the segment that failed.
};

// Opens the folder `relative_path` ('/'-separated segments, none empty, "." or "..";
// "" for the root) beneath `root_fd` one segment at a time, following no symlink at all
// (O_NOFOLLOW), so it can never leave the root. With `create`, makes missing folders
// (mode 0777 less the umask).
[[nodiscard]] FolderResult OpenFolderNoFollow(int root_fd, std::string_view relative_path,
                                              bool create);

}  // namespace atp::storage

#endif  // ATP_STORAGE_OPEN_BENEATH_H_
