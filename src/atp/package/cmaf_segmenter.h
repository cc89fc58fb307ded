// atp/package/cmaf_segmenter.h
//
// Turns one track's encoded packets into CMAF files: init.mp4 and seg_00001.m4s, ..., using
// libavformat's mp4 muxer in custom-fragment mode (one moof+mdat per flush), as FFmpeg's own
// DASH muxer does. The files go to a SegmentFileWriter: the segmenter touches no filesystem.
//
// Timeline (ISO/IEC 23000-19 7.5.13, as shaka-packager writes it): the track's first sample
// decodes at 0, composition offsets are non-negative (trun version 0), and the init segment's
// edit list (one entry, media_time = the stream's delay) presents media time `delay` at 0.
// The delay is the video encoder's decode delay (reordered frames: every keyframe shows that
// long after it decodes) or the audio encoder's priming. So frame n is presented at n frame
// durations and the first input audio sample at 0; the priming samples stay in segment 1.
// One constant delay for every chunk of a track keeps decode times monotonic across chunks:
// every chunk's encoder is set up alike, and the assembler checks that their delays agree.
// (Not negative offsets with no edit list, which libavformat's +cmaf writes: players and
// ffmpeg's demuxer then derive decode times from the most negative offset seen so far, which
// moves when a later chunk reorders more, and ffmpeg shows the video that much late.)
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
  // A segmenter of `stream` writing to `files`, which must outlive it. InvalidArgument when
  // `stream` cannot be muxed (no codec configuration, a time base that is not positive).
  static absl::StatusOr<std::unique_ptr<CmafSegmenter>> Create(const EncodedStream& stream,
                                                               SegmentFileWriter& files,
                                                               const SegmenterOptions& options);
  ~CmafSegmenter();

  // Writes `packet` (in the stream's time base). The first packet writes init.mp4 (unless
  // options.continues_track: its edit list needs the video's decode delay, which that
  // packet shows). When `starts_segment`, the segment written so far is closed first and
  // written to the files; the first packet always starts segment 1. FailedPrecondition when
  // the packets do not fit the track's timeline: a video chunk whose first packet is not a
  // keyframe shown at or after it decodes, a track whose first packet does not decode at
  // the delay before pts 0 (audio: pts -priming_samples), a decode time before the track's
  // first. Errors of `files` unchanged.
  absl::Status Write(const EncodedPacket& packet, bool starts_segment);

  // Closes the last segment. REQUIRES: called once, after the last Write.
  absl::Status Finish();

  // The written segments: durations are the sums of their samples' durations, starts are
  // decode times relative to the track's first sample (its tfdt), in timescale() ticks.
  [[nodiscard]] const std::vector<MediaSegment>& segments() const { return segments_; }
  [[nodiscard]] int64_t timescale() const { return timescale_; }
  // The init segment's edit-list media_time, in timescale() ticks: the decode time presented
  // at 0 (0 when the stream has no delay and no edit list is written). A continuing track's
  // is what its own packets need, which the caller compares with the first chunk's. Known
  // after the first Write.
  [[nodiscard]] int64_t edit_media_time() const { return edit_media_time_; }
  // How much earlier each segment is presented than its first sample decodes, in
  // timescale() ticks (PackagedTrack::presentation_offset_ticks): audio, the priming; video,
  // 0, as every segment starts with a keyframe shown the decode delay after it decodes.
  [[nodiscard]] int64_t presentation_offset() const { return video_ ? 0 : edit_media_time_; }

 private:
  struct Muxer;  // libavformat's mp4 muxer: FFmpeg types stay in the .cc file.

  CmafSegmenter(SegmentFileWriter& files, const SegmenterOptions& options);
  absl::Status CloseSegment();

  SegmentFileWriter& files_;
  SegmenterOptions options_;
  std::unique_ptr<Muxer> muxer_;
  int64_t timescale_ = 0;
  int64_t edit_media_time_ = 0;
  // The stream's delay (video: the first packet's pts - dts; audio: the priming), in its
  // time base: added to every packet's times, so the track's first sample decodes at 0.
  int64_t delay_ = 0;
  bool video_ = false;
  std::string muxed_header_;  // ftyp + moov as the muxer wrote them; see CmafHeader.
  bool segment_open_ = false;
  int64_t segment_start_ = 0;
  int64_t end_dts_ = 0;  // Decode time just after the last packet written.
  std::vector<MediaSegment> segments_;
};

}  // namespace atp::package

#endif  // ATP_PACKAGE_CMAF_SEGMENTER_H_
