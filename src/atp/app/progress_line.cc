#include "atp/app/progress_line.h"

#include <unistd.h>

#include <algorithm>

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

void ProgressLine::Print(const std::string& text, bool finished) {
  const Clock::time_point now = Clock::now();
  if (now - last_print_ < (terminal_ ? kTerminalInterval : kLogInterval) && !finished) return;
  // Work that ends within one log interval prints nothing when not on a terminal.
  if (finished && !terminal_ && now - start_ < kLogInterval) return;
  last_print_ = now;
  std::fprintf(out_, "%s%s: %s%s", terminal_ ? "\r" : "", label_.c_str(), text.c_str(),
               terminal_ ? "\x1b[K" : "\n");
  std::fflush(out_);
  wrote_in_place_ = terminal_;
}

std::pair<double, double> ProgressLine::RateAndEta(int64_t done, int64_t total) {
  const Clock::time_point now = Clock::now();
  if (first_done_ < 0) {
    first_done_ = done;
    first_update_ = now;
  }
  const double seconds = std::chrono::duration<double>(now - first_update_).count();
  const double rate = seconds > 0 ? (done - first_done_) / seconds : 0;
  return {rate, rate > 0 && total > done ? (total - done) / rate : 0};
}

void ProgressLine::EndLine() {
  if (wrote_in_place_) std::fputc('\n', out_);
  wrote_in_place_ = false;
}

void ProgressLine::UpdateBytes(int64_t done, int64_t total) {
  const auto [bytes_per_second, eta] = RateAndEta(done, total);
  const double percent = total > 0 ? 100.0 * done / total : 100.0;
  char text[160];
  std::snprintf(text, sizeof text, "%5.1f%%  %.0f/%.0f MiB  %.0f MiB/s  ETA %.0f s", percent,
                done / double(1 << 20), total / double(1 << 20), bytes_per_second / (1 << 20), eta);
  Print(text, done >= total);
}

void ProgressLine::UpdateFrames(int64_t done, int64_t total, double frames_per_second) {
  const auto [fps, eta] = RateAndEta(done, total);
  const double percent = total > 0 ? std::min(100.0, 100.0 * done / total) : 0;
  const double speed = frames_per_second > 0 ? fps / frames_per_second : 0;
  char text[160];
  std::snprintf(text, sizeof text, "%5.1f%%  frame %lld/%lld  %.1f fps  %.2fx realtime  ETA %.0f s",
                percent, static_cast<long long>(done), static_cast<long long>(total), fps, speed,
                eta);
  Print(text, total > 0 && done >= total);
}

void ShowRunProgress(pipeline::RunHooks& hooks, std::unique_ptr<ProgressLine>& line) {
  hooks.verify_progress = [&line](int64_t done, int64_t total) {
    if (!line) line = std::make_unique<ProgressLine>("verify: checksums");
    line->UpdateBytes(done, total);
  };
  hooks.transcode_progress = [&line](const encode::TranscodeProgress& p, const SourceInfo& source) {
    if (!line) line = std::make_unique<ProgressLine>("transcode");
    line->UpdateFrames(p.frames_done, p.frames_total, source.frame_rate.ToDouble());
  };
}

}  // namespace atp::app
