// atp/core/parallel_for.h
//
// Independent tasks shared out over a few threads.
#ifndef ATP_CORE_PARALLEL_FOR_H_
#define ATP_CORE_PARALLEL_FOR_H_

#include <cstddef>
#include <functional>

namespace atp {

// How many threads ParallelFor runs `count` tasks on with `threads` to spend: one per task up
// to `threads`, at least 1.
[[nodiscard]] int ParallelWorkers(size_t count, int threads);

// Runs body(0) ... body(count - 1), each once, on ParallelWorkers(count, threads) threads (the
// calling thread is one of them), each taking the next index when it is free; returns when
// every call has returned. `body` must be safe to call concurrently for different indexes.
void ParallelFor(size_t count, int threads, const std::function<void(size_t)>& body);

}  // namespace atp

#endif  // ATP_CORE_PARALLEL_FOR_H_
