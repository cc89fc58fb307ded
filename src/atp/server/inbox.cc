#include "atp/server/inbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "atp/core/errno_status.h"

namespace atp::server {
namespace {

using storage::UniqueFd;

constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
                                IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

int64_t Nanoseconds(const struct timespec& time) {
  return static_cast<int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

// A name inotify or readdir gave: one path segment, never leaving the folder.
bool IsPlainName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}

// What a non-regular entry is, for its note.
std::string WhatItIs(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  return FileTypeName(mode);
}

// Opens (creates when missing) the folder `name` inside `dir_fd`, refusing a symbolic link.
absl::StatusOr<UniqueFd> OpenSubfolder(int dir_fd, const std::filesystem::path& dir,
                                       const char* name) {
  const std::string shown = (dir / name).string();
  if (mkdirat(dir_fd, name, 0777) != 0 && errno != EEXIST) {
    const int error = errno;
    return ErrnoToStatus(error, absl::StrCat("cannot create the inbox folder ", shown));
  }
  UniqueFd fd(openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    const int error = errno;
    if (error == ELOOP || error == ENOTDIR) {
      struct stat info {};
      std::string what = "something else";
      if (fstatat(dir_fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0) {
        what = S_ISREG(info.st_mode) ? "a file" : WhatItIs(info.st_mode);
      }
      return absl::FailedPreconditionError(
          absl::StrCat(shown, " is ", what, ", not a folder: remove it so that the inbox can make ",
                       "its own ", name, "/ folder"));
    }
    return ErrnoToStatus(error, absl::StrCat("cannot open the inbox folder ", shown));
  }
  return fd;
}

// The names in the folder `dir_fd` (all of them, "." and ".." left out).
absl::StatusOr<std::vector<std::string>> ListNames(int dir_fd, const std::filesystem::path& dir) {
  const int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    return ErrnoToStatus(error, absl::StrCat("cannot read the inbox folder ", dir.string()));
  }
  DIR* stream = fdopendir(fd);
  if (stream == nullptr) {
    const int error = errno;
    close(fd);
    return ErrnoToStatus(error, absl::StrCat("cannot read the inbox folder ", dir.string()));
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = readdir(stream)) {
    if (IsPlainName(entry->d_name)) names.emplace_back(entry->d_name);
    errno = 0;
  }
  const int error = errno;
  closedir(stream);
  if (error != 0) {
    return ErrnoToStatus(error, absl::StrCat("cannot read the inbox folder ", dir.string()));
  }
  return names;
}

// Whether `name` or its note `<name>.txt` is in the folder `fd` (even as a dangling link).
bool Taken(int fd, const std::string& name) {
  struct stat info {};
  return fstatat(fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT ||
         fstatat(fd, (name + ".txt").c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

// Writes `note` and a newline to `name` in the folder `fd` through a temporary file renamed
// into place; `shown` names the note in errors.
absl::Status WriteNote(int fd, const std::string& name, std::string_view note,
                       const std::string& shown) {
  static std::atomic<uint64_t> counter{0};
  const std::string temporary =
      absl::StrCat(".", name, ".", getpid(), ".", counter.fetch_add(1), ".tmp");
  UniqueFd out(
      openat(fd, temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!out.valid()) {
    const int error = errno;
    return ErrnoToStatus(error, absl::StrCat("cannot write the note ", shown));
  }
  std::string bytes(note);
  if (bytes.empty() || bytes.back() != '\n') bytes += '\n';
  int error = 0;
  for (size_t written = 0; written < bytes.size() && error == 0;) {
    const ssize_t n = write(out.get(), bytes.data() + written, bytes.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      error = errno;
    }
  }
  if (error == 0 && fsync(out.get()) != 0) error = errno;
  if (error == 0 && renameat(fd, temporary.c_str(), fd, name.c_str()) != 0) error = errno;
  if (error != 0) {
    unlinkat(fd, temporary.c_str(), 0);
    return ErrnoToStatus(error, absl::StrCat("cannot write the note ", shown));
  }
  return absl::OkStatus();
}

// "x.xml" -> "x.20261201T193000Z-2.xml" (`counter` 2; 0 and 1 leave "-<n>" out).
std::string UniqueName(const std::string& name, const std::string& stamp, int counter) {
  const std::filesystem::path path(name);
  return absl::StrCat(path.stem().string(), ".", stamp,
                      counter > 1 ? absl::StrCat("-", counter) : "", path.extension().string());
}

}  // namespace

bool IsManifestName(std::string_view name) {
  return IsPlainName(name) && name.front() != '.' && name.size() > 4 &&
         absl::EndsWithIgnoreCase(absl::string_view(name.data(), name.size()), ".xml");
}

absl::StatusOr<std::unique_ptr<Inbox>> Inbox::Open(const std::filesystem::path& dir) {
  std::error_code ignored;
  std::filesystem::path absolute = std::filesystem::absolute(dir, ignored).lexically_normal();
  if (absolute.empty()) absolute = dir;
  if (!absolute.has_filename() && absolute.has_parent_path()) absolute = absolute.parent_path();
  UniqueFd dir_fd(open(absolute.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) {
    const int error = errno;
    if (error == ENOENT) {
      return absl::NotFoundError(absl::StrCat("the inbox folder ", absolute.string(),
                                              " does not exist: create it or correct --inbox"));
    }
    if (error == ENOTDIR) {
      return absl::FailedPreconditionError(
          absl::StrCat("the inbox ", absolute.string(), " is not a folder: give --inbox a folder"));
    }
    return ErrnoToStatus(error, absl::StrCat("cannot open the inbox folder ", absolute.string()));
  }
  absl::StatusOr<UniqueFd> done_fd = OpenSubfolder(dir_fd.get(), absolute, "done");
  if (!done_fd.ok()) return done_fd.status();
  absl::StatusOr<UniqueFd> failed_fd = OpenSubfolder(dir_fd.get(), absolute, "failed");
  if (!failed_fd.ok()) return failed_fd.status();

  UniqueFd inotify_fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify_fd.valid()) {
    const int error = errno;
    return ErrnoToStatus(error,
                         absl::StrCat("cannot watch the inbox folder ", absolute.string(),
                                      " (inotify_init1; see fs.inotify.max_user_instances)"));
  }
  // The folder held open, not its path again: a folder renamed over it in between is not
  // watched.
  const std::string held = absl::StrCat("/proc/self/fd/", dir_fd.get());
  if (inotify_add_watch(inotify_fd.get(), held.c_str(), kWatchMask) < 0 &&
      inotify_add_watch(inotify_fd.get(), absolute.c_str(), kWatchMask | IN_DONT_FOLLOW) < 0) {
    const int error = errno;
    return ErrnoToStatus(error,
                         absl::StrCat("cannot watch the inbox folder ", absolute.string(),
                                      " (inotify_add_watch; see fs.inotify.max_user_watches)"));
  }
  return std::unique_ptr<Inbox>(new Inbox(std::move(absolute), std::move(dir_fd),
                                          std::move(*done_fd), std::move(*failed_fd),
                                          std::move(inotify_fd)));
}

Inbox::~Inbox() = default;

absl::StatusOr<std::vector<std::filesystem::path>> Inbox::Existing() {
  std::lock_guard lock(mutex_);
  std::vector<std::filesystem::path> found;
  if (absl::Status status = Rescan(found); !status.ok()) return status;
  return found;
}

absl::Status Inbox::Rescan(std::vector<std::filesystem::path>& found) {
  absl::StatusOr<std::vector<std::string>> names = ListNames(dir_fd_.get(), dir_);
  if (!names.ok()) return names.status();
  std::set<std::string> present;
  std::vector<std::tuple<int64_t, std::string, Returned>> manifests;
  for (const std::string& name : *names) {
    if (!IsManifestName(name)) continue;
    struct stat info {};
    if (fstatat(dir_fd_.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(info.st_mode)) {
      Refuse(name, info.st_mode);
      continue;
    }
    present.insert(name);
    const Returned file{info.st_dev, info.st_ino, Nanoseconds(info.st_ctim), /*by_scan=*/true};
    auto returned = returned_.find(name);
    if (returned != returned_.end() && returned->second.device == file.device &&
        returned->second.inode == file.inode) {
      continue;
    }
    manifests.emplace_back(Nanoseconds(info.st_mtim), name, file);
  }
  std::erase_if(returned_, [&](const auto& entry) { return !present.contains(entry.first); });
  std::sort(manifests.begin(), manifests.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  for (const auto& [mtime_ns, name, file] : manifests) {
    returned_[name] = file;
    found.push_back(dir_ / name);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::filesystem::path>> Inbox::WaitForArrivals(absl::Duration timeout) {
  const auto deadline =
      std::chrono::steady_clock::now() +
      absl::ToChronoNanoseconds(std::clamp(timeout, absl::ZeroDuration(), absl::Hours(24 * 365)));
  std::vector<std::filesystem::path> arrived;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (absl::Status status = ReadEvents(arrived); !status.ok()) return status;
    }
    if (!arrived.empty()) return arrived;
    const auto remaining = deadline - std::chrono::steady_clock::now();
    if (remaining <= std::chrono::steady_clock::duration::zero()) return arrived;
    const auto remaining_ms = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
    pollfd waiting{.fd = inotify_fd_.get(), .events = POLLIN, .revents = 0};
    if (poll(&waiting, 1, static_cast<int>(std::min<int64_t>(remaining_ms, 60'000))) < 0 &&
        errno != EINTR) {
      const int error = errno;
      return ErrnoToStatus(error, absl::StrCat("cannot watch the inbox folder ", dir_.string()));
    }
  }
}

absl::Status Inbox::DirGone() const {
  return absl::FailedPreconditionError(
      absl::StrCat("the inbox folder ", dir_.string(),
                   " was deleted or moved away: restore it and restart atp serve"));
}

absl::Status Inbox::ReadEvents(std::vector<std::filesystem::path>& arrived) {
  if (dir_gone_) return DirGone();
  alignas(inotify_event) char buffer[64 * 1024];
  std::vector<Candidate> candidates;
  std::set<std::string> removed;
  bool overflowed = false;
  while (true) {
    const ssize_t n = read(inotify_fd_.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      if (error == EAGAIN || error == EWOULDBLOCK) break;
      return ErrnoToStatus(error, absl::StrCat("cannot watch the inbox folder ", dir_.string()));
    }
    if (n == 0) break;
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->mask & IN_Q_OVERFLOW) overflowed = true;
      if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) {
        dir_gone_ = true;
      }
      if (event->len == 0) continue;
      const std::string name(event->name);  // NUL-padded to len.
      if (!IsManifestName(name)) continue;
      if (event->mask & (IN_DELETE | IN_MOVED_FROM)) {
        removed.insert(name);
        continue;
      }
      if (!(event->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE))) continue;
      auto candidate = std::find_if(candidates.begin(), candidates.end(),
                                    [&](const Candidate& c) { return c.name == name; });
      if (candidate == candidates.end()) {
        candidates.push_back({.name = name});
        candidate = candidates.end() - 1;
      }
      candidate->closed_or_moved_in |= (event->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0;
      candidate->after_removal |= removed.contains(name);
    }
  }
  // Deleted while held open: its IN_DELETE_SELF may wait for the last close.
  if (struct stat info{}; fstat(dir_fd_.get(), &info) == 0 && info.st_nlink == 0) {
    dir_gone_ = true;
  }
  if (overflowed) return Rescan(arrived);
  for (const Candidate& candidate : candidates) Consider(candidate, arrived);
  // A returned name deleted or moved out (and not back): a later file of that name is new.
  for (const std::string& name : removed) {
    struct stat info {};
    if (fstatat(dir_fd_.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      returned_.erase(name);
    }
  }
  if (dir_gone_ && arrived.empty()) return DirGone();
  return absl::OkStatus();
}

void Inbox::Consider(const Candidate& candidate, std::vector<std::filesystem::path>& arrived) {
  struct stat info {};
  if (fstatat(dir_fd_.get(), candidate.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (!S_ISREG(info.st_mode)) {
    Refuse(candidate.name, info.st_mode);
    return;
  }
  if (!candidate.closed_or_moved_in) return;  // Created: still being written.
  const Returned file{info.st_dev, info.st_ino, Nanoseconds(info.st_ctim), /*by_scan=*/false};
  auto returned = returned_.find(candidate.name);
  if (returned != returned_.end() && returned->second.device == file.device &&
      returned->second.inode == file.inode) {
    const bool changed = returned->second.ctime_ns != file.ctime_ns;
    // The same file: a new arrival only when it was deleted and this is another one that got
    // its inode, or when a scan found it and it was still being written.
    if (!changed || !(candidate.after_removal || returned->second.by_scan)) return;
  }
  returned_[candidate.name] = file;
  arrived.push_back(dir_ / candidate.name);
}

void Inbox::Refuse(const std::string& name, mode_t mode) {
  const std::string what = WhatItIs(mode);
  const std::string advice = S_ISLNK(mode)   ? "deliver the manifest itself"
                             : S_ISDIR(mode) ? "deliver the manifest as a file, not a folder"
                                             : "deliver the manifest as a regular file";
  const std::string note =
      absl::StrCat(name, " is ", what, ", not a file: it was not opened; ", advice);
  absl::StatusOr<std::string> moved_to = MoveInto(name, failed_fd_.get(), "failed");
  const std::string shown = (dir_ / name).string();
  if (!moved_to.ok()) {
    refused_.push_back(
        absl::StrCat(shown, " is ", what, ", not a file; ", moved_to.status().message()));
    return;
  }
  returned_.erase(name);
  const std::filesystem::path note_path = dir_ / "failed" / (*moved_to + ".txt");
  absl::Status written = WriteNote(failed_fd_.get(), *moved_to + ".txt", note, note_path.string());
  refused_.push_back(absl::StrCat(shown, " is ", what, ", not a file: moved to ",
                                  (dir_ / "failed" / *moved_to).string(), "; ", advice,
                                  written.ok() ? "" : absl::StrCat(" (", written.message(), ")")));
}

absl::StatusOr<std::string> Inbox::MoveInto(const std::string& name, int target_fd,
                                            std::string_view target_folder) {
  const std::string stamp = absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone());
  for (int counter = 0; counter < 1000; ++counter) {
    const std::string target = counter == 0 ? name : UniqueName(name, stamp, counter);
    if (Taken(target_fd, target)) continue;
    if (renameat2(dir_fd_.get(), name.c_str(), target_fd, target.c_str(), RENAME_NOREPLACE) == 0) {
      return target;
    }
    int error = errno;
    if (error == EINVAL || error == ENOSYS) {  // No RENAME_NOREPLACE here: Taken checked.
      if (renameat(dir_fd_.get(), name.c_str(), target_fd, target.c_str()) == 0) return target;
      error = errno;
    }
    if (error == EEXIST) continue;
    return ErrnoToStatus(error, absl::StrCat("cannot move ", (dir_ / name).string(), " to ",
                                             (dir_ / target_folder / target).string()));
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("cannot move ", (dir_ / name).string(), " to ", (dir_ / target_folder).string(),
                   ": 1000 names taken there; clear out ", (dir_ / target_folder).string()));
}

absl::Status Inbox::MoveToDone(const std::filesystem::path& manifest, std::string_view note) {
  std::lock_guard lock(mutex_);
  return MoveLocked(manifest, note, /*done=*/true);
}

absl::Status Inbox::MoveToFailed(const std::filesystem::path& manifest, std::string_view note) {
  std::lock_guard lock(mutex_);
  return MoveLocked(manifest, note, /*done=*/false);
}

absl::Status Inbox::MoveLocked(const std::filesystem::path& manifest, std::string_view note,
                               bool done) {
  const std::string name = manifest.filename().string();
  std::error_code ignored;
  const std::filesystem::path parent =
      std::filesystem::absolute(manifest, ignored).lexically_normal().parent_path();
  if (!IsPlainName(name) || parent != dir_) {
    return absl::InvalidArgumentError(
        absl::StrCat(manifest.string(), " is not in the inbox folder ", dir_.string(),
                     ": only manifests the inbox returned can be moved to done/ or failed/"));
  }
  struct stat info {};
  if (fstatat(dir_fd_.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
    const int error = errno;
    returned_.erase(name);
    if (error == ENOENT) {
      return absl::NotFoundError(absl::StrCat(manifest.string(),
                                              " is no longer in the inbox: it was moved or "
                                              "deleted by someone else"));
    }
    return ErrnoToStatus(error, absl::StrCat("cannot move ", manifest.string()));
  }
  const char* folder = done ? "done" : "failed";
  const int target_fd = done ? done_fd_.get() : failed_fd_.get();
  absl::StatusOr<std::string> moved_to = MoveInto(name, target_fd, folder);
  if (!moved_to.ok()) return moved_to.status();
  returned_.erase(name);
  const std::string note_name = *moved_to + ".txt";
  return WriteNote(target_fd, note_name, note, (dir_ / folder / note_name).string());
}

std::vector<std::string> Inbox::TakeRefused() {
  std::lock_guard lock(mutex_);
  return std::exchange(refused_, {});
}

}  // namespace atp::server
