// atp/core/spare_cpu_watch.h
//
// Whether the tasks of a pool leave a CPU without work.
#ifndef ATP_CORE_SPARE_CPU_WATCH_H_
#define ATP_CORE_SPARE_CPU_WATCH_H_

#include <atomic>
#include <cstddef>

namespace atp {

// Follows the tasks of a pool (ParallelFor) that shares `cpus` CPUs, so that a long task able
// to spread its work over more threads (a transcode's video chunk, over its rungs) does so
// only when a CPU would otherwise be idle: once every task has started (none waits for a
// thread) and fewer tasks run than there are CPUs. Before that, more threads would only add
// switches and moves between caches. Thread-safe.
class SpareCpuWatch {
 public:
  SpareCpuWatch(size_t tasks, int cpus) : tasks_(tasks), cpus_(cpus) {}

  SpareCpuWatch(const SpareCpuWatch&) = delete;
  SpareCpuWatch& operator=(const SpareCpuWatch&) = delete;

  // Called by each task as it starts, and as it ends.
  void TaskStarted() {
    // Counted running before started: once every task has started, each one still running
    // is counted.
    ++running_;
    ++started_;
  }
  void TaskEnded() { --running_; }

  [[nodiscard]] bool CpuSpare() const { return started_ >= tasks_ && running_ < cpus_; }

 private:
  const size_t tasks_;
  const int cpus_;
  std::atomic<size_t> started_ = 0;
  std::atomic<int> running_ = 0;
};

}  // namespace atp

#endif  // ATP_CORE_SPARE_CPU_WATCH_H_
