// atp/validate/package_files.h
//
// PackageFiles reads the files of one package and nothing outside it. A playlist or MPD names
// its files by URI; every read takes that URI and the package-relative folder of the playlist
// or MPD that names it, and is refused (never opened for reading) when the URI leaves the
// package: an absolute path, a scheme (http:, file:, data: ...), a ".." above the root, or a
// symlink whose target is outside the root. Only regular files are read, and the bytes read from
// the whole package stay within a budget.
//
// Symlinks whose targets stay inside the root are followed; with openat2 an absolute target
// is refused even when it points inside (RESOLVE_BENEATH), so packages use relative links.
//
// Refusals have their own codes so the validators report them as findings of their own:
//   PermissionDenied   the URI leaves the package, names something that is not a regular file
//                      (a directory, FIFO, device, socket), or runs into a symlink loop
//                      (IsRefusedPath; rule PKG-PATH);
//   ResourceExhausted  the read would take the package past its byte budget; from then on
//                      every read is refused unopened (IsOverBudget; rule PKG-BUDGET).
// No other failure uses these two codes. Messages name the URI as referenced, never the
// bytes of any file.
#ifndef ATP_VALIDATE_PACKAGE_FILES_H_
#define ATP_VALIDATE_PACKAGE_FILES_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atp/validate/validation_report.h"

namespace atp::validate {

// Playlists and MPDs larger than this are refused unread.
inline constexpr uint64_t kMaxManifestFileBytes = 16ull << 20;
inline constexpr uint64_t kMaxSegmentBytes = 512ull << 20;
// Bytes read from one package, all files together.
inline constexpr uint64_t kDefaultMaxPackageBytes = 64ull << 30;

class PackageFiles {
 public:
  // How paths are held beneath the root. kOpenat2 is openat2(RESOLVE_BENEATH |
  // RESOLVE_NO_MAGICLINKS) and falls back to kProcFd by itself where the kernel lacks openat2
  // (ENOSYS, before Linux 5.6). kProcFd opens with O_PATH, checks where /proc/self/fd/N
  // resolves to, and only then opens that same file for reading; tests select it to cover
  // the fallback.
  enum class Confinement { kOpenat2, kProcFd };

  // Holds `root` (the folder of master.m3u8 / manifest.mpd) open. NotFound when it does not
  // exist, InvalidArgument when it is not a directory, Unavailable on other I/O errors.
  [[nodiscard]] static absl::StatusOr<PackageFiles> Open(
      const std::filesystem::path& root, uint64_t max_total_bytes = kDefaultMaxPackageBytes,
      Confinement confinement = Confinement::kOpenat2);

  PackageFiles(PackageFiles&& other) noexcept;
  PackageFiles& operator=(PackageFiles&& other) noexcept;
  PackageFiles(const PackageFiles&) = delete;
  PackageFiles& operator=(const PackageFiles&) = delete;
  ~PackageFiles();

  // The package-relative path ("a/b.m4s", "" for the root itself) that `uri` names when a
  // file in `folder` (package-relative, "" for the root) refers to it, normalized lexically
  // ("." and ".." folded, repeated '/' collapsed). Nothing is opened. PermissionDenied for an
  // absolute URI, a URI with a scheme, a NUL byte, or a ".." that climbs above the root.
  [[nodiscard]] static absl::StatusOr<std::string> Resolve(std::string_view folder,
                                                           std::string_view uri);

  // The folder part of a package-relative path: "a/b" for "a/b/c.m4s", "" for "c.m4s".
  [[nodiscard]] static std::string FolderOf(std::string_view path);

  // The whole file `uri` names (see Resolve). Besides the refusals above: NotFound when it
  // does not exist; InvalidArgument when it is over `max_bytes` (refused unread, not
  // counted against the budget); Unavailable on I/O errors.
  [[nodiscard]] absl::StatusOr<std::string> ReadFile(std::string_view folder, std::string_view uri,
                                                     uint64_t max_bytes);

  // `length` bytes from `offset` of the file `uri` names. As ReadFile; InvalidArgument also
  // when the range runs past the end of the file or `length` is over `max_bytes`.
  [[nodiscard]] absl::StatusOr<std::string> ReadRange(std::string_view folder, std::string_view uri,
                                                      uint64_t offset, uint64_t length,
                                                      uint64_t max_bytes);

  // The names in the folder `uri` names (without "." and ".."), in no particular order.
  // Errors as ReadFile, except that NotFound also means "not a folder". Listing reads no
  // file's bytes and is not counted against the budget.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> ListFolder(std::string_view folder,
                                                                    std::string_view uri);

  // True when the root holds an entry called `name`, a plain file name (of any type;
  // symlinks are not followed).
  [[nodiscard]] bool Contains(std::string_view name) const;

  // True once a read was refused for the budget: every later read is refused too.
  [[nodiscard]] bool over_budget() const { return over_budget_; }
  [[nodiscard]] uint64_t bytes_read() const { return bytes_read_; }

 private:
  PackageFiles(int root_fd, std::string root_real_path, uint64_t max_total_bytes,
               Confinement confinement);

  // ResourceExhausted, and over budget from then on, when `length` more bytes would take the
  // package past its budget; otherwise counts them as read.
  [[nodiscard]] absl::Status Spend(std::string_view uri, uint64_t length);

  int root_fd_ = -1;
  std::string root_real_path_;  // For kProcFd: what the root's /proc/self/fd link resolves to.
  uint64_t max_total_bytes_ = 0;
  uint64_t bytes_read_ = 0;
  bool over_budget_ = false;
  Confinement confinement_ = Confinement::kOpenat2;
};

// True when `uri` is not a relative-path reference (RFC 3986 4.2): it has a scheme ("http:",
// "file:", "data:" ...) or is an absolute or network path ("/x", "//host/x").
[[nodiscard]] bool IsAbsoluteUri(std::string_view uri);

// True for the refusals of PackageFiles: the URI leaves the package, is not a regular
// file, or loops (PermissionDenied).
[[nodiscard]] bool IsRefusedPath(const absl::Status& status);
// True when PackageFiles refused a read for the package's byte budget (ResourceExhausted).
[[nodiscard]] bool IsOverBudget(const absl::Status& status);

// Adds the finding for a read that PackageFiles refused: PKG-PATH at `where` (the reference:
// file and line, "-> uri"), or PKG-BUDGET, which `report` gets only once. Returns false, and
// adds nothing, for any other status (a missing file is the caller's to report).
bool AddRefusalFinding(const absl::Status& status, std::string where, ValidationReport& report);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_PACKAGE_FILES_H_
