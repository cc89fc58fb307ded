// atp/encode/concurrent_rungs.h
//
// The rungs of a video pass, each encoding on a thread of its own.
#ifndef ATP_ENCODE_CONCURRENT_RUNGS_H_
#define ATP_ENCODE_CONCURRENT_RUNGS_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "atp/core/bounded_queue.h"
#include "atp/encode/video_rung_encoder.h"
#include "atp/media/av_ptr.h"

namespace atp::encode {

// Runs VideoRungEncoders side by side: a rung takes its input pictures in order from a queue
// of a few (the source's, or those of the rung it scales from), makes its own picture, hands
// a reference to it to each rung that scales from it, then encodes it. Pictures are
// reference-counted frames: nothing is copied from rung to rung, and a picture lives while a
// queue or a rung holds it. Every rung is given the same pictures in the same order as when
// the rungs are called one after the other on one thread, so they encode the same packets
// (an encoder's output depends on its own thread count, not on the thread that calls it).
// The decode and the source's placing stay on the caller's thread: with a cascade the work of
// a frame spreads over 1 + rungs threads.
// A rung fed by another rung runs at a lower priority than the caller's thread and the rungs
// fed by the source (core::LowerCallingThreadPriority): those feed the rest, and the largest
// picture's encode is the slowest stage, so they get the CPU first when the threads outnumber
// the CPUs.
class ConcurrentRungs {
 public:
  // `rungs[i]` takes its pictures from rung `feeders[i]` (an earlier one), or from the source
  // when that is -1, and writes its packets to `outputs[i]` from its own thread. The rungs
  // outlive this object.
  ConcurrentRungs(std::vector<VideoRungEncoder*> rungs, std::vector<int> feeders,
                  std::vector<PacketCallback> outputs);
  // Stops the rungs' threads unless Finish has returned; what they hold is dropped.
  ~ConcurrentRungs();

  ConcurrentRungs(const ConcurrentRungs&) = delete;
  ConcurrentRungs& operator=(const ConcurrentRungs&) = delete;

  // Queues a reference to `source` as the frame with index `index` for the rungs that take
  // the source; waits while their queues are full. Once a rung has failed, the first
  // failure (nothing more is queued).
  absl::Status Push(const AVFrame& source, int64_t index);
  // Ends the stream: each rung encodes what it was given, then drains its encoder. Returns
  // when every thread has ended: the first failure of a rung, else OK.
  absl::Status Finish();

 private:
  // An input picture; a null `picture` ends the stream.
  struct Item {
    media::FramePtr picture;
    int64_t index = 0;
  };

  // Rung `rung`'s thread: Item by Item until the end, a failure or a stop.
  void Run(size_t rung);
  absl::Status EncodeAll(size_t rung);
  // Hands a reference to `picture` (null: the end) to every rung fed by `feeder` (-1: the
  // source). False once stopped.
  bool HandToFedRungs(int feeder, const AVFrame* picture, int64_t index);
  // Records the first failure and stops every thread.
  void Fail(absl::Status status);
  absl::Status FirstFailure();
  void JoinAll();

  std::vector<VideoRungEncoder*> rungs_;
  std::vector<int> feeders_;
  std::vector<PacketCallback> outputs_;
  std::vector<std::unique_ptr<BoundedQueue<Item>>> queues_;  // One per rung: its inputs.
  std::vector<std::thread> threads_;                         // One per rung.
  std::mutex mutex_;
  absl::Status first_failure_;  // Guarded by mutex_.
};

}  // namespace atp::encode

#endif  // ATP_ENCODE_CONCURRENT_RUNGS_H_
