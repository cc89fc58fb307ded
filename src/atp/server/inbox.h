// atp/server/inbox.h
//
// The drop folder of `atp serve --inbox DIR`: delivery manifests (*.xml) arrive in DIR, the
// server reads each one, and the Inbox moves it to DIR/done/ or DIR/failed/ with a note
// beside it saying what happened. The Inbox only finds and moves files; it never opens a
// manifest. The caller reads it, and should open it with O_NOFOLLOW | O_NONBLOCK and check
// with fstat that it is still a regular file: the name may have been replaced since.
//
// Whoever can write to DIR is not trusted: an entry named like a manifest that is not a
// regular file (a symbolic link, a FIFO, a device, a folder) is never opened nor followed.
// It is moved to failed/ as it is (rename() moves a link, not its target) with a note saying
// what it is and what to do, and TakeRefused() tells the caller.
#ifndef ATP_SERVER_INBOX_H_
#define ATP_SERVER_INBOX_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "atp/storage/open_beneath.h"

namespace atp::server {

// Safe for concurrent use: MoveToDone/MoveToFailed may run on other threads while one
// waits in WaitForArrivals.
class Inbox {
 public:
  // Watches the existing folder `dir` (inotify: IN_CLOSE_WRITE and IN_MOVED_TO for arrivals,
  // IN_CREATE for entries that are not regular files) for delivery manifests: regular files
  // named *.xml (case-insensitive) whose name does not start with '.'. Creates dir/done and
  // dir/failed when missing. NotFound when `dir` does not exist, FailedPrecondition when it
  // or done/ or failed/ is not a folder (done/ and failed/ may not be symbolic links),
  // ResourceExhausted when no inotify instance or watch is left (fs.inotify.max_user_*).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Inbox>> Open(
      const std::filesystem::path& dir);

  ~Inbox();
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  // The folder watched, absolute; manifests are returned as dir() / name.
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

  // The manifests already in the folder, oldest modification time first (then by name).
  // Call it once, at startup, after Open: a manifest delivered in between is returned either
  // here or by WaitForArrivals, not by both. Manifests already returned and not yet moved
  // out are left out. Nothing tells a file still being written from a whole one here: if one
  // returned here is written to afterwards and closed, WaitForArrivals returns it again.
  // Entries named like manifests that are not regular files are moved to failed/ (see
  // TakeRefused). Errors when the folder cannot be read, naming it.
  [[nodiscard]] absl::StatusOr<std::vector<std::filesystem::path>> Existing();

  // Waits up to `timeout` for manifests that arrive (closed after writing, or renamed into
  // the folder) and returns them in the order they arrived; empty when none came in time.
  // A file still open for writing is not returned until it is closed. A manifest is not
  // returned twice for one arrival: once returned, its name is not returned again until it
  // is moved out (MoveToDone/MoveToFailed, or by anyone) and delivered again, or replaced by
  // another file (another inode: a new rename into the folder); opening and closing it again
  // in place is not a new arrival. Subfolders, dotfiles, other names, anything inside done/
  // and failed/, and hard links made into the folder are ignored. When the kernel's event
  // queue overflowed (fs.inotify.max_queued_events), the folder is scanned instead and every
  // manifest not already returned is returned (a file still being written may then be among
  // them). FailedPrecondition when the folder itself was deleted or moved away.
  [[nodiscard]] absl::StatusOr<std::vector<std::filesystem::path>> WaitForArrivals(
      absl::Duration timeout);

  // Moves `manifest` (a path this Inbox returned: directly inside dir()) into done/ (resp.
  // failed/) and writes `<name>.txt` beside it there holding `note` and a newline (for
  // failed/: the reason, naming what to fix; for done/: e.g. "job <id> COMPLETE"). When
  // done/ (failed/) already holds the name or its note, the manifest is given a unique
  // name instead: `<stem>.<UTC time, 20261201T193000Z>[-<n>]<extension>`, so nothing there
  // is ever overwritten. The move is one rename() within the folder's file system, so the
  // manifest is always either in the inbox or in done/ (failed/); the note is written to a
  // temporary file and renamed into place, so it is whole or absent.
  // InvalidArgument when `manifest` is not directly inside dir(), NotFound when it is no
  // longer there; after a move whose note could not be written, the error names the note.
  absl::Status MoveToDone(const std::filesystem::path& manifest, std::string_view note);
  absl::Status MoveToFailed(const std::filesystem::path& manifest, std::string_view note);

  // Entries named like manifests that were not regular files and that Existing or
  // WaitForArrivals moved to failed/ since the last call, one message for the log each:
  // "<dir>/x.xml is a symbolic link, not a file: moved to <dir>/failed/x.xml; deliver the
  // manifest itself" (or why it could not be moved).
  [[nodiscard]] std::vector<std::string> TakeRefused();

 private:
  // The file a returned name was when it was returned.
  struct Returned {
    dev_t device = 0;
    ino_t inode = 0;
    int64_t ctime_ns = 0;
    bool by_scan = false;  // By Existing or a rescan, not on an event: may have been open.
  };
  // A name inotify reported in one batch of events.
  struct Candidate {
    std::string name;
    bool closed_or_moved_in = false;  // Else only created: a regular file is still open.
    bool after_removal = false;       // The name was deleted or moved out earlier in the batch.
  };

  Inbox(std::filesystem::path dir, storage::UniqueFd dir_fd, storage::UniqueFd done_fd,
        storage::UniqueFd failed_fd, storage::UniqueFd inotify_fd)
      : dir_(std::move(dir)),
        dir_fd_(std::move(dir_fd)),
        done_fd_(std::move(done_fd)),
        failed_fd_(std::move(failed_fd)),
        inotify_fd_(std::move(inotify_fd)) {}

  // REQUIRES: mutex_ held, for all of these.
  absl::Status DirGone() const;
  absl::Status ReadEvents(std::vector<std::filesystem::path>& arrived);
  absl::Status Rescan(std::vector<std::filesystem::path>& found);
  void Consider(const Candidate& candidate, std::vector<std::filesystem::path>& arrived);
  void Refuse(const std::string& name, mode_t mode);
  absl::Status MoveLocked(const std::filesystem::path& manifest, std::string_view note, bool done);
  absl::StatusOr<std::string> MoveInto(const std::string& name, int target_fd,
                                       std::string_view target_folder);

  const std::filesystem::path dir_;
  const storage::UniqueFd dir_fd_;
  const storage::UniqueFd done_fd_;
  const storage::UniqueFd failed_fd_;
  const storage::UniqueFd inotify_fd_;

  std::mutex mutex_;
  std::map<std::string, Returned> returned_;  // By name; until moved out or replaced.
  std::vector<std::string> refused_;
  bool dir_gone_ = false;
};

// Whether `name` (a name inside the folder, not a path) is named like a delivery manifest:
// it ends in ".xml" in any case and does not start with '.'.
[[nodiscard]] bool IsManifestName(std::string_view name);

}  // namespace atp::server

#endif  // ATP_SERVER_INBOX_H_
