// atp/core/backoff.h
//
// Capped exponential backoff with jitter, shared by step retries and webhook deliveries.
#ifndef ATP_CORE_BACKOFF_H_
#define ATP_CORE_BACKOFF_H_

#include "absl/time/time.h"

namespace atp {

struct BackoffPolicy {
  int max_attempts = 3;  // Including the first.
  absl::Duration initial = absl::Seconds(1);
  absl::Duration max = absl::Seconds(60);
  double multiplier = 2.0;
  // Each delay is drawn uniformly from [delay × (1 − jitter), delay × (1 + jitter)], then
  // capped at `max`.
  double jitter = 0.2;
};

// The wait before attempt `next_attempt` (2 for the first retry). `unit_random` in [0, 1)
// picks the point in the jitter window, so callers choose the randomness (tests pass fixed
// values).
[[nodiscard]] absl::Duration BackoffDelay(const BackoffPolicy& policy, int next_attempt,
                                          double unit_random);

// A unit_random from a process-wide generator.
[[nodiscard]] double UnitRandom();

}  // namespace atp

#endif  // ATP_CORE_BACKOFF_H_
