// atp/media/video_filter.h
//
// A chain of libavfilter video filters with one input and one output ("bwdif=...",
// "idet"), fed decoded frames and drained of filtered ones.
#ifndef ATP_MEDIA_VIDEO_FILTER_H_
#define ATP_MEDIA_VIDEO_FILTER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "atp/media/av_ptr.h"

extern "C" {
#include <libavfilter/avfilter.h>
}

namespace atp::media {

class VideoFilter {
 public:
  // Builds `chain` (libavfilter's syntax) for frames of the size, pixel format and sample
  // aspect ratio of `like` (a decoded frame), with timestamps in `time_base`, arriving at
  // `frame_rate` (filters that change the rate, such as decimate, need it).
  // InvalidArgument for a chain libavfilter rejects.
  static absl::StatusOr<std::unique_ptr<VideoFilter>> Create(const AVFrame& like,
                                                             AVRational time_base,
                                                             AVRational frame_rate,
                                                             const std::string& chain);
  ~VideoFilter();
  VideoFilter(const VideoFilter&) = delete;
  VideoFilter& operator=(const VideoFilter&) = delete;

  // Feeds `frame` (its references are taken; the caller's frame is left blank), or the end
  // of the stream when null.
  absl::Status Push(AVFrame* frame);
  // The next filtered frame into `frame`: false when the chain needs more input or has
  // ended.
  absl::StatusOr<bool> Pull(AVFrame* frame);
  // The time base of the pulled frames' timestamps (a field-rate filter halves the input's).
  [[nodiscard]] AVRational output_time_base() const;

 private:
  VideoFilter() = default;

  AVFilterGraph* graph_ = nullptr;
  AVFilterContext* source_ = nullptr;  // Owned by graph_.
  AVFilterContext* sink_ = nullptr;    // Owned by graph_.
};

}  // namespace atp::media

#endif  // ATP_MEDIA_VIDEO_FILTER_H_
