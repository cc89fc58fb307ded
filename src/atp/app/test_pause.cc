#include "atp/app/test_pause.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "absl/time/clock.h"
#include "atp/app/stop_signals.h"

namespace atp::app {

void PauseIfAsked(const Settings& settings, std::string_view where) {
  static std::atomic<bool> paused = false;  // Once: a step restarted in the process goes on.
  if (settings.pause_at_step.empty() || where != settings.pause_at_step || paused.exchange(true)) {
    return;
  }
  if (settings.pause_marker.empty()) {
    while (StopSignal() == 0) pause();
    return;
  }
  std::ofstream(settings.pause_marker) << getpid() << "\n";
  std::error_code error;
  while (std::filesystem::exists(settings.pause_marker, error) && StopSignal() == 0) {
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace atp::app
