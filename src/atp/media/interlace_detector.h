// atp/media/interlace_detector.h
//
// Whether a video is interlaced when its stream does not say: libavfilter's idet over frames
// sampled across the file.
#ifndef ATP_MEDIA_INTERLACE_DETECTOR_H_
#define ATP_MEDIA_INTERLACE_DETECTOR_H_

#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "atp/core/random_access_file.h"
#include "atp/core/source_info.h"

namespace atp::media {

// idet's multi-frame verdicts over the sampled frames.
struct IdetCounts {
  int64_t top_field_first = 0;
  int64_t bottom_field_first = 0;
  int64_t progressive = 0;
  int64_t undetermined = 0;
  // Frames whose top or bottom field repeats the previous frame's (3:2 pulldown repeats one
  // field in 2 frames of 5), and those that repeat neither.
  int64_t repeated_fields = 0;
  int64_t repeated_none = 0;
};

struct InterlaceVerdict {
  FieldOrder field_order = FieldOrder::kUnknown;
  // Interlaced frames were a minority but a real one (2 in 5 in 3:2 pulldown): telecined
  // film or mixed content. field_order is then interlaced, so it is deinterlaced.
  bool partly_interlaced = false;
  // At least one frame in five repeats a field: telecined film (3:2 pulldown) is likely.
  bool pulldown = false;
  IdetCounts counts;
  std::string evidence;  // E.g. "idet: 70 tff, 0 bff, 2 progressive, 8 undetermined of 80".
};

// Decodes `frames_per_sample` frames at each of `samples` points spread over the video and
// counts what idet sees. Interlaced when at least half the determined frames are, with the
// field order most frames show; partly interlaced when 15% to 50% are. Progressive when
// fewer are, unknown when idet determined no frame. Errors as for ProbeMedia.
[[nodiscard]] absl::StatusOr<InterlaceVerdict> DetectInterlacing(const RandomAccessFile& file,
                                                                 int samples = 4,
                                                                 int frames_per_sample = 24);
// The same for a file atp wrote itself, opened by path (see OpenDemuxer).
[[nodiscard]] absl::StatusOr<InterlaceVerdict> DetectInterlacing(const std::filesystem::path& file,
                                                                 int samples = 4,
                                                                 int frames_per_sample = 24);

// The verdict from counts alone (the rule above).
[[nodiscard]] InterlaceVerdict JudgeIdetCounts(const IdetCounts& counts);

}  // namespace atp::media

#endif  // ATP_MEDIA_INTERLACE_DETECTOR_H_
