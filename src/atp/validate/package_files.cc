#include "atp/validate/package_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>  // struct open_how, RESOLVE_*
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "atp/core/errno_status.h"
#include "atp/core/status_macros.h"

namespace atp::validate {
namespace {

absl::string_view AsAbsl(std::string_view text) { return {text.data(), text.size()}; }

// Owns one file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~UniqueFd() {
    if (fd_ >= 0) close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Flags every open of a package file carries: never block (a FIFO opens at once), never
// become the controlling terminal, never leak into a child.
constexpr int kOpenFlags = O_NONBLOCK | O_CLOEXEC | O_NOCTTY;

// RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':', all before the
// first '/'. A relative reference cannot have a ':' there, so such a URI is never a path.
bool HasScheme(std::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > uri.find('/')) return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(uri[0]))) return false;
  return std::all_of(uri.begin(), uri.begin() + colon, [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
}

absl::Status LeavesPackage(std::string_view uri, std::string_view why) {
  return absl::PermissionDeniedError(
      absl::StrCat(AsAbsl(uri), " leaves the package (", AsAbsl(why), ")"));
}

// The status of a failed open of `uri` with `error` (an errno value).
absl::Status OpenError(int error, std::string_view uri) {
  switch (error) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(absl::StrCat(AsAbsl(uri), ": no such file"));
    case EXDEV:  // RESOLVE_BENEATH: a symlink on the way points outside, or is absolute.
      return LeavesPackage(uri, "a symlink on its way points outside it or is absolute");
    case ELOOP:  // Too many symlinks, or a /proc magic link (RESOLVE_NO_MAGICLINKS).
      return absl::PermissionDeniedError(absl::StrCat(AsAbsl(uri), ": symlink loop"));
    case ENXIO:  // A socket, or a device without a driver.
      return absl::PermissionDeniedError(absl::StrCat(AsAbsl(uri), " is not a regular file"));
    default:
      return absl::UnavailableError(absl::StrCat(AsAbsl(uri), ": ", std::strerror(error)));
  }
}

struct Root {
  int fd;
  const std::string& real_path;
  PackageFiles::Confinement& confinement;
};

// Kernels without openat2: the file is opened with O_PATH (which opens nothing for reading),
// /proc/self/fd/N tells where it really is, and only a file beneath the root, of the type the
// caller wants, is opened again through that same link for reading.
absl::StatusOr<UniqueFd> OpenWithProcFdCheck(const Root& root, const char* path,
                                             std::string_view uri, int flags) {
  UniqueFd located(openat(root.fd, path, O_PATH | O_CLOEXEC));
  if (located.get() < 0) return OpenError(errno, uri);
  const std::string link = absl::StrCat("/proc/self/fd/", located.get());
  char resolved[PATH_MAX];
  if (root.real_path.empty() || realpath(link.c_str(), resolved) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat(AsAbsl(uri), ": cannot check where it leads (/proc/self/fd is not readable)"));
  }
  const absl::string_view target(resolved);
  if (root.real_path != "/" && target != root.real_path &&
      !absl::StartsWith(target, absl::StrCat(root.real_path, "/"))) {
    return LeavesPackage(uri, "a symlink on its way points outside it");
  }
  struct stat info {};
  if (fstat(located.get(), &info) != 0) return OpenError(errno, uri);
  if ((flags & O_DIRECTORY) != 0 ? !S_ISDIR(info.st_mode) : !S_ISREG(info.st_mode)) {
    if ((flags & O_DIRECTORY) != 0) return OpenError(ENOTDIR, uri);
    return absl::PermissionDeniedError(absl::StrCat(AsAbsl(uri), " is not a regular file (",
                                                    FileTypeName(info.st_mode), ")"));
  }
  UniqueFd opened(open(link.c_str(), flags | kOpenFlags));
  if (opened.get() < 0) return OpenError(errno, uri);
  return opened;
}

// What `uri`, referenced from `folder`, names, opened with `flags` (O_RDONLY, maybe with
// O_DIRECTORY) without leaving the root.
absl::StatusOr<UniqueFd> OpenBeneath(const Root& root, std::string_view folder,
                                     std::string_view uri, int flags) {
  ATP_ASSIGN_OR_RETURN(const std::string resolved, PackageFiles::Resolve(folder, uri));
  const char* path = resolved.empty() ? "." : resolved.c_str();  // "" is the root itself.
  if (root.confinement == PackageFiles::Confinement::kOpenat2) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | kOpenFlags);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd = -1;
    do {
      fd = syscall(SYS_openat2, root.fd, path, &how, sizeof(how));
    } while (fd < 0 && errno == EINTR);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno != ENOSYS) return OpenError(errno, uri);
    root.confinement = PackageFiles::Confinement::kProcFd;  // Linux before 5.6.
  }
  return OpenWithProcFdCheck(root, path, uri, flags);
}

