#include "atp/media/video_filter.h"

#include "absl/strings/str_cat.h"
#include "atp/media/av_error.h"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
}

namespace atp::media {

absl::StatusOr<std::unique_ptr<VideoFilter>> VideoFilter::Create(const AVFrame& like,
                                                                 AVRational time_base,
                                                                 AVRational frame_rate,
                                                                 const std::string& chain) {
  auto filter = std::unique_ptr<VideoFilter>(new VideoFilter());
  filter->graph_ = avfilter_graph_alloc();
  if (filter->graph_ == nullptr) return absl::ResourceExhaustedError("filter graph: no memory");
  filter->graph_->nb_threads = 1;
  const AVRational sar =
      like.sample_aspect_ratio.num > 0 ? like.sample_aspect_ratio : AVRational{1, 1};
  std::string source_args = absl::StrCat(
      "video_size=", like.width, "x", like.height, ":pix_fmt=", like.format,
      ":time_base=", time_base.num, "/", time_base.den, ":pixel_aspect=", sar.num, "/", sar.den);
  if (frame_rate.num > 0 && frame_rate.den > 0) {
    absl::StrAppend(&source_args, ":frame_rate=", frame_rate.num, "/", frame_rate.den);
  }
  int error = avfilter_graph_create_filter(&filter->source_, avfilter_get_by_name("buffer"), "in",
                                           source_args.c_str(), nullptr, filter->graph_);
  if (error < 0) return AvErrorToStatus(error, "filter source");
  error = avfilter_graph_create_filter(&filter->sink_, avfilter_get_by_name("buffersink"), "out",
                                       nullptr, nullptr, filter->graph_);
  if (error < 0) return AvErrorToStatus(error, "filter sink");

  // The chain's open input connects to the source, its open output to the sink.
  AVFilterInOut* chain_input = avfilter_inout_alloc();
  AVFilterInOut* chain_output = avfilter_inout_alloc();
  chain_input->name = av_strdup("out");
  chain_input->filter_ctx = filter->sink_;
  chain_output->name = av_strdup("in");
  chain_output->filter_ctx = filter->source_;
  error =
      avfilter_graph_parse_ptr(filter->graph_, chain.c_str(), &chain_input, &chain_output, nullptr);
  avfilter_inout_free(&chain_input);
  avfilter_inout_free(&chain_output);
  if (error >= 0) error = avfilter_graph_config(filter->graph_, nullptr);
  if (error < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter '", chain, "': ", std::string(AvErrorToStatus(error, "libavfilter").message())));
  }
  return filter;
}

VideoFilter::~VideoFilter() { avfilter_graph_free(&graph_); }

absl::Status VideoFilter::Push(AVFrame* frame) {
  const int error = av_buffersrc_add_frame_flags(source_, frame, 0);
  if (error < 0) return AvErrorToStatus(error, "filter input");
  return absl::OkStatus();
}

AVRational VideoFilter::output_time_base() const { return av_buffersink_get_time_base(sink_); }

absl::StatusOr<bool> VideoFilter::Pull(AVFrame* frame) {
  const int error = av_buffersink_get_frame(sink_, frame);
  if (error == AVERROR(EAGAIN) || error == AVERROR_EOF) return false;
  if (error < 0) return AvErrorToStatus(error, "filter output");
  return true;
}

}  // namespace atp::media
