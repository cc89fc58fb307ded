#include "atp/core/backoff.h"

#include "gtest/gtest.h"

namespace atp {
namespace {

TEST(BackoffDelay, DoublesFromTheInitialDelayAndStopsAtTheCap) {
  const BackoffPolicy policy{.max_attempts = 10,
                             .initial = absl::Seconds(1),
                             .max = absl::Seconds(5),
                             .multiplier = 2.0,
                             .jitter = 0.0};
  EXPECT_EQ(BackoffDelay(policy, 2, 0.5), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(policy, 3, 0.5), absl::Seconds(2));
  EXPECT_EQ(BackoffDelay(policy, 4, 0.5), absl::Seconds(4));
  EXPECT_EQ(BackoffDelay(policy, 5, 0.5), absl::Seconds(5));
  EXPECT_EQ(BackoffDelay(policy, 60, 0.5), absl::Seconds(5));
}

TEST(BackoffDelay, JitterSpreadsAroundTheDelay) {
  const BackoffPolicy policy{.initial = absl::Seconds(10), .max = absl::Seconds(100), .jitter = 0.2};
  EXPECT_EQ(BackoffDelay(policy, 2, 0.0), absl::Seconds(8));
  EXPECT_EQ(BackoffDelay(policy, 2, 0.5), absl::Seconds(10));
  EXPECT_GT(BackoffDelay(policy, 2, 0.999), absl::Milliseconds(11990));
  const double random = UnitRandom();
  EXPECT_GE(random, 0.0);
  EXPECT_LT(random, 1.0);
}

}  // namespace
}  // namespace atp
