#include "atp/encode/transcoder.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/encode/audio_track_encoder.h"
#include "atp/encode/video_rung_encoder.h"
#include "atp/media/av_error.h"
#include "atp/media/av_ptr.h"

namespace atp::encode {
namespace {

struct Input {
  media::InputFormatPtr format;
  int video_stream = -1;
  media::CodecContextPtr video_decoder;
  AVRational frame_rate{};
  std::vector<int> audio_streams;  // Container index of the n-th audio stream.
};

absl::StatusOr<Input> OpenInput(const std::filesystem::path& file, int threads) {
  media::QuietLibavLogging();
  Input input;
  AVFormatContext* raw = nullptr;
  if (int error = avformat_open_input(&raw, file.string().c_str(), nullptr, nullptr); error < 0) {
    return media::AvErrorToStatus(error, file.string());
  }
  input.format.reset(raw);
  if (int error = avformat_find_stream_info(raw, nullptr); error < 0) {
    return absl::InvalidArgumentError(absl::StrCat(file.string(), ": cannot read its streams"));
  }
  for (unsigned i = 0; i < raw->nb_streams; ++i) {
    const AVMediaType type = raw->streams[i]->codecpar->codec_type;
    if (type == AVMEDIA_TYPE_VIDEO && input.video_stream < 0 &&
        !(raw->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
      input.video_stream = static_cast<int>(i);
    } else if (type == AVMEDIA_TYPE_AUDIO) {
      input.audio_streams.push_back(static_cast<int>(i));
    }
  }
  if (input.video_stream < 0) {
    return absl::InvalidArgumentError(absl::StrCat(file.string(), ": has no video stream"));
  }
  const AVStream* video = raw->streams[input.video_stream];
  input.frame_rate = video->avg_frame_rate.num > 0 ? video->avg_frame_rate : video->r_frame_rate;
  const AVCodec* decoder = avcodec_find_decoder(video->codecpar->codec_id);
  if (decoder == nullptr || input.frame_rate.num <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(file.string(), ": video cannot be decoded"));
  }
  input.video_decoder.reset(avcodec_alloc_context3(decoder));
  avcodec_parameters_to_context(input.video_decoder.get(), video->codecpar);
  input.video_decoder->pkt_timebase = video->time_base;
  input.video_decoder->thread_count = threads;
  if (int error = avcodec_open2(input.video_decoder.get(), decoder, nullptr); error < 0) {
    return media::AvErrorToStatus(error, "video decoder");
  }
  return input;
}

class Transcoder {
 public:
  Transcoder(const TranscodePlan& plan, PacketSink& sink,
             const TranscodeProgressFn& progress)
      : plan_(plan), sink_(sink), progress_(progress) {}

  absl::Status Run() {
    ATP_ASSIGN_OR_RETURN(input_, OpenInput(plan_.input, plan_.threads));
    const double fps = av_q2d(input_.frame_rate);
    const int64_t gop_frames =
        std::max<int64_t>(1, std::llround(plan_.profile.keyframe_interval_seconds * fps));
    const int64_t segment_frames =
        gop_frames *
        std::llround(plan_.profile.segment_seconds / plan_.profile.keyframe_interval_seconds);
    for (size_t i = 0; i < plan_.ladder.size(); ++i) {
      ATP_ASSIGN_OR_RETURN(
          auto rung,
          VideoRungEncoder::Create(plan_.ladder[i], plan_.profile, *input_.video_decoder,
                                   input_.frame_rate, gop_frames, segment_frames, plan_.threads));
      ATP_RETURN_IF_ERROR(sink_.OpenOutput(i, rung->encoder()));
      rungs_.push_back(std::move(rung));
    }
    // A segment lasts segment_frames / fps seconds: in audio samples, exactly.
    const int64_t segment_samples = av_rescale(segment_frames * plan_.profile.audio_sample_rate_hz,
                                               input_.frame_rate.den, input_.frame_rate.num);
    for (const AudioTrackSpec& track : plan_.audio_tracks) {
      if (track.track_index > static_cast<int>(input_.audio_streams.size())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "audio track ", track.language, " is stream ", track.track_index,
            " but the mezzanine has ", input_.audio_streams.size(), " audio stream(s)"));
      }
      const AVStream* stream = input_.format->streams[input_.audio_streams[track.track_index - 1]];
      ATP_ASSIGN_OR_RETURN(auto encoder,
                           AudioTrackEncoder::Create(*stream, plan_.profile, segment_samples));
      ATP_RETURN_IF_ERROR(sink_.OpenOutput(rungs_.size() + audio_.size(), encoder->encoder()));
      audio_.push_back({stream->index, std::move(encoder)});
    }
    const int64_t duration_us = input_.format->duration > 0 ? input_.format->duration : 0;
    progress_state_.frames_total =
        av_rescale_q(duration_us, AV_TIME_BASE_Q, av_inv_q(input_.frame_rate));
    return Pump();
  }

