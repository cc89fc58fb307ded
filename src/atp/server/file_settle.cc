#include "atp/server/file_settle.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "absl/strings/str_cat.h"
#include "atp/core/errno_status.h"

namespace atp::server {
namespace {

// What is compared between looks: any change restarts the quiet period.
struct Look {
  dev_t device = 0;
  ino_t inode = 0;
  int64_t size_bytes = 0;
  int64_t mtime_ns = 0;

  bool operator==(const Look&) const = default;
};

}  // namespace

absl::Status WaitUntilSettled(const std::filesystem::path& file, int64_t expected_size,
                              const SettleOptions& options, Clock& clock,
                              const std::function<bool()>& stop) {
  if (expected_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot wait for ", file.string(), " to reach ", expected_size,
                     " bytes: the size in the manifest is negative; correct it"));
  }
  const absl::Time start = clock.Now();
  const absl::Time deadline = start + options.timeout;
  const std::string after = absl::FormatDuration(options.timeout);
  Look last;
  bool exists = false;  // `last` is the last look, while the file exists.
  absl::Time stable_since = start;
  while (true) {
    if (stop && stop()) {
      return absl::AbortedError(absl::StrCat("stopped while waiting for ", file.string()));
    }
    struct stat info {};
    const int error = stat(file.c_str(), &info) == 0 ? 0 : errno;
    const absl::Time now = clock.Now();  // After looking: a change seen happened before it.
    if (error != 0) {
      if (error != ENOENT) {
        return ErrnoToStatus(error, absl::StrCat("cannot wait for ", file.string()));
      }
      exists = false;
    } else {
      if (!S_ISREG(info.st_mode)) {
        return absl::InvalidArgumentError(absl::StrCat(
            file.string(), " is ", FileTypeName(info.st_mode),
            ", not a regular file: deliver the file itself and submit the manifest again"));
      }
      const Look look{
          info.st_dev, info.st_ino, static_cast<int64_t>(info.st_size),
          static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
      if (!exists || last != look) {
        exists = true;
        last = look;
        stable_since = now;
      }
      if (now - stable_since >= options.quiet) {
        if (look.size_bytes == expected_size) return absl::OkStatus();
        if (look.size_bytes > expected_size) {
          return absl::FailedPreconditionError(absl::StrCat(
              file.string(), " is ", look.size_bytes, " bytes, more than the ", expected_size,
              " bytes the manifest gives: it is not the delivery the manifest describes; deliver "
              "that file (or correct the size in the manifest) and submit the manifest again"));
        }
      }
    }
    if (now >= deadline) {
      if (!exists) {
        return absl::NotFoundError(absl::StrCat(file.string(), " is still missing after ", after,
                                                ": deliver it and submit the manifest again"));
      }
      return absl::DeadlineExceededError(absl::StrCat(
          file.string(), " is ", last.size_bytes, " of ", expected_size, " bytes after ", after,
          last.size_bytes < expected_size
              ? ": the delivery is incomplete; deliver the rest and submit the manifest again"
              : " and still changing: deliver the file the manifest describes and submit the "
                "manifest again"));
    }
    absl::Duration sleep = std::min(options.poll, deadline - now);
    if (exists && now - stable_since < options.quiet) {
      sleep = std::min(sleep, stable_since + options.quiet - now);
    }
    clock.SleepFor(std::max(sleep, absl::Milliseconds(1)));
  }
}

}  // namespace atp::server
