#include "atp/core/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace atp {

int ParallelWorkers(size_t count, int threads) {
  return static_cast<int>(std::clamp<size_t>(count, 1, static_cast<size_t>(std::max(1, threads))));
}

void ParallelFor(size_t count, int threads, const std::function<void(size_t)>& body) {
  std::atomic<size_t> next = 0;
  auto work = [&] {
    for (size_t index; (index = next++) < count;) body(index);
  };
  std::vector<std::thread> helpers;
  for (int i = 1; i < ParallelWorkers(count, threads); ++i) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace atp