// A regular file's descriptor and size.
struct RegularFile {
  UniqueFd fd;
  uint64_t size_bytes = 0;
};

absl::StatusOr<RegularFile> OpenRegularFile(const Root& root, std::string_view folder,
                                            std::string_view uri) {
  ATP_ASSIGN_OR_RETURN(UniqueFd fd, OpenBeneath(root, folder, uri, O_RDONLY));
  struct stat info {};
  if (fstat(fd.get(), &info) != 0) return OpenError(errno, uri);
  if (!S_ISREG(info.st_mode)) {
    return absl::PermissionDeniedError(absl::StrCat(AsAbsl(uri), " is not a regular file (",
                                                    FileTypeName(info.st_mode), ")"));
  }
  return RegularFile{std::move(fd), static_cast<uint64_t>(info.st_size)};
}

// Exactly `length` bytes of `fd` from `offset`.
absl::StatusOr<std::string> ReadAt(int fd, std::string_view uri, uint64_t offset, uint64_t length) {
  std::string bytes(length, '\0');
  uint64_t done = 0;
  while (done < length) {
    const ssize_t n =
        pread(fd, bytes.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::UnavailableError(absl::StrCat(AsAbsl(uri), ": ", std::strerror(errno)));
    if (n == 0) {
      return absl::UnavailableError(absl::StrCat(AsAbsl(uri), ": ended after ", done, " of ",
                                                 length, " bytes (it shrank while being read)"));
    }
    done += static_cast<uint64_t>(n);
  }
  return bytes;
}

absl::Status BudgetSpent(std::string_view uri, uint64_t max_total_bytes) {
  return absl::ResourceExhaustedError(absl::StrCat(
      AsAbsl(uri), " not read: the package's budget of ", max_total_bytes, " bytes is spent"));
}

}  // namespace

absl::StatusOr<PackageFiles> PackageFiles::Open(const std::filesystem::path& root,
                                                uint64_t max_total_bytes, Confinement confinement) {
  const int fd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) {
      return absl::NotFoundError(absl::StrCat(root.string(), ": no such folder"));
    }
    if (error == ENOTDIR) {
      return absl::InvalidArgumentError(absl::StrCat(root.string(), " is not a folder"));
    }
    return absl::UnavailableError(absl::StrCat(root.string(), ": ", std::strerror(error)));
  }
  // Only the /proc/self/fd check needs it; without /proc it stays empty and that check
  // refuses every file.
  char resolved[PATH_MAX];
  const std::string link = absl::StrCat("/proc/self/fd/", fd);
  std::string real_path = realpath(link.c_str(), resolved) != nullptr ? resolved : "";
  return PackageFiles(fd, std::move(real_path), max_total_bytes, confinement);
}

PackageFiles::PackageFiles(int root_fd, std::string root_real_path, uint64_t max_total_bytes,
                           Confinement confinement)
    : root_fd_(root_fd),
      root_real_path_(std::move(root_real_path)),
      max_total_bytes_(max_total_bytes),
      confinement_(confinement) {}

PackageFiles::PackageFiles(PackageFiles&& other) noexcept
    : root_fd_(std::exchange(other.root_fd_, -1)),
      root_real_path_(std::move(other.root_real_path_)),
      max_total_bytes_(other.max_total_bytes_),
      bytes_read_(other.bytes_read_),
      over_budget_(other.over_budget_),
      confinement_(other.confinement_) {}

PackageFiles& PackageFiles::operator=(PackageFiles&& other) noexcept {
  if (this != &other) {
    if (root_fd_ >= 0) close(root_fd_);
    root_fd_ = std::exchange(other.root_fd_, -1);
    root_real_path_ = std::move(other.root_real_path_);
    max_total_bytes_ = other.max_total_bytes_;
    bytes_read_ = other.bytes_read_;
    over_budget_ = other.over_budget_;
    confinement_ = other.confinement_;
  }
  return *this;
}

PackageFiles::~PackageFiles() {
  if (root_fd_ >= 0) close(root_fd_);
}

