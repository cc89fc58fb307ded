#include "atp/app/stop_signals.h"

#include <signal.h>

#include <algorithm>
#include <atomic>

namespace atp::app {
namespace {

std::atomic<int> received_signal{0};

void RecordStopSignal(int number) {
  int none = 0;
  if (!received_signal.compare_exchange_strong(none, number)) {
    signal(number, SIG_DFL);  // Asked twice: stop now.
    raise(number);
  }
}

class StoppableRealClock : public Clock {
 public:
  absl::Time Now() override { return RealClock().Now(); }
  void SleepFor(absl::Duration duration) override {
    const absl::Time end = absl::Now() + duration;
    while (StopSignal() == 0) {
      const absl::Duration left = end - absl::Now();
      if (left <= absl::ZeroDuration()) return;
      absl::SleepFor(std::min(left, absl::Milliseconds(50)));
    }
  }
};

}  // namespace

void InstallStopSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = &RecordStopSignal;
  action.sa_flags = SA_RESTART;  // Blocking writes (progress on a pipe) go on; polls see it.
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

int StopSignal() { return received_signal.load(); }

Clock& StoppableClock() {
  static StoppableRealClock* clock = new StoppableRealClock();
  return *clock;
}

}  // namespace atp::app
