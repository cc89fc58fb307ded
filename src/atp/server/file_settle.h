// atp/server/file_settle.h
//
// Waiting for a file that is still arriving: a delivery manifest may be dropped in the inbox
// before (or while) the mezzanine it names is uploaded, so the server waits until the file
// has the size the manifest gives and has stopped changing before it starts the job.
#ifndef ATP_SERVER_FILE_SETTLE_H_
#define ATP_SERVER_FILE_SETTLE_H_

#include <cstdint>
#include <filesystem>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "atp/core/clock.h"

namespace atp::server {

struct SettleOptions {
  absl::Duration quiet = absl::Seconds(5);  // Size and mtime unchanged this long.
  absl::Duration timeout = absl::Hours(1);  // Give up after this.
  absl::Duration poll = absl::Milliseconds(500);
};

// Waits until `file` is a regular file (a symbolic link is followed: the pipeline resolves
// and confines paths itself) of `expected_size` bytes whose size, modification time and
// inode have not changed for `options.quiet`, looking every `options.poll` on `clock`. Then
// returns OK. The file is never opened, only stat()ed.
// Errors:
//  - InvalidArgument at once when it is a FIFO, a device, a folder or a socket (or
//    `expected_size` is negative);
//  - FailedPrecondition once it has been stable for `quiet` at a size larger than expected:
//    it is not the delivery the manifest describes;
//  - DeadlineExceeded after `options.timeout` naming the file, the size seen and the size
//    expected ("... is 1048576 of 2097152 bytes after 1h: the delivery is incomplete; ...");
//  - NotFound after `options.timeout` when it never appeared (while missing it is waited
//    for: it may still be uploading under another name, to be renamed in);
//  - Aborted ("stopped") as soon as `stop()` returns true (asked before each look);
//  - what stat() said (ErrnoToStatus) for anything but a missing file, at once.
[[nodiscard]] absl::Status WaitUntilSettled(const std::filesystem::path& file,
                                            int64_t expected_size, const SettleOptions& options,
                                            Clock& clock, const std::function<bool()>& stop);

}  // namespace atp::server

#endif  // ATP_SERVER_FILE_SETTLE_H_
