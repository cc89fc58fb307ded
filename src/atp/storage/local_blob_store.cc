#include "atp/storage/local_blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "atp/core/errno_status.h"
#include "atp/core/status_macros.h"
#include "atp/storage/directory_lock.h"
#include "atp/storage/pinned_file.h"

namespace atp::storage {
namespace {

namespace fs = std::filesystem;

absl::string_view AsAbsl(std::string_view text) { return {text.data(), text.size()}; }

constexpr std::string_view kPartialMarker = ".partial-";
constexpr size_t kPartialSuffixSize = 6;

// "<name>.partial-XXXXXX": a write in progress (or one a crash left behind).
bool IsPartialName(std::string_view name) {
  if (name.size() <= kPartialMarker.size() + kPartialSuffixSize) return false;
  const std::string_view suffix = name.substr(name.size() - kPartialSuffixSize);
  return std::all_of(suffix.begin(), suffix.end(),
                     [](char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }) &&
         name.substr(name.size() - kPartialSuffixSize - kPartialMarker.size(),
                     kPartialMarker.size()) == kPartialMarker;
}

std::string PartialName(std::string_view name) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char random[kPartialSuffixSize] = {};
  if (getrandom(random, sizeof(random), 0) != static_cast<ssize_t>(sizeof(random))) {
    // Without getrandom, O_EXCL still keeps names unique; the caller tries another.
    static std::atomic<unsigned> counter{0};
    const unsigned seed = counter.fetch_add(1) * 2654435761u ^ static_cast<unsigned>(getpid());
    for (size_t i = 0; i < sizeof(random); ++i) random[i] = static_cast<unsigned char>(seed >> i);
  }
  std::string result = absl::StrCat(AsAbsl(name), AsAbsl(kPartialMarker));
  for (unsigned char byte : random) result.push_back(kAlphabet[byte % kAlphabet.size()]);
  return result;
}

// A key's folder ("" at the root) and last segment.
struct SplitKey {
  std::string_view folder;
  std::string name;
};

SplitKey Split(std::string_view key) {
  const size_t slash = key.rfind('/');
  if (slash == std::string_view::npos) return {std::string_view(), std::string(key)};
  return {key.substr(0, slash), std::string(key.substr(slash + 1))};
}

std::string JoinKey(std::string_view folder, std::string_view name) {
  return folder.empty() ? std::string(name) : absl::StrCat(AsAbsl(folder), "/", AsAbsl(name));
}

bool IsAbsent(int error) { return error == ENOENT || error == ENOTDIR; }

class LocalBlobWriter final : public BlobWriter {
 public:
  LocalBlobWriter(UniqueFd folder, UniqueFd file, std::string partial_name, std::string name,
                  std::string place)
      : folder_(std::move(folder)),
        file_(std::move(file)),
        partial_name_(std::move(partial_name)),
        name_(std::move(name)),
        place_(std::move(place)) {}
  ~LocalBlobWriter() override { Discard(); }

  absl::Status Append(std::string_view bytes) override {
    ATP_RETURN_IF_ERROR(Usable());
    while (!bytes.empty()) {
      const ssize_t written = write(file_.get(), bytes.data(), bytes.size());
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) return Fail(ErrnoToStatus(written < 0 ? errno : EIO, Context()));
      bytes.remove_prefix(static_cast<size_t>(written));
    }
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    ATP_RETURN_IF_ERROR(Usable());
    // fsync first: a disk that fills up on writeback says so here, and the rename never
    // publishes a file whose bytes a crash could still lose.
    if (fsync(file_.get()) != 0) return Fail(ErrnoToStatus(errno, Context()));
    if (close(file_.release()) != 0) return Fail(ErrnoToStatus(errno, Context()));
    if (renameat(folder_.get(), partial_name_.c_str(), folder_.get(), name_.c_str()) != 0) {
      return Fail(ErrnoToStatus(errno, absl::StrCat("cannot commit ", place_)));
    }
    partial_name_.clear();
    committed_ = true;
    return absl::OkStatus();
  }

 private:
  std::string Context() const { return absl::StrCat("cannot write ", place_); }