 private:
  PacketCallback OutputFor(size_t output) {
    return [this, output](AVPacket& packet, bool starts_segment) {
      return sink_.WritePacket(output, packet, starts_segment);
    };
  }

  absl::Status DecodeVideo(const AVPacket* packet) {
    if (int error = avcodec_send_packet(input_.video_decoder.get(), packet); error < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("corrupt video near frame ", frames_decoded_, ": ",
                       std::string(media::AvErrorToStatus(error, "decoding").message())));
    }
    media::FramePtr frame(av_frame_alloc());
    for (;;) {
      const int error = avcodec_receive_frame(input_.video_decoder.get(), frame.get());
      if (error == AVERROR(EAGAIN) || error == AVERROR_EOF) return absl::OkStatus();
      if (error < 0) return media::AvErrorToStatus(error, "video decoder");
      if (frame->decode_error_flags != 0 || (frame->flags & AV_FRAME_FLAG_CORRUPT)) {
        return absl::InvalidArgumentError(
            absl::StrCat("corrupt video: frame ", frames_decoded_, " did not decode cleanly"));
      }
      for (size_t i = 0; i < rungs_.size(); ++i) {
        ATP_RETURN_IF_ERROR(rungs_[i]->Encode(*frame, frames_decoded_, OutputFor(i)));
      }
      ++frames_decoded_;
      av_frame_unref(frame.get());
      if (progress_) {
        progress_state_.frames_done = frames_decoded_;
        ATP_RETURN_IF_ERROR(progress_(progress_state_));
      }
    }
  }

  absl::Status Pump() {
    media::PacketPtr packet(av_packet_alloc());
    for (;;) {
      const int error = av_read_frame(input_.format.get(), packet.get());
      if (error == AVERROR_EOF) break;
      if (error < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("mezzanine read failed after frame ", frames_decoded_, ": ",
                         std::string(media::AvErrorToStatus(error, "demuxing").message())));
      }
      absl::Status status = absl::OkStatus();
      if (packet->stream_index == input_.video_stream) {
        status = DecodeVideo(packet.get());
      } else {
        for (size_t i = 0; i < audio_.size(); ++i) {
          if (audio_[i].stream_index == packet->stream_index) {
            status = audio_[i].encoder->Decode(packet.get(), OutputFor(rungs_.size() + i));
            if (!status.ok()) break;
          }
        }
      }
      av_packet_unref(packet.get());
      ATP_RETURN_IF_ERROR(status);
    }
    ATP_RETURN_IF_ERROR(DecodeVideo(nullptr));
    if (frames_decoded_ == 0) return absl::InvalidArgumentError("mezzanine: no video frames");
    for (size_t i = 0; i < rungs_.size(); ++i) ATP_RETURN_IF_ERROR(rungs_[i]->Flush(OutputFor(i)));
    for (size_t i = 0; i < audio_.size(); ++i) {
      ATP_RETURN_IF_ERROR(audio_[i].encoder->Decode(nullptr, OutputFor(rungs_.size() + i)));
    }
    return absl::OkStatus();
  }

  struct AudioOutput {
    int stream_index;
    std::unique_ptr<AudioTrackEncoder> encoder;
  };

  const TranscodePlan& plan_;
  PacketSink& sink_;
  const TranscodeProgressFn& progress_;
  Input input_;
  std::vector<std::unique_ptr<VideoRungEncoder>> rungs_;
  std::vector<AudioOutput> audio_;
  int64_t frames_decoded_ = 0;
  TranscodeProgress progress_state_;
};

}  // namespace

absl::Status Transcode(const TranscodePlan& plan, PacketSink& sink,
                       const TranscodeProgressFn& progress) {
  return Transcoder(plan, sink, progress).Run();
}

}  // namespace atp::encode
