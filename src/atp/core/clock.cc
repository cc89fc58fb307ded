#include "atp/core/clock.h"

namespace atp {
namespace {

class SystemClock : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
  void SleepFor(absl::Duration duration) override { absl::SleepFor(duration); }
};

}  // namespace

Clock& RealClock() {
  static auto* clock = new SystemClock();
  return *clock;
}

}  // namespace atp