  absl::Status Usable() const {
    if (committed_) {
      return absl::FailedPreconditionError(absl::StrCat(place_, ": the writer already committed"));
    }
    return failure_;
  }

  // Deletes the partial file, frees its space at once, and makes `status` the answer to
  // every later call.
  absl::Status Fail(absl::Status status) {
    Discard();
    failure_ = status;
    return status;
  }

  void Discard() {
    file_ = UniqueFd();
    if (!partial_name_.empty()) (void)unlinkat(folder_.get(), partial_name_.c_str(), 0);
    partial_name_.clear();
  }

  UniqueFd folder_;  // O_PATH: where the object goes.
  UniqueFd file_;
  std::string partial_name_;  // Empty once committed or discarded.
  std::string name_;
  std::string place_;  // Describe(key).
  absl::Status failure_;
  bool committed_ = false;
};

class LocalBlobStore final : public BlobStore {
 public:
  LocalBlobStore(UniqueFd root, fs::path root_path, Confinement confinement)
      : root_(std::move(root)),
        root_path_(std::move(root_path)),
        real_path_(RealPathOfFd(root_.get())),
        confinement_(confinement) {}

  absl::StatusOr<std::unique_ptr<BlobReader>> Open(std::string_view key) override {
    ATP_RETURN_IF_ERROR(CheckKey(key));
    const std::string place = Describe(key);
    OpenResult opened = OpenBeneath(root_.get(), real_path_, key, O_RDONLY, confinement_);
    if (opened.error != 0) return OpenError(opened.error, place);
    ATP_ASSIGN_OR_RETURN(std::unique_ptr<PinnedFile> file,
                         PinnedFile::Adopt(opened.fd.release(), place));
    return std::unique_ptr<BlobReader>(std::move(file));
  }

