#include "atp/core/parallel_for.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace atp {
namespace {

TEST(ParallelWorkers, OnePerTaskUpToTheThreadsAtLeastOne) {
  EXPECT_EQ(ParallelWorkers(0, 4), 1);
  EXPECT_EQ(ParallelWorkers(3, 8), 3);
  EXPECT_EQ(ParallelWorkers(9, 2), 2);
  EXPECT_EQ(ParallelWorkers(5, 0), 1);
}

TEST(ParallelFor, RunsEveryIndexOnceOnUpToThatManyThreads) {
  std::vector<std::atomic<int>> calls(50);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  ParallelFor(calls.size(), 3, [&](size_t index) {
    ++calls[index];
    std::lock_guard<std::mutex> lock(mutex);
    threads.insert(std::this_thread::get_id());
  });
  for (const std::atomic<int>& count : calls) EXPECT_EQ(count, 1);
  EXPECT_GE(threads.size(), 1u);
  EXPECT_LE(threads.size(), 3u);

  // One index needs no helper: it runs on the calling thread. (With more, the helpers may
  // take every index before the calling thread takes one.)
  std::thread::id runner;
  ParallelFor(1, 3, [&](size_t) { runner = std::this_thread::get_id(); });
  EXPECT_EQ(runner, std::this_thread::get_id());

  int none = 0;
  ParallelFor(0, 4, [&](size_t) { ++none; });
  EXPECT_EQ(none, 0);
}

}  // namespace
}  // namespace atp
