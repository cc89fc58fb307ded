// atp/package/cmaf_segmenter.h
//
// Turns one track's encoded packets into CMAF files: init.mp4 and seg_00001.m4s, ... in a
// folder, using libavformat's mp4 muxer in custom-fragment mode (one moof+mdat per flush),
// as FFmpeg's own DASH muxer does.
#ifndef ATP_PACKAGE_CMAF_SEGMENTER_H_
#define ATP_PACKAGE_CMAF_SEGMENTER_H_

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/packaged_media.h"
#include "atp/media/av_ptr.h"

namespace atp::package {

struct SegmenterOptions {
  std::string language;  // ISO 639-2 tag of the track; may be empty.
  // Whether the packets continue a track another segmenter began (a later chunk of the same
  // encoding): no init.mp4 is written, segments are numbered from `first_segment_number`,
  // and decode times continue the earlier ones, as if one segmenter had written them all.
  // The first packet must then be a keyframe whose pts is its presentation time in the
  // whole track, with the same decode delay (pts - dts) as the track's first packet.
  bool continues_track = false;
  int first_segment_number = 1;
};

class CmafSegmenter {
 public:
  // `encoder` describes the stream (its parameters and time base are copied); `dir` must
  // exist.
  static absl::StatusOr<std::unique_ptr<CmafSegmenter>> Create(const AVCodecContext& encoder,
                                                               const std::filesystem::path& dir,
                                                               const SegmenterOptions& options);
  ~CmafSegmenter();

  // Writes `packet` (in the encoder's time base). When `starts_segment`, the segment written
  // so far is closed first; the first packet always starts segment 1.
  absl::Status Write(AVPacket& packet, bool starts_segment);

  // Closes the last segment. REQUIRES: called once, after the last Write.
  absl::Status Finish();

  // The written segments: durations are the sums of their samples' durations, starts are
  // decode times relative to the track's first sample (its tfdt), in timescale() ticks.
  [[nodiscard]] const std::vector<MediaSegment>& segments() const { return segments_; }
  [[nodiscard]] int64_t timescale() const { return timescale_; }

 private:
  CmafSegmenter(const std::filesystem::path& dir, const SegmenterOptions& options)
      : dir_(dir), options_(options) {}
  absl::Status CloseSegment();
  static int WriteCallback(void* opaque, uint8_t* data, int size);  // FFmpeg 5.1 signature.

  std::filesystem::path dir_;
  SegmenterOptions options_;
  media::OutputFormatPtr format_;
  AVRational encoder_time_base_{};
  int64_t timescale_ = 0;
  std::string pending_;  // Bytes the muxer wrote since the last segment was closed.
  bool segment_open_ = false;
  int64_t first_dts_ = 0;  // Decode time of the track's first sample (tfdt 0).
  int64_t segment_start_ = 0;
  int64_t end_dts_ = 0;  // Decode time just after the last packet written.
  std::vector<MediaSegment> segments_;
};

}  // namespace atp::package

#endif  // ATP_PACKAGE_CMAF_SEGMENTER_H_
