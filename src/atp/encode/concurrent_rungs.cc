#include "atp/encode/concurrent_rungs.h"

#include <utility>

#include "atp/core/status_macros.h"
#include "atp/core/thread_priority.h"

namespace atp::encode {
namespace {

// Pictures a rung's queue holds: enough to even out a frame that takes one rung longer
// (an I-frame, a scene cut), few enough that a 1080p chunk's queues stay in tens of MB.
constexpr size_t kQueuedPictures = 3;

// How much lower a rung fed by another rung runs than the rungs fed by the source and the
// caller's decoding thread. A fed rung cannot run ahead of its feeder, and its feeder (the
// largest picture, converted from the source) is the slowest stage: at equal priority the
// other threads took turns on its CPU (most likely a fed rung woken beside its feeder and
// preempting it), and a chunk spread over two CPUs kept them 86-90% busy; with the fed rungs
// lower, 92-95%
// (docs/performance.md, "Rungs' threads: the feeders first"). Five steps make the scheduler
// favour the feeders about threefold, without starving a fed rung that is the slowest one
// (it gets the CPU whenever the queues have stopped the others).
constexpr int kFedRungNiceSteps = 5;

}  // namespace

ConcurrentRungs::ConcurrentRungs(std::vector<VideoRungEncoder*> rungs, std::vector<int> feeders,
                                 std::vector<PacketCallback> outputs)
    : rungs_(std::move(rungs)), feeders_(std::move(feeders)), outputs_(std::move(outputs)) {
  for (size_t i = 0; i < rungs_.size(); ++i) {
    queues_.push_back(std::make_unique<BoundedQueue<Item>>(kQueuedPictures));
  }
  for (size_t i = 0; i < rungs_.size(); ++i) threads_.emplace_back(&ConcurrentRungs::Run, this, i);
}

ConcurrentRungs::~ConcurrentRungs() {
  for (const auto& queue : queues_) queue->Close();
  JoinAll();
}

absl::Status ConcurrentRungs::Push(const AVFrame& source, int64_t index) {
  ATP_RETURN_IF_ERROR(FirstFailure());
  if (!HandToFedRungs(-1, &source, index)) return FirstFailure();
  return absl::OkStatus();
}

absl::Status ConcurrentRungs::Finish() {
  HandToFedRungs(-1, nullptr, 0);
  JoinAll();
  return FirstFailure();
}

void ConcurrentRungs::Run(size_t rung) {
  // Only the order in which the scheduler runs the threads depends on it, not what they
  // encode: a refusal leaves the rung at its feeder's priority.
  if (feeders_[rung] != -1) LowerCallingThreadPriority(kFedRungNiceSteps).IgnoreError();
  if (absl::Status status = EncodeAll(rung); !status.ok()) Fail(std::move(status));
}

absl::Status ConcurrentRungs::EncodeAll(size_t rung) {
  VideoRungEncoder& encoder = *rungs_[rung];
  const int feeder = static_cast<int>(rung);
  for (;;) {
    std::optional<Item> item = queues_[rung]->Pop();
    if (!item) return absl::OkStatus();  // Stopped.
    if (item->picture == nullptr) {
      HandToFedRungs(feeder, nullptr, 0);
      return encoder.Flush(outputs_[rung]);
    }
    ATP_RETURN_IF_ERROR(encoder.MakePicture(*item->picture, item->index));
    item->picture.reset();
    if (!HandToFedRungs(feeder, &encoder.last_picture(), item->index)) return absl::OkStatus();
    ATP_RETURN_IF_ERROR(encoder.EncodePicture(outputs_[rung]));
    encoder.ReleaseInput();
  }
}

bool ConcurrentRungs::HandToFedRungs(int feeder, const AVFrame* picture, int64_t index) {
  for (size_t i = 0; i < rungs_.size(); ++i) {
    if (feeders_[i] != feeder) continue;
    Item item{.index = index};
    if (picture != nullptr) {
      item.picture.reset(av_frame_alloc());
      if (item.picture == nullptr || av_frame_ref(item.picture.get(), picture) < 0) {
        Fail(absl::ResourceExhaustedError("no memory for a reference to a picture"));
        return false;
      }
    }
    if (!queues_[i]->Push(std::move(item))) return false;
  }
  return true;
}

void ConcurrentRungs::Fail(absl::Status status) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_failure_.ok()) first_failure_ = std::move(status);
  }
  for (const auto& queue : queues_) queue->Close();
}

absl::Status ConcurrentRungs::FirstFailure() {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_failure_;
}

void ConcurrentRungs::JoinAll() {
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace atp::encode
