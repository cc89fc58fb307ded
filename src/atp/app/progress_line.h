// atp/app/progress_line.h
//
// Progress of long work on stderr: one line rewritten in place on a terminal (at most every
// 200 ms), plain lines every 10 s otherwise (logs, CI).
#ifndef ATP_APP_PROGRESS_LINE_H_
#define ATP_APP_PROGRESS_LINE_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "atp/pipeline/job_steps.h"

namespace atp::app {

class ProgressLine {
 public:
  // `label` starts every line, e.g. "verify".
  ProgressLine(std::string label, std::FILE* out = stderr);
  ~ProgressLine();  // Ends an in-place line with a newline.

  // Reports `done` of `total` bytes; rate-limited as described above.
  void UpdateBytes(int64_t done, int64_t total);

  // Reports `done` of `total` frames of media running at `frames_per_second`: percent,
  // encoding fps, speed as a multiple of real time, ETA.
  void UpdateFrames(int64_t done, int64_t total, double frames_per_second);

  // Ends a line written in place, so that other output can follow; the next update starts a
  // new one. Rates stay measured from the first update.
  void EndLine();

 private:
  // Prints `text` if the rate limit allows (always when `finished`).
  void Print(const std::string& text, bool finished);
  // Units of work per second since the first update (whose `done` may be work finished
  // before this line began: a resumed job's), and the seconds to finish at that rate.
  [[nodiscard]] std::pair<double, double> RateAndEta(int64_t done, int64_t total);

  std::string label_;
  std::FILE* out_;
  bool terminal_;
  bool wrote_in_place_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  int64_t first_done_ = -1;  // `done` at the first update; -1 before one.
  std::chrono::steady_clock::time_point first_update_;
};

// Shows the checksum pass and the transcode of a job run in `line` (made on first use, reset
// by the caller between steps).
void ShowRunProgress(pipeline::RunHooks& hooks, std::unique_ptr<ProgressLine>& line);

}  // namespace atp::app

#endif  // ATP_APP_PROGRESS_LINE_H_
