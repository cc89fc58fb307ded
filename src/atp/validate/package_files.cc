#include "atp/validate/package_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "atp/core/errno_status.h"
#include "atp/core/status_macros.h"

namespace atp::validate {
namespace {

using ::atp::storage::OpenRefusal;

absl::string_view AsAbsl(std::string_view text) { return {text.data(), text.size()}; }

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

// PermissionDenied "<uri> is not a regular file (a FIFO)"; without the parenthesis when
// `what` is "" (the store could not tell).
absl::Status NotARegularFile(std::string_view uri, std::string_view what) {
  if (what.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(AsAbsl(uri), " is not a regular file"));
  }
  return absl::PermissionDeniedError(
      absl::StrCat(AsAbsl(uri), " is not a regular file (", AsAbsl(what), ")"));
}

// The one place the store's errors become PackageFiles' (see the header): the store's
// refusals (storage::OpenRefusal) become PermissionDenied, a missing object NotFound, and
// everything else Unavailable, so that no store error takes the codes PackageFiles keeps for
// its refusals and the budget.
absl::Status StoreError(const absl::Status& status, std::string_view uri) {
  if (const std::optional<OpenRefusal> refusal = storage::OpenRefusalOf(status)) {
    switch (refusal->reason) {
      case OpenRefusal::Reason::kOutside:
        return LeavesPackage(uri, "a symlink on its way points outside it or is absolute");
      case OpenRefusal::Reason::kSymlinkLoop:
        return absl::PermissionDeniedError(absl::StrCat(AsAbsl(uri), ": symlink loop"));
      case OpenRefusal::Reason::kNotAnObject:
        return NotARegularFile(uri, refusal->what);
    }
  }
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return absl::NotFoundError(absl::StrCat(AsAbsl(uri), ": no such file"));
    case absl::StatusCode::kInvalidArgument:  // A key the store cannot hold ("a\\b").
      return absl::NotFoundError(
          absl::StrCat(AsAbsl(uri), ": no such file (", status.message(), ")"));
    default:
      return absl::UnavailableError(absl::StrCat(AsAbsl(uri), ": ", status.message()));
  }
}

// Exactly `length` bytes of `file` from `offset`.
absl::StatusOr<std::string> ReadExactly(const storage::BlobReader& file, std::string_view uri,
                                        uint64_t offset, uint64_t length) {
  std::string bytes(length, '\0');
  uint64_t done = 0;
  while (done < length) {
    absl::StatusOr<size_t> got =
        file.ReadAt(static_cast<int64_t>(offset + done), bytes.data() + done, length - done);
    if (!got.ok()) return StoreError(got.status(), uri);
    if (*got == 0) {
      return absl::UnavailableError(absl::StrCat(AsAbsl(uri), ": ended after ", done, " of ",
                                                 length, " bytes (it shrank while being read)"));
    }
    done += *got;
  }
  return bytes;
}

// The size of `file`.
absl::StatusOr<uint64_t> SizeOf(const storage::BlobReader& file, std::string_view uri) {
  absl::StatusOr<int64_t> size = file.Size();
  if (!size.ok()) return StoreError(size.status(), uri);
  return static_cast<uint64_t>(std::max<int64_t>(*size, 0));
}

absl::Status BudgetSpent(std::string_view uri, uint64_t max_total_bytes) {
  return absl::ResourceExhaustedError(absl::StrCat(
      AsAbsl(uri), " not read: the package's budget of ", max_total_bytes, " bytes is spent"));
}

// A plain name in a folder: not empty, ".", ".." and without '/' or NUL.
bool IsPlainName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

}  // namespace

PackageFiles::PackageFiles(std::unique_ptr<storage::BlobStore> package, uint64_t max_total_bytes)
    : package_(std::move(package)), max_total_bytes_(max_total_bytes) {}

absl::StatusOr<PackageFiles> PackageFiles::Open(const std::filesystem::path& root,
                                                uint64_t max_total_bytes,
                                                storage::Confinement confinement) {
  // OpenLocalBlobStore creates a missing folder: a package that is not there must be refused
  // without making one.
  struct stat info {};
  if (stat(root.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT) {
      return absl::NotFoundError(absl::StrCat(root.string(), ": no such folder"));
    }
    if (error == ENOTDIR) {
      return absl::InvalidArgumentError(absl::StrCat(root.string(), " is not a folder"));
    }
    return absl::UnavailableError(absl::StrCat(root.string(), ": ", std::strerror(error)));
  }
  if (!S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(root.string(), " is not a folder"));
  }
  absl::StatusOr<std::unique_ptr<storage::BlobStore>> package =
      storage::OpenLocalBlobStore(root, confinement);
  if (!package.ok()) {
    return absl::UnavailableError(absl::StrCat(root.string(), ": ", package.status().message()));
  }
  return PackageFiles(*std::move(package), max_total_bytes);
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

