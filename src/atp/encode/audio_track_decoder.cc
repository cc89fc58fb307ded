#include "atp/encode/audio_track_decoder.h"

#include <cmath>
#include <numbers>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/media/av_error.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace atp::encode {

absl::StatusOr<std::unique_ptr<AudioTrackDecoder>> AudioTrackDecoder::Create(const AVStream& stream,
                                                                             int sample_rate_hz,
                                                                             int channels) {
  auto track = std::unique_ptr<AudioTrackDecoder>(new AudioTrackDecoder());
  track->sample_rate_hz_ = sample_rate_hz;
  av_channel_layout_default(&track->layout_, channels);
  const AVCodec* decoder = avcodec_find_decoder(stream.codecpar->codec_id);
  if (decoder == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("audio stream ", stream.index,
                                                   ": no decoder for ",
                                                   avcodec_get_name(stream.codecpar->codec_id)));
  }
  track->decoder_.reset(avcodec_alloc_context3(decoder));
  avcodec_parameters_to_context(track->decoder_.get(), stream.codecpar);
  track->decoder_->pkt_timebase = stream.time_base;
  if (int error = avcodec_open2(track->decoder_.get(), decoder, nullptr); error < 0) {
    return media::AvErrorToStatus(error, "audio decoder");
  }

  AVChannelLayout source_layout = track->decoder_->ch_layout;
  if (source_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&source_layout, source_layout.nb_channels);
  }
  // ITU-R BS.775 downmix coefficients, stated rather than left to libswresample's defaults
  // (which happen to agree today): centre and surrounds at -3 dB, no LFE. No normalization of
  // the matrix: the output is float, and the loudness normalization sets the level.
  constexpr double kMinus3Db = std::numbers::sqrt2 / 2;
  SwrContext* resampler = nullptr;
  if (int error = swr_alloc_set_opts2(&resampler, &track->layout_, AV_SAMPLE_FMT_FLTP,
                                      sample_rate_hz, &source_layout, track->decoder_->sample_fmt,
                                      track->decoder_->sample_rate, 0, nullptr);
      error < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("audio stream ", stream.index, ": cannot resample its format"));
  }
  track->resampler_ = resampler;
  if (av_opt_set_double(resampler, "center_mix_level", kMinus3Db, 0) < 0 ||
      av_opt_set_double(resampler, "surround_mix_level", kMinus3Db, 0) < 0 ||
      av_opt_set_double(resampler, "lfe_mix_level", 0.0, 0) < 0 || swr_init(resampler) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("audio stream ", stream.index, ": cannot resample its format"));
  }
  track->decoded_.reset(av_frame_alloc());
  return track;
}

AudioTrackDecoder::~AudioTrackDecoder() {
  swr_free(&resampler_);
  av_channel_layout_uninit(&layout_);
}

absl::Status AudioTrackDecoder::Decode(const AVPacket* packet, const AudioFrameCallback& out) {
  if (int error = avcodec_send_packet(decoder_.get(), packet); error < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "corrupt audio: ", std::string(media::AvErrorToStatus(error, "decoding").message())));
  }
  for (;;) {
    const int error = avcodec_receive_frame(decoder_.get(), decoded_.get());
    if (error == AVERROR(EAGAIN)) return absl::OkStatus();
    if (error == AVERROR_EOF) return Convert(nullptr, 0, out);
    if (error < 0) return media::AvErrorToStatus(error, "audio decoder");
    absl::Status converted =
        Convert(const_cast<const uint8_t**>(decoded_->extended_data), decoded_->nb_samples, out);
    av_frame_unref(decoded_.get());
    ATP_RETURN_IF_ERROR(converted);
  }
}

absl::Status AudioTrackDecoder::Convert(const uint8_t** input, int samples,
                                        const AudioFrameCallback& out) {
  const int capacity = swr_get_out_samples(resampler_, samples);
  if (capacity <= 0) return absl::OkStatus();
  media::FramePtr frame(av_frame_alloc());
  frame->format = AV_SAMPLE_FMT_FLTP;
  frame->sample_rate = sample_rate_hz_;
  frame->nb_samples = capacity;
  av_channel_layout_copy(&frame->ch_layout, &layout_);
  if (int error = av_frame_get_buffer(frame.get(), 0); error < 0) {
    return media::AvErrorToStatus(error, "audio frame");
  }
  const int got = swr_convert(resampler_, frame->extended_data, capacity, input, samples);
  if (got < 0) return media::AvErrorToStatus(got, "audio resampler");
  if (got == 0) return absl::OkStatus();
  frame->nb_samples = got;
  frame->pts = samples_out_;
  samples_out_ += got;
  return out(*frame);
}

}  // namespace atp::encode
