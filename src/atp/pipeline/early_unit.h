// atp/pipeline/early_unit.h
//
// A transcode unit started before its step. The verify step starts the video chunk the
// transcode takes first as soon as the probe agrees with the manifest, on the CPU that the
// checksums leave idle (MD5 is serial), and the transcode step adopts it. Until adopted the
// unit reports its progress to no one, keeps its rungs on its own thread and journals
// nothing: if the checksums do not match, it is stopped and nothing of it is kept.
#ifndef ATP_PIPELINE_EARLY_UNIT_H_
#define ATP_PIPELINE_EARLY_UNIT_H_

#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/packaged_media.h"
#include "atp/encode/transcoder.h"
#include "atp/pipeline/transcode_and_package.h"

namespace atp::pipeline {

class EarlyUnit {
 public:
  // The unit's work: an encode that reports each frame to `progress` and stops with the error
  // it returns, and spreads its rungs over threads of their own when `spread_rungs` says so
  // (PackageRequest::spread_rungs).
  using Encode = std::function<absl::StatusOr<std::vector<PackagedTrack>>(
      const encode::TranscodeProgressFn& progress, const std::function<bool()>& spread_rungs)>;

  // Starts `encode` of `unit` on a thread of its own.
  EarlyUnit(TranscodeUnit unit, Encode encode);
  // Stops the encode (its progress then fails with Aborted) unless it ended, and waits for it.
  ~EarlyUnit();

  EarlyUnit(const EarlyUnit&) = delete;
  EarlyUnit& operator=(const EarlyUnit&) = delete;

  [[nodiscard]] const TranscodeUnit& unit() const { return unit_; }

  // Hands the encode over to its step: from now on its progress goes to `progress` (whose
  // error stops it) and `spread_rungs` decides its rungs' threads. Waits for it to end and
  // returns its result. Once; the callbacks are not called after it returns.
  [[nodiscard]] absl::StatusOr<std::vector<PackagedTrack>> Adopt(
      encode::TranscodeProgressFn progress, std::function<bool()> spread_rungs);

 private:
  absl::Status Progress(const encode::TranscodeProgress& reached);
  bool SpreadRungs();

  const TranscodeUnit unit_;
  std::mutex mutex_;  // Guards the three below.
  bool stopped_ = false;
  encode::TranscodeProgressFn progress_;               // Empty until adopted.
  std::function<bool()> spread_rungs_;                 // Empty until adopted.
  absl::StatusOr<std::vector<PackagedTrack>> result_;  // Written by thread_ as it ends.
  std::thread thread_;
};

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_EARLY_UNIT_H_