absl::StatusOr<std::unique_ptr<storage::BlobReader>> PackageFiles::OpenFile(std::string_view folder,
                                                                            std::string_view uri) {
  ATP_ASSIGN_OR_RETURN(const std::string path, Resolve(folder, uri));
  // "" is the package's root: a folder, and no key of the store.
  if (path.empty()) return NotARegularFile(uri, FileTypeName(S_IFDIR));
  absl::StatusOr<std::unique_ptr<storage::BlobReader>> file = package_->Open(path);
  if (!file.ok()) return StoreError(file.status(), uri);
  return file;
}

absl::StatusOr<std::string> PackageFiles::ReadFile(std::string_view folder, std::string_view uri,
                                                   uint64_t max_bytes) {
  if (over_budget_) return BudgetSpent(uri, max_total_bytes_);
  ATP_ASSIGN_OR_RETURN(const std::unique_ptr<storage::BlobReader> file, OpenFile(folder, uri));
  ATP_ASSIGN_OR_RETURN(const uint64_t size_bytes, SizeOf(*file, uri));
  if (size_bytes > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(uri), ": ", size_bytes, " bytes is over the limit of ", max_bytes));
  }
  ATP_RETURN_IF_ERROR(Spend(uri, size_bytes));
  return ReadExactly(*file, uri, 0, size_bytes);
}

absl::StatusOr<std::string> PackageFiles::ReadRange(std::string_view folder, std::string_view uri,
                                                    uint64_t offset, uint64_t length,
                                                    uint64_t max_bytes) {
  if (over_budget_) return BudgetSpent(uri, max_total_bytes_);
  ATP_ASSIGN_OR_RETURN(const std::unique_ptr<storage::BlobReader> file, OpenFile(folder, uri));
  ATP_ASSIGN_OR_RETURN(const uint64_t size_bytes, SizeOf(*file, uri));
  if (length > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(uri), ": a range of ", length,
                                                   " bytes is over the limit of ", max_bytes));
  }
  if (offset > size_bytes || length > size_bytes - offset) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(uri), ": byte range ", length, "@",
                                                   offset, " runs past its end (", size_bytes,
                                                   " bytes)"));
  }
  ATP_RETURN_IF_ERROR(Spend(uri, length));
  return ReadExactly(*file, uri, offset, length);
}

absl::StatusOr<std::vector<std::string>> PackageFiles::ListFolder(std::string_view folder,
                                                                  std::string_view uri) {
  ATP_ASSIGN_OR_RETURN(const std::string path, Resolve(folder, uri));
  // Where the folder leads (a symlinked folder inside is listed where it points), refused
  // as Open refuses: outside the package, a loop.
  absl::StatusOr<std::string> prefix = package_->CanonicalPrefix(path);
  if (!prefix.ok()) return StoreError(prefix.status(), uri);
  absl::StatusOr<std::vector<std::string>> keys = package_->List(*prefix);
  if (!keys.ok()) return StoreError(keys.status(), uri);
  const size_t skip = prefix->empty() ? 0 : prefix->size() + 1;  // "<prefix>/".
  std::vector<std::string> names;
  for (const std::string& key : *keys) {
    if (key.size() <= skip) {  // The prefix is an object itself: a file, not a folder.
      return absl::NotFoundError(absl::StrCat(AsAbsl(uri), ": not a folder"));
    }
    const std::string_view below = std::string_view(key).substr(skip);
    names.emplace_back(below.substr(0, below.find('/')));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool PackageFiles::Contains(std::string_view name) const {
  if (!IsPlainName(name)) return false;
  const absl::StatusOr<std::unique_ptr<storage::BlobReader>> file = package_->Open(name);
  if (file.ok()) return true;
  if (absl::IsInvalidArgument(file.status())) return false;  // No name the store can hold.
  // There but refused (a symlink out, a FIFO, a folder) or unreadable: reading it says why.
  if (!absl::IsNotFound(file.status())) return true;
  // A store without folders has no object at a folder's name, only below it.
  const absl::StatusOr<bool> below = package_->Exists(name);
  return !below.ok() || *below;
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
