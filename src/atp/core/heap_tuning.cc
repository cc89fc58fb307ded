#include "atp/core/heap_tuning.h"

#include <malloc.h>
#include <sys/prctl.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "atp/core/errno_status.h"
#include "atp/core/status_macros.h"
#include "atp/core/usable_cpus.h"

namespace atp {
namespace {

absl::Status SetMallocOption(int option, std::size_t value, const char* name) {
  // mallopt returns 1 on success, 0 on failure, and sets no errno.
  if (mallopt(option, static_cast<int>(value)) == 1) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("mallopt(", name, ", ", value, ") was refused"));
}

}  // namespace

absl::Status RetainFreedHeapMemory() {
  if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) {
    return ErrnoToStatus(errno, "prctl(PR_SET_THP_DISABLE)");
  }
  ATP_RETURN_IF_ERROR(SetMallocOption(M_MMAP_THRESHOLD, kHeapMmapThreshold, "M_MMAP_THRESHOLD"));
  ATP_RETURN_IF_ERROR(SetMallocOption(M_TRIM_THRESHOLD, kHeapTrimThreshold, "M_TRIM_THRESHOLD"));
  ATP_RETURN_IF_ERROR(SetMallocOption(M_TOP_PAD, kHeapTopPad, "M_TOP_PAD"));
  return SetMallocOption(M_ARENA_MAX, static_cast<std::size_t>(UsableCpuCount()), "M_ARENA_MAX");
}

}  // namespace atp
