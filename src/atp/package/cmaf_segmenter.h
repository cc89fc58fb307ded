// atp/package/cmaf_segmenter.h
//
// Turns one track's encoded packets into CMAF files: init.mp4 and seg_00001.m4s, ..., using
// libavformat's mp4 muxer in custom-fragment mode (one moof+mdat per flush), as FFmpeg's own
// DASH muxer does. The files go to a SegmentFileWriter: the segmenter touches no filesystem.
#ifndef ATP_PACKAGE_CMAF_SEGMENTER_H_
#define ATP_PACKAGE_CMAF_SEGMENTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/encoded_media.h"
#include "atp/core/packaged_media.h"
#include "atp/package/segment_file_writer.h"

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
  // Writes init.mp4 for `stream` to `files` (unless options.continues_track). `files` must
  // outlive the segmenter. InvalidArgument when `stream` cannot be muxed (no codec
  // configuration, a time base that is not positive); errors of `files` unchanged.
  static absl::StatusOr<std::unique_ptr<CmafSegmenter>> Create(const EncodedStream& stream,
                                                               SegmentFileWriter& files,
                                                               const SegmenterOptions& options);
  ~CmafSegmenter();

  // Writes `packet` (in the stream's time base). When `starts_segment`, the segment written
  // so far is closed first and written to the files; the first packet always starts
  // segment 1.
  absl::Status Write(const EncodedPacket& packet, bool starts_segment);

  // Closes the last segment. REQUIRES: called once, after the last Write.
  absl::Status Finish();

  // The written segments: durations are the sums of their samples' durations, starts are
  // decode times relative to the track's first sample (its tfdt), in timescale() ticks.
  [[nodiscard]] const std::vector<MediaSegment>& segments() const { return segments_; }
  [[nodiscard]] int64_t timescale() const { return timescale_; }

 private:
  struct Muxer;  // libavformat's mp4 muxer: FFmpeg types stay in the .cc file.

  CmafSegmenter(SegmentFileWriter& files, const SegmenterOptions& options);
  absl::Status CloseSegment();

  SegmentFileWriter& files_;
  SegmenterOptions options_;
  std::unique_ptr<Muxer> muxer_;
  int64_t timescale_ = 0;
  bool segment_open_ = false;
  int64_t first_dts_ = 0;  // Decode time of the track's first sample (tfdt 0).
  int64_t segment_start_ = 0;
  int64_t end_dts_ = 0;  // Decode time just after the last packet written.
  std::vector<MediaSegment> segments_;
};

}  // namespace atp::package

#endif  // ATP_PACKAGE_CMAF_SEGMENTER_H_
