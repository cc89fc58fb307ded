#include "atp/storage/pinned_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "atp/core/errno_status.h"
#include "atp/core/status_macros.h"

namespace atp::storage {
namespace {

FileIdentity IdentityOf(const struct stat& info) {
  return {.device = static_cast<uint64_t>(info.st_dev),
          .inode = static_cast<uint64_t>(info.st_ino),
          .size_bytes = static_cast<int64_t>(info.st_size),
          .mtime_ns = int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec,
          .ctime_ns = int64_t{info.st_ctim.tv_sec} * 1'000'000'000 + info.st_ctim.tv_nsec};
}

}  // namespace

std::string DescribeIdentityChange(const FileIdentity& before, const FileIdentity& after) {
  std::vector<std::string> changes;
  if (before.device != after.device || before.inode != after.inode) {
    changes.push_back(absl::StrCat("inode ", before.inode, " -> ", after.inode, " (replaced)"));
  }
  if (before.size_bytes != after.size_bytes) {
    changes.push_back(absl::StrCat("size ", before.size_bytes, " -> ", after.size_bytes, " bytes"));
  }
  if (before.mtime_ns != after.mtime_ns) changes.push_back("modification time");
  if (before.ctime_ns != after.ctime_ns) changes.push_back("change time");
  return changes.empty() ? "unchanged" : absl::StrJoin(changes, ", ");
}

BlobVersion VersionOf(const FileIdentity& identity) {
  return {absl::StrCat(identity.device, ":", identity.inode, ":", identity.size_bytes, ":",
                       identity.mtime_ns, ":", identity.ctime_ns)};
}

absl::StatusOr<std::unique_ptr<PinnedFile>> PinnedFile::Open(const std::filesystem::path& path) {
  std::string name = path.string();
  // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
  const int fd = open(name.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, name);
  return Adopt(fd, std::move(name));
}

absl::StatusOr<std::unique_ptr<PinnedFile>> PinnedFile::Adopt(int fd, std::string name) {
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    const int error = errno;
    close(fd);
    return ErrnoToStatus(error, name);
  }
  if (!S_ISREG(info.st_mode)) {
    close(fd);
    return WithOpenRefusal(
        absl::FailedPreconditionError(
            absl::StrCat(name, ": not a regular file (", FileTypeName(info.st_mode), ")")),
        {.reason = OpenRefusal::Reason::kNotAnObject, .what = FileTypeName(info.st_mode)});
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<PinnedFile>(new PinnedFile(fd, std::move(name), IdentityOf(info)));
}

PinnedFile::~PinnedFile() { close(fd_); }

absl::StatusOr<FileIdentity> PinnedFile::CurrentIdentity() const {
  struct stat info {};
  if (fstat(fd_, &info) != 0) return ErrnoToStatus(errno, name_);
  return IdentityOf(info);
}

absl::StatusOr<BlobVersion> PinnedFile::CurrentVersion() const {
  ATP_ASSIGN_OR_RETURN(const FileIdentity identity, CurrentIdentity());
  return VersionOf(identity);
}

absl::StatusOr<int64_t> PinnedFile::Size() const {
  struct stat info {};
  if (fstat(fd_, &info) != 0) return ErrnoToStatus(errno, name_);
  return static_cast<int64_t>(info.st_size);
}

absl::StatusOr<size_t> PinnedFile::ReadAt(int64_t offset, char* buffer, size_t size) const {
  size_t done = 0;
  while (done < size) {
    const ssize_t got = pread(fd_, buffer + done, size - done, offset + static_cast<int64_t>(done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, name_);
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

}  // namespace atp::storage
