// atp/core/clock.h
//
// Time as the pipeline sees it. Every wait (retry backoff, lease expiry, polling) goes
// through a Clock, so tests inject a fake one and never sleep.
#ifndef ATP_CORE_CLOCK_H_
#define ATP_CORE_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace atp {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual absl::Time Now() = 0;
  virtual void SleepFor(absl::Duration duration) = 0;
};

// The system clock; SleepFor really sleeps. Thread-safe, never destroyed.
[[nodiscard]] Clock& RealClock();

}  // namespace atp

#endif  // ATP_CORE_CLOCK_H_
