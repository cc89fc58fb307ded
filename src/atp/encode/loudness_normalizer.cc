#include "atp/encode/loudness_normalizer.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/media/av_error.h"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
}

namespace atp::encode {
namespace {

struct FilterInOutDeleter {
  void operator()(AVFilterInOut* inout) const { avfilter_inout_free(&inout); }
};
using FilterInOutPtr = std::unique_ptr<AVFilterInOut, FilterInOutDeleter>;

absl::Status GraphError(int error, std::string_view what) {
  return absl::InternalError(absl::StrCat("loudness normalizer: ", std::string(what), ": ",
                                          media::AvErrorToStatus(error, "libavfilter").message()));
}

}  // namespace

double NormalizationGainDb(std::optional<double> integrated_lufs, double target_lufs) {
  return integrated_lufs ? target_lufs - *integrated_lufs : 0.0;
}

bool LimiterActs(std::optional<double> true_peak_dbtp, double gain_db, double ceiling_dbtp) {
  return true_peak_dbtp && *true_peak_dbtp + gain_db > ceiling_dbtp - kLimiterMarginDb;
}

absl::StatusOr<std::unique_ptr<LoudnessNormalizer>> LoudnessNormalizer::Create(
    int sample_rate_hz, const AVChannelLayout& layout, double gain_db, double ceiling_dbtp,
    std::optional<double> true_peak_dbtp) {
  auto normalizer = std::unique_ptr<LoudnessNormalizer>(new LoudnessNormalizer());
  normalizer->graph_ = avfilter_graph_alloc();
  normalizer->filtered_.reset(av_frame_alloc());
  if (normalizer->graph_ == nullptr || normalizer->filtered_ == nullptr) {
    return absl::ResourceExhaustedError("loudness normalizer: out of memory");
  }
  char layout_name[64] = {};
  av_channel_layout_describe(&layout, layout_name, sizeof(layout_name));
  const std::string source_args =
      absl::StrFormat("time_base=1/%d:sample_rate=%d:sample_fmt=fltp:channel_layout=%s",
                      sample_rate_hz, sample_rate_hz, layout_name);
  AVFilterGraph* graph = normalizer->graph_;
  if (int error =
          avfilter_graph_create_filter(&normalizer->source_, avfilter_get_by_name("abuffer"), "in",
                                       source_args.c_str(), nullptr, graph);
      error < 0) {
    return GraphError(error, "abuffer");
  }
  if (int error = avfilter_graph_create_filter(
          &normalizer->sink_, avfilter_get_by_name("abuffersink"), "out", nullptr, nullptr, graph);
      error < 0) {
    return GraphError(error, "abuffersink");
  }
  normalizer->limits_ = LimiterActs(true_peak_dbtp, gain_db, ceiling_dbtp);
  std::string chain = absl::StrFormat("volume=volume=%.6fdB:precision=float,", gain_db);
  if (normalizer->limits_) {
    absl::StrAppendFormat(&chain,
                          "aresample=%d,alimiter=limit=%.6f:attack=5:release=50:level=0:latency=1,"
                          "aresample=%d,",
                          4 * sample_rate_hz,
                          std::pow(10.0, (ceiling_dbtp - kLimiterMarginDb) / 20), sample_rate_hz);
  }
  absl::StrAppendFormat(&chain, "aformat=sample_fmts=fltp:channel_layouts=%s", layout_name);
  FilterInOutPtr outputs(avfilter_inout_alloc());
  FilterInOutPtr inputs(avfilter_inout_alloc());
  if (outputs == nullptr || inputs == nullptr) {
    return absl::ResourceExhaustedError("loudness normalizer: out of memory");
  }
  outputs->name = av_strdup("in");
  outputs->filter_ctx = normalizer->source_;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = normalizer->sink_;
  AVFilterInOut* raw_inputs = inputs.release();
  AVFilterInOut* raw_outputs = outputs.release();
  const int parsed =
      avfilter_graph_parse_ptr(graph, chain.c_str(), &raw_inputs, &raw_outputs, nullptr);
  inputs.reset(raw_inputs);
  outputs.reset(raw_outputs);
  if (parsed < 0) return GraphError(parsed, chain);
  if (int error = avfilter_graph_config(graph, nullptr); error < 0) {
    return GraphError(error, "configuring");
  }
  return normalizer;
}

LoudnessNormalizer::~LoudnessNormalizer() { avfilter_graph_free(&graph_); }

absl::Status LoudnessNormalizer::Filter(const AVFrame* frame, const AudioFrameCallback& out) {
  // The source takes a reference to the frame's buffers; the caller's frame is unchanged.
  if (int error = av_buffersrc_write_frame(source_, frame); error < 0) {
    return GraphError(error, "feeding");
  }
  for (;;) {
    const int error = av_buffersink_get_frame(sink_, filtered_.get());
    if (error == AVERROR(EAGAIN) || error == AVERROR_EOF) return absl::OkStatus();
    if (error < 0) return GraphError(error, "filtering");
    absl::Status handed = out(*filtered_);
    av_frame_unref(filtered_.get());
    ATP_RETURN_IF_ERROR(handed);
  }
}

}  // namespace atp::encode
