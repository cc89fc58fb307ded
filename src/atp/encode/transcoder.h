// atp/encode/transcoder.h
//
// One pass over a mezzanine: demux once, decode the video once, scale and encode every rung,
// and encode one AAC rendition per audio track. Encoded packets go to a PacketSink.
#ifndef ATP_ENCODE_TRANSCODER_H_
#define ATP_ENCODE_TRANSCODER_H_

#include <filesystem>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "atp/core/job_spec.h"
#include "atp/core/rendition.h"
#include "atp/encode/encoding_profile.h"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace atp::encode {

struct TranscodePlan {
  std::filesystem::path input;
  Ladder ladder;
  EncodingProfile profile;
  std::vector<AudioTrackSpec> audio_tracks;  // TrackIndex n is the n-th audio stream.
  int threads = 2;
};

// Outputs are numbered: [0, ladder.size()) the rungs in ladder order, then one per audio track.
class PacketSink {
 public:
  virtual ~PacketSink() = default;
  // Called once per output before its first packet, with its opened encoder.
  virtual absl::Status OpenOutput(size_t output, const AVCodecContext& encoder) = 0;
  // `packet` is in the encoder's time base. `starts_segment` marks the first packet of a new
  // segment: a video IDR on the segment grid, or the first audio packet at or after it.
  virtual absl::Status WritePacket(size_t output, AVPacket& packet, bool starts_segment) = 0;
};

struct TranscodeProgress {
  int64_t frames_done = 0;
  int64_t frames_total = 0;  // From the container duration; an estimate.
};

// Called after each decoded frame; a non-OK status (a deadline passed, a cancel request)
// stops the transcode, which returns that status.
using TranscodeProgressFn = std::function<absl::Status(const TranscodeProgress&)>;

// Every rung gets an IDR exactly every profile.keyframe_interval_seconds (rounded to whole
// frames) on the same frames, and segments of profile.segment_seconds start on those IDRs, so
// segment boundaries are identical across renditions. InvalidArgument for unreadable or
// corrupt media and for a declared audio track the file does not have.
[[nodiscard]] absl::Status Transcode(const TranscodePlan& plan, PacketSink& sink,
                                     const TranscodeProgressFn& progress);

}  // namespace atp::encode

#endif  // ATP_ENCODE_TRANSCODER_H_
