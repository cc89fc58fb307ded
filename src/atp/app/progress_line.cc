#include "atp/app/progress_line.h"

#include <unistd.h>

namespace atp::app {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTerminalInterval = std::chrono::milliseconds(200);
constexpr auto kLogInterval = std::chrono::seconds(10);

}  // namespace

ProgressLine::ProgressLine(std::string label, std::FILE* out)
    : label_(std::move(label)),
      out_(out),
      terminal_(isatty(fileno(out)) != 0),
      start_(Clock::now()),
      last_print_(start_) {}

ProgressLine::~ProgressLine() {
  if (wrote_in_place_) std::fputc('\n', out_);
}

void ProgressLine::UpdateBytes(int64_t done, int64_t total) {
  const Clock::time_point now = Clock::now();
  const bool finished = done >= total;
  if (now - last_print_ < (terminal_ ? kTerminalInterval : kLogInterval) && !finished) return;
  if (finished && !wrote_in_place_ && !terminal_ && now - start_ < kLogInterval) return;
  last_print_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double mib_per_s = seconds > 0 ? done / seconds / (1 << 20) : 0;
  const double percent = total > 0 ? 100.0 * done / total : 100.0;
  const double eta = mib_per_s > 0 ? (total - done) / (mib_per_s * (1 << 20)) : 0;
  std::fprintf(out_, "%s%s: %5.1f%%  %.0f/%.0f MiB  %.0f MiB/s  ETA %.0f s%s",
               terminal_ ? "\r" : "", label_.c_str(), percent, done / double(1 << 20),
               total / double(1 << 20), mib_per_s, eta, terminal_ ? "\x1b[K" : "\n");
  std::fflush(out_);
  wrote_in_place_ = terminal_;
}

}  // namespace atp::app
