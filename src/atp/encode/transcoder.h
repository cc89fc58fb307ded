// atp/encode/transcoder.h
//
// Passes over a mezzanine. A video pass decodes one range of frames once and scales and
// encodes it for every rung; an audio pass encodes every planned AAC rendition (one or two per
// audio track) over the whole file. Encoded packets go to a PacketSink as atp's records
// (core/encoded_media.h): no FFmpeg type crosses this header.
#ifndef ATP_ENCODE_TRANSCODER_H_
#define ATP_ENCODE_TRANSCODER_H_

#include <filesystem>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "atp/core/audio_loudness.h"
#include "atp/core/encoded_media.h"
#include "atp/core/job_spec.h"
#include "atp/core/random_access_file.h"
#include "atp/core/rendition.h"
#include "atp/core/source_info.h"
#include "atp/encode/encoding_profile.h"
#include "atp/encode/video_conversion.h"

namespace atp::encode {

enum class TranscodePart { kVideo, kAudio };

// `end_frame` of a range that runs to the end of the file.
inline constexpr int64_t kUntilEnd = -1;

// The frame spacing of IDRs, segments and chunks for a profile at a frame rate.
struct FrameGrid {
  int64_t gop_frames = 1;
  int64_t segment_frames = 1;  // A multiple of gop_frames.
  int64_t chunk_frames = 1;    // A multiple of segment_frames.
};
// REQUIRES: ValidateProfile(profile) is OK and frame_rate is positive.
[[nodiscard]] FrameGrid FrameGridFor(const EncodingProfile& profile, Rational frame_rate);

// The number of frames at `frame_rate` in `duration_us`, rounded to the nearest; 0 when the
// frame rate is not positive. An estimate: a container's duration need not be a whole
// number of frames.
[[nodiscard]] int64_t EstimatedFrameCount(int64_t duration_us, Rational frame_rate);

struct FrameRange {
  int64_t first = 0;
  int64_t end = kUntilEnd;  // Exclusive.

  bool operator==(const FrameRange&) const = default;
};

// The video chunks of a source of about `estimated_frames` frames: [0, c), [c, 2c), ...,
// the last one running to the end of the file (so an estimate that is short loses nothing)
// and at least one chunk long (so one that is long does not leave an empty chunk).
[[nodiscard]] std::vector<FrameRange> PlanVideoChunks(const FrameGrid& grid,
                                                      int64_t estimated_frames);

struct TranscodePlan {
  const RandomAccessFile* input = nullptr;  // The mezzanine; outlives the transcode.
  Ladder ladder;
  EncodingProfile profile;
  // Audio: the outputs, in order (PlanAudioRenditions); several may render one stream.
  std::vector<AudioRendition> audio;
  int threads = 2;  // The decoder's and each encoder's.
  // Video: asked before each frame until it says yes (null: never); from that frame on, each
  // rung encodes on a thread of its own (ConcurrentRungs), the same packets as when they take
  // turns on the calling thread. Called on the transcoding thread.
  std::function<bool()> spread_rungs;
  TranscodePart part = TranscodePart::kVideo;
  // The output's frame rate (every part: it times the segments) and the video's
  // deinterlacing; a frame rate that is not positive means the source's own.
  VideoConversion conversion;
  // Video: the frames to encode; `first` on a segment boundary (frame indexes count slots of
  // conversion.frame_rate from the start of the video stream).
  FrameRange frames;
};

// What a video pass did to put the source on the constant output rate (within its range).
struct TranscodeStats {
  int64_t frames_encoded = 0;
  int64_t frames_repeated = 0;  // Slots no source frame reached: the frame before fills them.
  int64_t frames_dropped = 0;   // Source frames whose slot a later frame took.
};

// Outputs are numbered: a video pass's are the rungs in ladder order, an audio pass's the
// audio renditions in plan order.
class PacketSink {
 public:
  virtual ~PacketSink() = default;
  // Called once per output before its first packet, with the stream its encoder produces.
  virtual absl::Status OpenOutput(size_t output, const EncodedStream& stream) = 0;
  // `packet` is in the stream's time base; its bytes are valid only during the call.
  // `starts_segment` marks the first packet of a new segment: a video IDR on the segment
  // grid, or the first audio packet at or after it. A non-OK status stops the transcode,
  // which returns it.
  virtual absl::Status WritePacket(size_t output, const EncodedPacket& packet,
                                   bool starts_segment) = 0;
  // Called once per audio output after its last packet, with its loudness before and after
  // normalization. The default keeps nothing.
  virtual absl::Status FinishAudioOutput(size_t /*output*/, const AudioLoudness& /*loudness*/) {
    return absl::OkStatus();
  }
};

struct TranscodeProgress {
  // The position reached in the file, in video frames. The audio pass reads the file twice
  // when it normalizes loudness (once to measure, once to encode): each read counts for half.
  int64_t frames_done = 0;
  int64_t frames_total = 0;  // From the container duration; an estimate.
};

// Called after each decoded video frame or audio packet; a non-OK status (a deadline passed, a
// cancel request) stops the transcode, which returns that status.
using TranscodeProgressFn = std::function<absl::Status(const TranscodeProgress&)>;

// The audio pass decodes each rendition's track and converts it to the profile's rate and the
// rendition's channels (AudioTrackDecoder: ITU-R BS.775 downmix to stereo or mono). When the
// profile normalizes loudness it measures the whole track first (BS.1770-4, libebur128), then
// decodes it again, applies the constant gain target - measured and the true-peak limiter
// (LoudnessNormalizer), and encodes that; with audio.loudness = "off" it measures while it encodes
// and changes nothing. Either way each output's loudness goes to PacketSink::FinishAudioOutput.
//
// Every rung gets an IDR exactly every profile.keyframe_interval_seconds (rounded to whole
// frames) on the same frames, and segments of profile.segment_seconds start on those IDRs, so
// segment boundaries are identical across renditions. Decoded frames are deinterlaced when
// the plan says so, then placed on the constant output rate by their timestamps (as
// ffmpeg's fps filter does: the latest frame at or before a slot fills it; the last frame
// lasts its own duration). A video range starting after frame 0
// is reached by seeking (or, when the container cannot seek there, by decoding from the
// start) and is encoded by fresh encoders whose first frame is an IDR with the frame's own
// timestamp, so consecutive ranges join into one stream. InvalidArgument for unreadable or
// corrupt media, a range past the end of the video, and a declared audio track the file
// does not have.
[[nodiscard]] absl::StatusOr<TranscodeStats> Transcode(const TranscodePlan& plan, PacketSink& sink,
                                                       const TranscodeProgressFn& progress);

}  // namespace atp::encode

#endif  // ATP_ENCODE_TRANSCODER_H_
