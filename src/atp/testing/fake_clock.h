// atp/testing/fake_clock.h
//
// A Clock for tests: time moves only when told, and SleepFor advances it at once and
// records how long each sleep would have been.
#ifndef ATP_TESTING_FAKE_CLOCK_H_
#define ATP_TESTING_FAKE_CLOCK_H_

#include <mutex>
#include <vector>

#include "atp/core/clock.h"

namespace atp::testing {

class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'800'000'000)) : now_(start) {}

  absl::Time Now() override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void SleepFor(absl::Duration duration) override {
    std::lock_guard lock(mutex_);
    sleeps_.push_back(duration);
    now_ += duration;
  }
  void Advance(absl::Duration duration) {
    std::lock_guard lock(mutex_);
    now_ += duration;
  }
  [[nodiscard]] std::vector<absl::Duration> sleeps() const {
    std::lock_guard lock(mutex_);
    return sleeps_;
  }

 private:
  mutable std::mutex mutex_;
  absl::Time now_;
  std::vector<absl::Duration> sleeps_;
};

}  // namespace atp::testing

#endif  // ATP_TESTING_FAKE_CLOCK_H_
