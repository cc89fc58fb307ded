#include "atp/core/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "atp/core/errno_status.h"
#include "atp/core/status_macros.h"

namespace atp {
namespace {

// PRIO_PROCESS with a thread id names that one thread on Linux (setpriority(2), "BUGS").
id_t CallingThreadId() { return static_cast<id_t>(gettid()); }

}  // namespace

absl::StatusOr<int> CallingThreadNice() {
  // -1 is also a valid nice value: only errno tells a failure apart.
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, CallingThreadId());
  if (nice == -1 && errno != 0) return ErrnoToStatus(errno, "getpriority");
  return nice;
}

absl::Status LowerCallingThreadPriority(int steps) {
  ATP_ASSIGN_OR_RETURN(const int nice, CallingThreadNice());
  const int lowered = std::min(nice + std::max(steps, 0), 19);
  if (setpriority(PRIO_PROCESS, CallingThreadId(), lowered) != 0) {
    return ErrnoToStatus(errno, "setpriority");
  }
  return absl::OkStatus();
}

}  // namespace atp