absl::StatusOr<std::string> PackageFiles::Resolve(std::string_view folder, std::string_view uri) {
  if (uri.empty()) return absl::NotFoundError("an empty URI names no file");
  if (uri.find('\0') != std::string_view::npos) return LeavesPackage(uri, "a NUL byte in the URI");
  if (uri.front() == '/') return LeavesPackage(uri, "an absolute path");
  if (IsAbsoluteUri(uri)) return LeavesPackage(uri, "a URI with a scheme");
  std::vector<absl::string_view> parts;
  for (std::string_view path : {folder, uri}) {
    for (absl::string_view part : absl::StrSplit(AsAbsl(path), '/', absl::SkipEmpty())) {
      if (part == ".") continue;
      if (part != "..") {
        parts.push_back(part);
      } else if (parts.empty()) {
        return LeavesPackage(uri, "\"..\" above its root");
      } else {
        parts.pop_back();
      }
    }
  }
  return absl::StrJoin(parts, "/");
}

std::string PackageFiles::FolderOf(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

absl::Status PackageFiles::Spend(std::string_view uri, uint64_t length) {
  if (over_budget_ || length > max_total_bytes_ - bytes_read_) {
    over_budget_ = true;
    return absl::ResourceExhaustedError(absl::StrCat(
        "reading ", AsAbsl(uri), " (", length, " bytes) would take the bytes read from ",
        "the package past its budget of ", max_total_bytes_, "; nothing more is read"));
  }
  bytes_read_ += length;
  return absl::OkStatus();
}

absl::StatusOr<std::string> PackageFiles::ReadFile(std::string_view folder, std::string_view uri,
                                                   uint64_t max_bytes) {
  if (over_budget_) return BudgetSpent(uri, max_total_bytes_);
  const Root root{root_fd_, root_real_path_, confinement_};
  ATP_ASSIGN_OR_RETURN(RegularFile file, OpenRegularFile(root, folder, uri));
  if (file.size_bytes > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(uri), ": ", file.size_bytes,
                                                   " bytes is over the limit of ", max_bytes));
  }
  ATP_RETURN_IF_ERROR(Spend(uri, file.size_bytes));
  return ReadAt(file.fd.get(), uri, 0, file.size_bytes);
}

absl::StatusOr<std::string> PackageFiles::ReadRange(std::string_view folder, std::string_view uri,
                                                    uint64_t offset, uint64_t length,
                                                    uint64_t max_bytes) {
  if (over_budget_) return BudgetSpent(uri, max_total_bytes_);
  const Root root{root_fd_, root_real_path_, confinement_};
  ATP_ASSIGN_OR_RETURN(RegularFile file, OpenRegularFile(root, folder, uri));
  if (length > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(uri), ": a range of ", length,
                                                   " bytes is over the limit of ", max_bytes));
  }
  if (offset > file.size_bytes || length > file.size_bytes - offset) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(uri), ": byte range ", length, "@",
                                                   offset, " runs past its end (", file.size_bytes,
                                                   " bytes)"));
  }
  ATP_RETURN_IF_ERROR(Spend(uri, length));
  return ReadAt(file.fd.get(), uri, offset, length);
}

absl::StatusOr<std::vector<std::string>> PackageFiles::ListFolder(std::string_view folder,
                                                                  std::string_view uri) {
  const Root root{root_fd_, root_real_path_, confinement_};
  ATP_ASSIGN_OR_RETURN(UniqueFd fd, OpenBeneath(root, folder, uri, O_RDONLY | O_DIRECTORY));
  DIR* dir = fdopendir(fd.get());
  if (dir == nullptr) return OpenError(errno, uri);
  (void)fd.release();  // closedir closes it.
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int error = errno;
  closedir(dir);
  if (error != 0)
    return absl::UnavailableError(absl::StrCat(AsAbsl(uri), ": ", std::strerror(error)));
  return names;
}

bool PackageFiles::Contains(std::string_view name) const {
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) {
    return false;
  }
  struct stat info {};
  return fstatat(root_fd_, std::string(name).c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0;
}

bool IsAbsoluteUri(std::string_view uri) {
  return (!uri.empty() && uri.front() == '/') || HasScheme(uri);
}

bool IsRefusedPath(const absl::Status& status) {
  return status.code() == absl::StatusCode::kPermissionDenied;
}

bool IsOverBudget(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted;
}

bool AddRefusalFinding(const absl::Status& status, std::string where, ValidationReport& report) {
  if (IsRefusedPath(status)) {
    report.Add("PKG-PATH", std::move(where), std::string(status.message()));
    return true;
  }
  if (!IsOverBudget(status)) return false;
  const std::vector<Finding>& findings = report.findings();
  if (std::none_of(findings.begin(), findings.end(),
                   [](const Finding& f) { return f.rule == "PKG-BUDGET"; })) {
    report.Add("PKG-BUDGET", std::move(where), std::string(status.message()));
  }
  return true;
}

}  // namespace atp::validate