  absl::StatusOr<std::unique_ptr<BlobWriter>> Create(std::string_view key) override {
    ATP_RETURN_IF_ERROR(CheckKey(key));
    const SplitKey split = Split(key);
    std::string place = Describe(key);
    FolderResult folder = OpenFolderNoFollow(root_.get(), split.folder, /*create=*/true);
    if (folder.error != 0) return FolderError(folder, "cannot write", key);
    struct stat info {};
    if (fstatat(folder.fd.get(), split.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(info.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write ", place, ": it is a folder"));
    }
    for (int attempt = 0; attempt < 16; ++attempt) {
      std::string partial = PartialName(split.name);
      UniqueFd file(openat(folder.fd.get(), partial.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
      if (file.valid()) {
        return std::make_unique<LocalBlobWriter>(std::move(folder.fd), std::move(file),
                                                 std::move(partial), split.name, std::move(place));
      }
      if (errno != EEXIST) return ErrnoToStatus(errno, absl::StrCat("cannot write ", place));
    }
    return absl::InternalError(
        absl::StrCat("cannot write ", place, ": no unused name for its partial file"));
  }

  absl::StatusOr<std::vector<std::string>> List(std::string_view prefix) override {
    ATP_RETURN_IF_ERROR(ValidatePrefix(prefix));
    std::vector<std::string> keys;
    ATP_RETURN_IF_ERROR(Walk(prefix, /*limit=*/0, keys));
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  absl::StatusOr<std::string> CanonicalPrefix(std::string_view prefix) override {
    ATP_RETURN_IF_ERROR(ValidatePrefix(prefix));
    const std::string place = Describe(prefix);
    // Opening the folder for reading reads no object; openat2 (or the O_PATH check) refuses
    // a way out before anything outside is opened.
    OpenResult opened =
        OpenBeneath(root_.get(), real_path_, prefix, O_RDONLY | O_DIRECTORY, confinement_);
    if (opened.error != 0) return OpenError(opened.error, place);
    // Both asked now: a root renamed since the store opened it is still this store's root.
    const std::string root = RealPathOfFd(root_.get());
    const std::string folder = RealPathOfFd(opened.fd.get());
    if (root.empty() || folder.empty()) {
      return absl::UnavailableError(
          absl::StrCat(place, ": cannot tell where it leads (/proc/self/fd is not readable)"));
    }
    if (folder == root) return std::string();
    const std::string root_slash = root == "/" ? root : absl::StrCat(root, "/");
    if (!absl::StartsWith(folder, root_slash)) return OpenError(EXDEV, place);  // Moved out.
    std::string canonical = folder.substr(root_slash.size());
    ATP_RETURN_IF_ERROR(ValidatePrefix(canonical));
    return canonical;
  }

  absl::Status Delete(std::string_view key) override {
    ATP_RETURN_IF_ERROR(CheckKey(key));
    const SplitKey split = Split(key);
    FolderResult folder = OpenFolderNoFollow(root_.get(), split.folder, /*create=*/false);
    if (IsAbsent(folder.error)) return absl::OkStatus();
    if (folder.error != 0) return FolderError(folder, "cannot delete", key);
    if (unlinkat(folder.fd.get(), split.name.c_str(), 0) != 0 && errno != ENOENT) {
      return ErrnoToStatus(errno, absl::StrCat("cannot delete ", Describe(key)));
    }
    return absl::OkStatus();
  }

  absl::Status DeletePrefix(std::string_view prefix) override {
    ATP_RETURN_IF_ERROR(ValidatePrefix(prefix));
    if (prefix.empty()) {
      UniqueFd root(openat(root_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!root.valid()) return ErrnoToStatus(errno, absl::StrCat("cannot delete ", Describe("")));
      return EmptyFolder(std::move(root), "");
    }
    const SplitKey split = Split(prefix);
    FolderResult folder = OpenFolderNoFollow(root_.get(), split.folder, /*create=*/false);
    if (IsAbsent(folder.error)) return absl::OkStatus();
    if (folder.error != 0) return FolderError(folder, "cannot delete", prefix);
    return RemoveEntry(folder.fd.get(), split.name, prefix);
  }

  absl::StatusOr<bool> Exists(std::string_view prefix) override {
    ATP_RETURN_IF_ERROR(ValidatePrefix(prefix));
    std::vector<std::string> keys;
    ATP_RETURN_IF_ERROR(Walk(prefix, /*limit=*/1, keys));
    return !keys.empty();
  }

  absl::Status Publish(std::string_view staged_prefix, std::string_view final_prefix) override {
    ATP_RETURN_IF_ERROR(CheckKey(staged_prefix));
    ATP_RETURN_IF_ERROR(CheckKey(final_prefix));
    const std::string staged_place = Describe(staged_prefix);
    const std::string final_place = Describe(final_prefix);
    if (staged_prefix == final_prefix ||
        absl::StartsWith(AsAbsl(final_prefix), absl::StrCat(AsAbsl(staged_prefix), "/")) ||
        absl::StartsWith(AsAbsl(staged_prefix), absl::StrCat(AsAbsl(final_prefix), "/"))) {
      return absl::InvalidArgumentError(absl::StrCat("cannot publish ", staged_place, " as ",
                                                     final_place, ": one lies under the other"));
    }
    const absl::Status nothing_staged = absl::NotFoundError(
        absl::StrCat("cannot publish ", staged_place, ": nothing is staged there"));
    const SplitKey staged = Split(staged_prefix);
    FolderResult from = OpenFolderNoFollow(root_.get(), staged.folder, /*create=*/false);
    if (IsAbsent(from.error)) return nothing_staged;
    if (from.error != 0) return FolderError(from, "cannot publish", staged_prefix);
    struct stat info {};
    if (fstatat(from.fd.get(), staged.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return nothing_staged;
      return ErrnoToStatus(errno, absl::StrCat("cannot publish ", staged_place));
    }
    if (S_ISLNK(info.st_mode)) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot publish ", staged_place, ": it is a symlink"));
    }
    if (S_ISDIR(info.st_mode)) {
      // A write a killed process left unfinished is not part of what is published.
      UniqueFd staged_dir(openat(from.fd.get(), staged.name.c_str(),
                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!staged_dir.valid())
        return ErrnoToStatus(errno, absl::StrCat("cannot publish ", staged_place));
      ATP_RETURN_IF_ERROR(RemovePartials(std::move(staged_dir), staged_prefix));
    }
    const SplitKey final = Split(final_prefix);
    FolderResult to = OpenFolderNoFollow(root_.get(), final.folder, /*create=*/true);
    if (to.error != 0) return FolderError(to, "cannot publish to", final_prefix);
    // RENAME_NOREPLACE makes "does it exist" and "rename" one atomic step.
    if (renameat2(from.fd.get(), staged.name.c_str(), to.fd.get(), final.name.c_str(),
                  RENAME_NOREPLACE) == 0) {
      return absl::OkStatus();
    }
    if (errno == EEXIST || errno == ENOTEMPTY) {
      return absl::AlreadyExistsError(absl::StrCat(
          final_place, " already exists: nothing was replaced and ", staged_place, " is kept"));
    }
    return ErrnoToStatus(errno, absl::StrCat("cannot publish ", staged_place, " as ", final_place));
  }

  absl::StatusOr<std::unique_ptr<PrefixLock>> TryLock(std::string_view prefix) override {
    ATP_RETURN_IF_ERROR(ValidatePrefix(prefix));
    ATP_ASSIGN_OR_RETURN(std::unique_ptr<DirectoryLock> lock,
                         DirectoryLock::TryAcquireBeneath(root_.get(), prefix, Describe(prefix)));
    return std::unique_ptr<PrefixLock>(std::move(lock));
  }

  absl::StatusOr<std::unique_ptr<BlobStore>> Scoped(std::string_view prefix) override {
    ATP_RETURN_IF_ERROR(ValidatePrefix(prefix));
    FolderResult folder = OpenFolderNoFollow(root_.get(), prefix, /*create=*/true);
    if (folder.error != 0) return FolderError(folder, "cannot open the store", prefix);
    return std::make_unique<LocalBlobStore>(std::move(folder.fd), fs::path(Describe(prefix)),
                                            confinement_);
  }

  std::string Describe(std::string_view key) const override {
    return key.empty() ? root_path_.string() : (root_path_ / std::string(key)).string();
  }

 private:
  // ValidateKey, and the names the store keeps for writes in progress.
  static absl::Status CheckKey(std::string_view key) {
    ATP_RETURN_IF_ERROR(ValidateKey(key));
    if (IsPartialName(Split(key).name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad key \"", AsAbsl(key), "\": names ending in \"", AsAbsl(kPartialMarker),
                       "\" and six letters or digits are kept for writes in progress"));
    }
    return absl::OkStatus();
  }

  // The status of a failed OpenBeneath of `place` (Describe(key)), with the OpenRefusal that
  // says why when it is one.
  absl::Status OpenError(int error, const std::string& place) const {
    switch (error) {
      case EXDEV:
        return WithOpenRefusal(absl::PermissionDeniedError(absl::StrCat(
                                   place, ": resolves outside the store ", Describe(""),
                                   " (a symlink on its way points outside it, or is absolute)")),
                               {.reason = OpenRefusal::Reason::kOutside});
      case ELOOP:  // Too many symlinks, or a /proc magic link (RESOLVE_NO_MAGICLINKS).
        return WithOpenRefusal(ErrnoToStatus(error, place),
                               {.reason = OpenRefusal::Reason::kSymlinkLoop});
      case ENXIO:  // A socket, or a device without a driver.
        return WithOpenRefusal(ErrnoToStatus(error, place),
                               {.reason = OpenRefusal::Reason::kNotAnObject});
      default:
        return ErrnoToStatus(error, place);
    }
  }

  // The status of a failed OpenFolderNoFollow on the way to `key`.
  absl::Status FolderError(const FolderResult& folder, std::string_view action,
                           std::string_view key) const {
    const std::string context = absl::StrCat(AsAbsl(action), " ", Describe(key));
    switch (folder.error) {
      case ELOOP:
        return absl::PermissionDeniedError(
            absl::StrCat(context, ": ", Describe(folder.at),
                         " is a symlink, which the store follows only to read"));
      case ENOTDIR:
        return absl::FailedPreconditionError(
            absl::StrCat(context, ": ", Describe(folder.at), " is not a folder"));
      default:
        return ErrnoToStatus(folder.error, context);
    }
  }

  // Adds to `keys` the objects under `prefix` (unsorted), stopping once there are `limit`
  // of them (0: no limit).
  absl::Status Walk(std::string_view prefix, size_t limit, std::vector<std::string>& keys) const {
    if (prefix.empty()) {
      UniqueFd root(openat(root_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!root.valid()) return ErrnoToStatus(errno, absl::StrCat("cannot list ", Describe("")));
      return WalkFolder(std::move(root), "", limit, keys);
    }
    const SplitKey split = Split(prefix);
    FolderResult folder = OpenFolderNoFollow(root_.get(), split.folder, /*create=*/false);
    if (IsAbsent(folder.error)) return absl::OkStatus();
    if (folder.error != 0) return FolderError(folder, "cannot list", prefix);
    struct stat info {};
    if (fstatat(folder.fd.get(), split.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (IsAbsent(errno)) return absl::OkStatus();
      return ErrnoToStatus(errno, absl::StrCat("cannot list ", Describe(prefix)));
    }
    if (S_ISREG(info.st_mode)) {
      if (!IsPartialName(split.name)) keys.emplace_back(prefix);
      return absl::OkStatus();
    }
    if (!S_ISDIR(info.st_mode)) return absl::OkStatus();
    UniqueFd dir(openat(folder.fd.get(), split.name.c_str(),
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) {
      if (IsAbsent(errno)) return absl::OkStatus();  // Gone, or replaced by a symlink.
      return ErrnoToStatus(errno, absl::StrCat("cannot list ", Describe(prefix)));
    }
    return WalkFolder(std::move(dir), prefix, limit, keys);
  }

  absl::Status WalkFolder(UniqueFd fd, std::string_view key, size_t limit,
                          std::vector<std::string>& keys) const {
    DIR* dir = fdopendir(fd.get());
    if (dir == nullptr) return ErrnoToStatus(errno, absl::StrCat("cannot list ", Describe(key)));
    (void)fd.release();  // closedir closes it.
    const std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, closedir);
    for (;;) {
      errno = 0;
      const dirent* entry = readdir(dir);
      if (entry == nullptr) {
        if (errno != 0) return ErrnoToStatus(errno, absl::StrCat("cannot list ", Describe(key)));
        return absl::OkStatus();
      }
      const std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      unsigned char type = entry->d_type;
      if (type == DT_UNKNOWN) {  // Some filesystems do not say: ask.
        struct stat info {};
        if (fstatat(dirfd(dir), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
          if (errno == ENOENT) continue;
          return ErrnoToStatus(errno, absl::StrCat("cannot list ", Describe(JoinKey(key, name))));
        }
        type = S_ISREG(info.st_mode) ? DT_REG : S_ISDIR(info.st_mode) ? DT_DIR : DT_UNKNOWN;
      }
      if (type == DT_REG) {
        if (IsPartialName(name)) continue;
        keys.push_back(JoinKey(key, name));
        if (limit != 0 && keys.size() >= limit) return absl::OkStatus();
      } else if (type == DT_DIR) {
        const std::string child_key = JoinKey(key, name);
        UniqueFd child(
            openat(dirfd(dir), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!child.valid()) {
          if (IsAbsent(errno)) continue;  // Gone, or replaced by a symlink, meanwhile.
          return ErrnoToStatus(errno, absl::StrCat("cannot list ", Describe(child_key)));
        }
        ATP_RETURN_IF_ERROR(WalkFolder(std::move(child), child_key, limit, keys));
        if (limit != 0 && keys.size() >= limit) return absl::OkStatus();
      }
    }
  }

  // Deletes the entry `name` of the folder `folder_fd`, whose key is `key`: a folder with
  // everything in it; anything else (a symlink too) by unlinking its name.
  absl::Status RemoveEntry(int folder_fd, const std::string& name, std::string_view key) const {
    if (unlinkat(folder_fd, name.c_str(), 0) == 0 || errno == ENOENT) return absl::OkStatus();
    if (errno != EISDIR) return ErrnoToStatus(errno, absl::StrCat("cannot delete ", Describe(key)));
    UniqueFd dir(openat(folder_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) {
      if (errno == ENOENT) return absl::OkStatus();
      return ErrnoToStatus(errno, absl::StrCat("cannot delete ", Describe(key)));
    }
    ATP_RETURN_IF_ERROR(EmptyFolder(std::move(dir), key));
    if (unlinkat(folder_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
      return ErrnoToStatus(errno, absl::StrCat("cannot delete ", Describe(key)));
    }
    return absl::OkStatus();
  }

  // Deletes the files of writes in progress ("<name>.partial-XXXXXX") in the folder `fd`
  // (taken), whose key is `key`, and in the folders below it.
  absl::Status RemovePartials(UniqueFd fd, std::string_view key) const {
    DIR* dir = fdopendir(fd.get());
    if (dir == nullptr) return ErrnoToStatus(errno, absl::StrCat("cannot clean ", Describe(key)));
    (void)fd.release();
    const std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, closedir);
    std::vector<std::string> partials;
    std::vector<std::string> folders;
    for (;;) {
      errno = 0;
      const dirent* entry = readdir(dir);
      if (entry == nullptr) {
        if (errno != 0) return ErrnoToStatus(errno, absl::StrCat("cannot clean ", Describe(key)));
        break;
      }
      const std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      if (entry->d_type == DT_DIR) {
        folders.emplace_back(name);
      } else if (IsPartialName(name)) {
        partials.emplace_back(name);
      }
    }
    for (const std::string& name : partials) {
      if (unlinkat(dirfd(dir), name.c_str(), 0) != 0 && errno != ENOENT) {
        return ErrnoToStatus(errno, absl::StrCat("cannot delete ", Describe(JoinKey(key, name))));
      }
    }
    for (const std::string& name : folders) {
      UniqueFd child(
          openat(dirfd(dir), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child.valid()) continue;  // Gone, or not a folder after all.
      ATP_RETURN_IF_ERROR(RemovePartials(std::move(child), JoinKey(key, name)));
    }
    return absl::OkStatus();
  }

  // Deletes everything in the folder `fd` (taken), whose key is `key`.
  absl::Status EmptyFolder(UniqueFd fd, std::string_view key) const {
    DIR* dir = fdopendir(fd.get());
    if (dir == nullptr) return ErrnoToStatus(errno, absl::StrCat("cannot delete ", Describe(key)));
    (void)fd.release();
    const std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, closedir);
    std::vector<std::string> names;  // All first: removing while reading may skip entries.
    for (;;) {
      errno = 0;
      const dirent* entry = readdir(dir);
      if (entry == nullptr) {
        if (errno != 0) return ErrnoToStatus(errno, absl::StrCat("cannot delete ", Describe(key)));
        break;
      }
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    for (const std::string& name : names) {
      ATP_RETURN_IF_ERROR(RemoveEntry(dirfd(dir), name, JoinKey(key, name)));
    }
    return absl::OkStatus();
  }

  const UniqueFd root_;  // O_PATH | O_DIRECTORY.
  const fs::path root_path_;
  const std::string real_path_;  // For Confinement::kProcFd.
  const Confinement confinement_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BlobStore>> OpenLocalBlobStore(const fs::path& root,
                                                              Confinement confinement) {
  std::error_code error;
  fs::path path = fs::absolute(root, error).lexically_normal();
  if (error) return ErrnoToStatus(error.value(), absl::StrCat("cannot open ", root.string()));
  if (!path.has_filename() && path != path.root_path()) path = path.parent_path();  // "a/b/"
  fs::create_directories(path, error);
  if (error) return ErrnoToStatus(error.value(), absl::StrCat("cannot create ", path.string()));
  UniqueFd fd(open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("cannot open ", path.string()));
  return std::make_unique<LocalBlobStore>(std::move(fd), std::move(path), confinement);
}

}  // namespace atp::storage
