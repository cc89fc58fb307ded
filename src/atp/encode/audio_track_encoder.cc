#include "atp/encode/audio_track_encoder.h"

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/encode/encoded_records.h"
#include "atp/media/av_error.h"

extern "C" {
#include <libavutil/channel_layout.h>
}

namespace atp::encode {

absl::StatusOr<std::unique_ptr<AudioTrackEncoder>> AudioTrackEncoder::Create(
    const AacSettings& settings, int64_t segment_samples) {
  auto track = std::unique_ptr<AudioTrackEncoder>(new AudioTrackEncoder());
  track->segment_samples_ = segment_samples;
  track->next_boundary_ = segment_samples;
  const AVCodec* aac = avcodec_find_encoder_by_name("aac");
  track->encoder_.reset(avcodec_alloc_context3(aac));
  AVCodecContext* encoder = track->encoder_.get();
  encoder->sample_rate = settings.sample_rate_hz;
  encoder->sample_fmt = AV_SAMPLE_FMT_FLTP;
  av_channel_layout_default(&encoder->ch_layout, settings.channels);
  encoder->bit_rate = int64_t{settings.bitrate_kbps} * 1000;
  encoder->time_base = {1, settings.sample_rate_hz};
  encoder->profile = FF_PROFILE_AAC_LOW;
  encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (int error = avcodec_open2(encoder, aac, nullptr); error < 0) {
    return media::AvErrorToStatus(error, "aac encoder");
  }
  ATP_ASSIGN_OR_RETURN(track->stream_, EncodedStreamOf(*encoder));
  track->fifo_ = av_audio_fifo_alloc(encoder->sample_fmt, encoder->ch_layout.nb_channels,
                                     encoder->frame_size * 4);
  track->packet_.reset(av_packet_alloc());
  if (track->fifo_ == nullptr || track->packet_ == nullptr) {
    return absl::ResourceExhaustedError("aac encoder: out of memory");
  }
  return track;
}

AudioTrackEncoder::~AudioTrackEncoder() {
  if (fifo_ != nullptr) av_audio_fifo_free(fifo_);
}

absl::Status AudioTrackEncoder::Encode(const AVFrame* frame, const PacketCallback& out) {
  if (frame == nullptr) return EncodeFromFifo(/*final=*/true, out);
  if (int written = av_audio_fifo_write(fifo_, reinterpret_cast<void**>(frame->extended_data),
                                        frame->nb_samples);
      written < frame->nb_samples) {
    return media::AvErrorToStatus(written < 0 ? written : AVERROR(ENOMEM), "audio fifo");
  }
  return EncodeFromFifo(/*final=*/false, out);
}

absl::Status AudioTrackEncoder::EncodeFromFifo(bool final, const PacketCallback& out) {
  const int frame_size = encoder_->frame_size;
  while (av_audio_fifo_size(fifo_) >= frame_size || (final && av_audio_fifo_size(fifo_) > 0)) {
    media::FramePtr frame(av_frame_alloc());
    frame->nb_samples = std::min(frame_size, av_audio_fifo_size(fifo_));
    frame->format = encoder_->sample_fmt;
    frame->sample_rate = encoder_->sample_rate;
    av_channel_layout_copy(&frame->ch_layout, &encoder_->ch_layout);
    if (int error = av_frame_get_buffer(frame.get(), 0); error < 0) {
      return media::AvErrorToStatus(error, "audio frame");
    }
    av_audio_fifo_read(fifo_, reinterpret_cast<void**>(frame->data), frame->nb_samples);
    frame->pts = samples_encoded_;
    samples_encoded_ += frame->nb_samples;
    ATP_RETURN_IF_ERROR(Drain(frame.get(), out));
  }
  if (final) return Drain(nullptr, out);
  return absl::OkStatus();
}

absl::Status AudioTrackEncoder::Drain(const AVFrame* frame, const PacketCallback& out) {
  if (int error = avcodec_send_frame(encoder_.get(), frame); error < 0) {
    return media::AvErrorToStatus(error, "aac encoder");
  }
  for (;;) {
    const int error = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (error == AVERROR(EAGAIN) || error == AVERROR_EOF) return absl::OkStatus();
    if (error < 0) return media::AvErrorToStatus(error, "aac encoder");
    bool starts_segment = false;
    if (packet_->pts >= next_boundary_) {
      starts_segment = true;
      while (next_boundary_ <= packet_->pts) next_boundary_ += segment_samples_;
    }
    absl::Status written = out(EncodedPacketOf(*packet_), starts_segment);
    av_packet_unref(packet_.get());
    ATP_RETURN_IF_ERROR(written);
  }
}

}  // namespace atp::encode
