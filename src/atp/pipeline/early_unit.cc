#include "atp/pipeline/early_unit.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace atp::pipeline {

EarlyUnit::EarlyUnit(TranscodeUnit unit, Encode encode)
    : unit_(std::move(unit)), thread_([this, encode = std::move(encode)] {
        result_ =
            encode([this](const encode::TranscodeProgress& reached) { return Progress(reached); },
                   [this] { return SpreadRungs(); });
      }) {}

EarlyUnit::~EarlyUnit() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::vector<PackagedTrack>> EarlyUnit::Adopt(encode::TranscodeProgressFn progress,
                                                            std::function<bool()> spread_rungs) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    progress_ = std::move(progress);
    spread_rungs_ = std::move(spread_rungs);
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  progress_ = nullptr;
  spread_rungs_ = nullptr;
  return std::move(result_);
}

// Called on the unit's thread at every frame, under the lock that Adopt and the destructor
// take: the step's callback is called only while installed, and a stop is seen at the next
// frame.
absl::Status EarlyUnit::Progress(const encode::TranscodeProgress& reached) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_) {
    return absl::AbortedError(
        absl::StrCat("stopped: ", unit_.name,
                     " was started beside the checksums and not taken over by the "
                     "transcode step (a mismatch, a stop or a cancel)"));
  }
  return progress_ ? progress_(reached) : absl::OkStatus();
}

bool EarlyUnit::SpreadRungs() {
  std::lock_guard<std::mutex> lock(mutex_);
  return spread_rungs_ && spread_rungs_();
}

}  // namespace atp::pipeline
