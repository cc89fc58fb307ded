#include "atp/core/thread_priority.h"

#include <algorithm>
#include <thread>

#include "absl/status/statusor.h"
#include "atp/core/status_macros.h"
#include "gtest/gtest.h"

namespace atp {
namespace {

// Lowers the calling thread's priority by `steps`, then reads its nice value.
absl::StatusOr<int> LowerThenReadNice(int steps) {
  ATP_RETURN_IF_ERROR(LowerCallingThreadPriority(steps));
  return CallingThreadNice();
}

// A thread lowers only its own priority: the thread that started it keeps its nice value,
// and a thread it starts afterwards inherits the lowered one.
TEST(ThreadPriority, LoweringAffectsTheCallingThreadAndThreadsItStartsLater) {
  const absl::StatusOr<int> caller = CallingThreadNice();
  ASSERT_TRUE(caller.ok()) << caller.status();
  absl::StatusOr<int> lowered = 0;
  absl::StatusOr<int> inherited = 0;
  std::thread worker([&] {
    lowered = LowerThenReadNice(5);
    if (!lowered.ok()) return;
    std::thread child([&] { inherited = CallingThreadNice(); });
    child.join();
  });
  worker.join();
  ASSERT_TRUE(lowered.ok()) << lowered.status();
  ASSERT_TRUE(inherited.ok()) << inherited.status();
  EXPECT_EQ(*lowered, std::min(*caller + 5, 19));
  EXPECT_EQ(*inherited, *lowered);
  EXPECT_EQ(CallingThreadNice().value(), *caller);
}

// The nice value stops at the lowest priority, 19.
TEST(ThreadPriority, StopsAtTheLowestPriority) {
  absl::StatusOr<int> lowered = 0;
  std::thread worker([&] { lowered = LowerThenReadNice(100); });
  worker.join();
  ASSERT_TRUE(lowered.ok()) << lowered.status();
  EXPECT_EQ(*lowered, 19);
}

}  // namespace
}  // namespace atp
