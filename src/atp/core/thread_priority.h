// atp/core/thread_priority.h
//
// Scheduling priority of one thread among the process's threads.
#ifndef ATP_CORE_THREAD_PRIORITY_H_
#define ATP_CORE_THREAD_PRIORITY_H_

#include "absl/status/statusor.h"

namespace atp {

// The calling thread's nice value (-20 to 19; Linux keeps one per thread).
[[nodiscard]] absl::StatusOr<int> CallingThreadNice();

// Raises the calling thread's nice value by `steps` (at most to 19), so that under contention
// the scheduler gives the CPU to the process's other threads first; the thread gets whatever
// they leave. Lowering a priority needs no privilege, but it cannot be undone without one:
// call it on threads that end with their work. Threads the caller starts later inherit it.
absl::Status LowerCallingThreadPriority(int steps);

}  // namespace atp

#endif  // ATP_CORE_THREAD_PRIORITY_H_
