// atp/validate/package_files.h
//
// PackageFiles reads the files of one package and nothing outside it. A playlist or MPD names
// its files by URI; every read takes that URI and the package-relative folder of the playlist
// or MPD that names it, and is refused (never opened for reading) when the URI leaves the
// package: an absolute path, a scheme (http:, file:, data: ...), a ".." above the root
// (refused on the text, before any I/O), or a symlink whose target is outside the root. Only
// regular files are read, and the bytes read from the whole package stay within a budget.
//
// The package is a storage::BlobStore whose root is the package's folder: a LocalBlobStore of
// the folder, or another store's Scoped(prefix). Files are read only through its Open, which
// never leaves its root (locally: openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), or the
// /proc/self/fd check on kernels without openat2; see storage/local_blob_store.h), so
// symlinks whose targets stay inside the root are followed; with openat2 an absolute target
// is refused even when it points inside, so packages use relative links. Nothing is written.
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
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atp/storage/blob_store.h"
#include "atp/storage/local_blob_store.h"
#include "atp/validate/validation_report.h"

namespace atp::validate {

// Playlists and MPDs larger than this are refused unread.
inline constexpr uint64_t kMaxManifestFileBytes = 16ull << 20;
inline constexpr uint64_t kMaxSegmentBytes = 512ull << 20;
// Bytes read from one package, all files together.
inline constexpr uint64_t kDefaultMaxPackageBytes = 64ull << 30;

class PackageFiles {
 public:
  // Reads the package whose root is `package`'s root (REQUIRES: not null), at most
  // `max_total_bytes` of it, all files together.
  explicit PackageFiles(std::unique_ptr<storage::BlobStore> package,
                        uint64_t max_total_bytes = kDefaultMaxPackageBytes);

  // The package in the folder `root` (the folder of master.m3u8 / manifest.mpd), read
  // through a LocalBlobStore of it whose Open stays beneath it by `confinement` (tests select
  // kProcFd to cover kernels without openat2). Creates nothing: NotFound "<root>: no such
  // folder" when it does not exist, InvalidArgument when it is not a folder, Unavailable on
  // other I/O errors.
  [[nodiscard]] static absl::StatusOr<PackageFiles> Open(
      const std::filesystem::path& root, uint64_t max_total_bytes = kDefaultMaxPackageBytes,
      storage::Confinement confinement = storage::Confinement::kOpenat2);

  PackageFiles(PackageFiles&& other) noexcept = default;
  PackageFiles& operator=(PackageFiles&& other) noexcept = default;
  PackageFiles(const PackageFiles&) = delete;
  PackageFiles& operator=(const PackageFiles&) = delete;
  ~PackageFiles() = default;

  // The package-relative path ("a/b.m4s", "" for the root itself) that `uri` names when a
  // file in `folder` (package-relative, "" for the root) refers to it, normalized lexically
  // ("." and ".." folded, repeated '/' collapsed). Nothing is opened. PermissionDenied for an
  // absolute URI, a URI with a scheme, a NUL byte, or a ".." that climbs above the root.
  [[nodiscard]] static absl::StatusOr<std::string> Resolve(std::string_view folder,
                                                           std::string_view uri);

  // The folder part of a package-relative path: "a/b" for "a/b/c.m4s", "" for "c.m4s".
  [[nodiscard]] static std::string FolderOf(std::string_view path);

  // The whole file `uri` names (see Resolve). Besides the refusals above: NotFound when it
  // does not exist (or names no object the store can hold, such as a name with a backslash);
  // InvalidArgument when it is over `max_bytes` (refused unread, not counted against the
  // budget); Unavailable on I/O and any other error of the store.
  [[nodiscard]] absl::StatusOr<std::string> ReadFile(std::string_view folder, std::string_view uri,
                                                     uint64_t max_bytes);

  // `length` bytes from `offset` of the file `uri` names. As ReadFile; InvalidArgument also
  // when the range runs past the end of the file or `length` is over `max_bytes`.
  [[nodiscard]] absl::StatusOr<std::string> ReadRange(std::string_view folder, std::string_view uri,
                                                      uint64_t offset, uint64_t length,
                                                      uint64_t max_bytes);

  // The names in the folder `uri` names, sorted, once each: of the files (objects) in it
  // and of the folders below it that hold files; the store's List, which shows no symlink,
  // FIFO or empty folder. A symlinked folder that stays inside is listed where it leads
  // (BlobStore::CanonicalPrefix). Errors as ReadFile, except that NotFound also means "not a
  // folder". Listing reads no file's bytes and is not counted against the budget.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> ListFolder(std::string_view folder,
                                                                    std::string_view uri);

  // True when the root holds an entry called `name`, a plain file name: anything the store
  // does not call missing, so a file, a folder, and also one that reading it refuses (a
  // symlink out, a FIFO, a loop), whose read then reports the refusal. Reads no bytes.
  [[nodiscard]] bool Contains(std::string_view name) const;

  // True once a read was refused for the budget: every later read is refused too.
  [[nodiscard]] bool over_budget() const { return over_budget_; }
  [[nodiscard]] uint64_t bytes_read() const { return bytes_read_; }

 private:
  // ResourceExhausted, and over budget from then on, when `length` more bytes would take the
  // package past its budget; otherwise counts them as read.
  [[nodiscard]] absl::Status Spend(std::string_view uri, uint64_t length);

  // The regular file `uri` (referenced from `folder`) names, opened; PackageFiles' errors.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<storage::BlobReader>> OpenFile(
      std::string_view folder, std::string_view uri);

  std::unique_ptr<storage::BlobStore> package_;
  uint64_t max_total_bytes_ = 0;
  uint64_t bytes_read_ = 0;
  bool over_budget_ = false;
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
