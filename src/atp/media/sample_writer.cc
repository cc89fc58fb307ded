#include "atp/media/sample_writer.h"

#include <cmath>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "atp/core/language_codes.h"
#include "atp/core/status_macros.h"
#include "atp/media/av_error.h"
#include "atp/media/av_ptr.h"
#include "atp/media/sample_painter.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace atp::media {
namespace {

constexpr int kAudioSampleRate = 48000;
constexpr int kAudioFrameSamples = 1024;

// Sends `frame` (nullptr flushes) to `encoder` and writes every packet it returns.
absl::Status EncodeAndWrite(AVCodecContext* encoder, const AVFrame* frame, AVStream* stream,
                            AVFormatContext* format) {
  if (int error = avcodec_send_frame(encoder, frame); error < 0) {
    return AvErrorToStatus(error, "sample: encoding");
  }
  PacketPtr packet(av_packet_alloc());
  for (;;) {
    int error = avcodec_receive_packet(encoder, packet.get());
    if (error == AVERROR(EAGAIN) || error == AVERROR_EOF) return absl::OkStatus();
    if (error < 0) return AvErrorToStatus(error, "sample: encoding");
    av_packet_rescale_ts(packet.get(), encoder->time_base, stream->time_base);
    packet->stream_index = stream->index;
    if (error = av_interleaved_write_frame(format, packet.get()); error < 0) {
      return AvErrorToStatus(error, "sample: writing");
    }
  }
}

struct EncodedStream {
  CodecContextPtr encoder;
  AVStream* stream = nullptr;
};

absl::StatusOr<EncodedStream> AddStream(AVFormatContext* format, const char* encoder_name,
                                        const std::function<void(AVCodecContext*)>& configure,
                                        AVDictionary** options) {
  const AVCodec* codec = avcodec_find_encoder_by_name(encoder_name);
  if (codec == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("sample: this FFmpeg has no ", encoder_name, " encoder"));
  }
  EncodedStream out;
  out.encoder.reset(avcodec_alloc_context3(codec));
  configure(out.encoder.get());
  out.encoder->flags |= AV_CODEC_FLAG_BITEXACT;
  if (format->oformat->flags & AVFMT_GLOBALHEADER)
    out.encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (int error = avcodec_open2(out.encoder.get(), codec, options); error < 0) {
    return AvErrorToStatus(error, absl::StrCat("sample: opening ", encoder_name));
  }
  out.stream = avformat_new_stream(format, nullptr);
  if (out.stream == nullptr) return absl::ResourceExhaustedError("sample: cannot add a stream");
  out.stream->time_base = out.encoder->time_base;
  if (int error = avcodec_parameters_from_context(out.stream->codecpar, out.encoder.get());
      error < 0) {
    return AvErrorToStatus(error, "sample: stream parameters");
  }
  return out;
}

class SampleWriter {
 public:
  SampleWriter(const SampleOptions& options)
      : options_(options), painter_(options.width, options.height) {}

  absl::Status Write(const std::filesystem::path& file) {
    const bool prores = options_.codec == SampleCodec::kProRes;
    AVFormatContext* raw = nullptr;
    if (int error = avformat_alloc_output_context2(&raw, nullptr, prores ? "mov" : "mp4",
                                                   file.string().c_str());
        error < 0) {
      return AvErrorToStatus(error, "sample: output format");
    }
    format_.reset(raw);
    format_->flags |= AVFMT_FLAG_BITEXACT;
    ATP_RETURN_IF_ERROR(AddVideo(prores));
    for (size_t i = 0; i < options_.audio_languages.size(); ++i) {
      ATP_RETURN_IF_ERROR(AddAudio(prores, options_.audio_languages[i]));
    }
    if (int error = avio_open(&format_->pb, file.string().c_str(), AVIO_FLAG_WRITE); error < 0) {
      return AvErrorToStatus(error, absl::StrCat("sample: creating ", file.string()));
    }
    if (int error = avformat_write_header(format_.get(), nullptr); error < 0) {
      return AvErrorToStatus(error, "sample: writing the header");
    }
    ATP_RETURN_IF_ERROR(WriteAllFrames());
    if (int error = av_write_trailer(format_.get()); error < 0) {
      return AvErrorToStatus(error, "sample: writing the trailer");
    }
    return absl::OkStatus();
  }

 private:
  absl::Status AddVideo(bool prores) {
    const AVRational rate{static_cast<int>(options_.frame_rate.num),
                          static_cast<int>(options_.frame_rate.den)};
    AVDictionary* codec_options = nullptr;
    if (prores) {
      av_dict_set(&codec_options, "profile", "hq", 0);
      av_dict_set(&codec_options, "vendor", "apl0", 0);
    } else {
      av_dict_set(&codec_options, "preset", "veryfast", 0);
      av_dict_set(&codec_options, "crf", "14", 0);
    }
    absl::StatusOr<EncodedStream> video = AddStream(
        format_.get(), prores ? "prores_ks" : "libx264",
        [&](AVCodecContext* encoder) {
          encoder->width = options_.width;
          encoder->height = options_.height;
          encoder->pix_fmt = prores ? AV_PIX_FMT_YUV422P10LE : AV_PIX_FMT_YUV420P;
          encoder->time_base = av_inv_q(rate);
          encoder->framerate = rate;
          encoder->sample_aspect_ratio = {1, 1};
          // Flagged progressive, as partners' encoders flag it (mov 'fiel').
          encoder->field_order = AV_FIELD_PROGRESSIVE;
          encoder->color_primaries = AVCOL_PRI_BT709;
          encoder->color_trc = AVCOL_TRC_BT709;
          encoder->colorspace = AVCOL_SPC_BT709;
          encoder->thread_count = 2;
          encoder->gop_size = static_cast<int>(std::lround(2 * av_q2d(rate)));
        },
        &codec_options);
    av_dict_free(&codec_options);
    ATP_RETURN_IF_ERROR(video.status());
    video_ = *std::move(video);
    video_.stream->avg_frame_rate = rate;
    frame_.reset(av_frame_alloc());
    frame_->format = video_.encoder->pix_fmt;
    frame_->width = options_.width;
    frame_->height = options_.height;
    if (int error = av_frame_get_buffer(frame_.get(), 0); error < 0) {
      return AvErrorToStatus(error, "sample: frame buffer");
    }
    // libswscale's SIMD loads read up to 16 bytes past a row's end: the padding keeps the
    // last row's reads inside the buffer.
    rgb_.resize(static_cast<size_t>(options_.width) * options_.height * 3 +
                AV_INPUT_BUFFER_PADDING_SIZE);
    scaler_.reset(sws_getContext(options_.width, options_.height, AV_PIX_FMT_RGB24, options_.width,
                                 options_.height, video_.encoder->pix_fmt, SWS_POINT, nullptr,
                                 nullptr, nullptr));
    if (scaler_ == nullptr) return absl::InternalError("sample: no RGB conversion");
    return absl::OkStatus();
  }

  absl::Status AddAudio(bool prores, const std::string& language) {
    AVDictionary* codec_options = nullptr;
    absl::StatusOr<EncodedStream> audio = AddStream(
        format_.get(), prores ? "pcm_s24le" : "aac",
        [&](AVCodecContext* encoder) {
          encoder->sample_rate = kAudioSampleRate;
          encoder->sample_fmt = prores ? AV_SAMPLE_FMT_S32 : AV_SAMPLE_FMT_FLTP;
          av_channel_layout_default(&encoder->ch_layout, 2);
          encoder->time_base = {1, kAudioSampleRate};
          if (!prores) encoder->bit_rate = 192000;
        },
        &codec_options);
    av_dict_free(&codec_options);
    ATP_RETURN_IF_ERROR(audio.status());
    av_dict_set(&audio->stream->metadata, "language", ContainerLanguageCode(language).c_str(), 0);
    audio_.push_back(*std::move(audio));
    return absl::OkStatus();
  }

  absl::Status WriteVideoFrame(int64_t index) {
    const double seconds =
        index * options_.frame_rate.den / static_cast<double>(options_.frame_rate.num);
    painter_.Paint(seconds, rgb_.data(), options_.width * 3);
    if (int error = av_frame_make_writable(frame_.get()); error < 0) {
      return AvErrorToStatus(error, "sample: frame buffer");
    }
    const uint8_t* source[1] = {rgb_.data()};
    const int source_stride[1] = {options_.width * 3};
    sws_scale(scaler_.get(), source, source_stride, 0, options_.height, frame_->data,
              frame_->linesize);
    frame_->pts = index;
    return EncodeAndWrite(video_.encoder.get(), frame_.get(), video_.stream, format_.get());
  }

  // Writes audio samples [first, first + count) of every stream.
  absl::Status WriteAudioFrame(int64_t first, int count) {
    for (size_t i = 0; i < audio_.size(); ++i) {
      AVCodecContext* encoder = audio_[i].encoder.get();
      FramePtr frame(av_frame_alloc());
      frame->format = encoder->sample_fmt;
      frame->nb_samples = count;
      frame->sample_rate = kAudioSampleRate;
      av_channel_layout_copy(&frame->ch_layout, &encoder->ch_layout);
      if (int error = av_frame_get_buffer(frame.get(), 0); error < 0) {
        return AvErrorToStatus(error, "sample: audio buffer");
      }
      const double frequency = 440.0 * (1.0 + 0.25 * static_cast<double>(i));
      for (int s = 0; s < count; ++s) {
        const int64_t sample = first + s;
        const bool pause = sample % kAudioSampleRate >= kAudioSampleRate * 4 / 5;
        const double value =
            pause ? 0.0 : 0.3 * std::sin(2 * M_PI * frequency * sample / kAudioSampleRate);
        if (encoder->sample_fmt == AV_SAMPLE_FMT_S32) {
          auto* interleaved = reinterpret_cast<int32_t*>(frame->data[0]);
          interleaved[2 * s] = interleaved[2 * s + 1] =
              static_cast<int32_t>(value * INT32_MAX) & ~0xff;
        } else {
          reinterpret_cast<float*>(frame->data[0])[s] = static_cast<float>(value);
          reinterpret_cast<float*>(frame->data[1])[s] = static_cast<float>(value);
        }
      }
      frame->pts = first;
      ATP_RETURN_IF_ERROR(EncodeAndWrite(encoder, frame.get(), audio_[i].stream, format_.get()));
    }
    return absl::OkStatus();
  }

  absl::Status WriteAllFrames() {
    const double fps = options_.frame_rate.ToDouble();
    const int64_t video_frames =
        std::max<int64_t>(1, std::llround(options_.duration_seconds * fps));
    const int64_t audio_samples = std::llround(options_.duration_seconds * kAudioSampleRate);
    int64_t audio_written = 0;
    for (int64_t index = 0; index < video_frames; ++index) {
      ATP_RETURN_IF_ERROR(WriteVideoFrame(index));
      // Keep audio up to the end of this video frame, so the file stays interleaved.
      const int64_t audio_due = std::min(
          audio_samples, static_cast<int64_t>(std::ceil((index + 1) / fps * kAudioSampleRate)));
      while (!audio_.empty() && audio_written < audio_due) {
        const int count =
            static_cast<int>(std::min<int64_t>(kAudioFrameSamples, audio_samples - audio_written));
        ATP_RETURN_IF_ERROR(WriteAudioFrame(audio_written, count));
        audio_written += count;
      }
    }
    ATP_RETURN_IF_ERROR(
        EncodeAndWrite(video_.encoder.get(), nullptr, video_.stream, format_.get()));
    for (EncodedStream& audio : audio_) {
      ATP_RETURN_IF_ERROR(
          EncodeAndWrite(audio.encoder.get(), nullptr, audio.stream, format_.get()));
    }
    return absl::OkStatus();
  }

  const SampleOptions& options_;
  SamplePainter painter_;
  OutputFormatPtr format_;
  EncodedStream video_;
  std::vector<EncodedStream> audio_;
  FramePtr frame_;
  SwsContextPtr scaler_;
  std::vector<uint8_t> rgb_;
};

}  // namespace

absl::Status ValidateSampleOptions(const SampleOptions& options) {
  if (options.width % 2 != 0 || options.height % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sample size ", options.width, "x", options.height,
                     ": expected even numbers (ProRes 4:2:2 and H.264 4:2:0 need them)"));
  }
  if (options.width < 64 || options.height < 64 || options.width > 7680 || options.height > 4320) {
    return absl::InvalidArgumentError(
        absl::StrCat("sample size ", options.width, "x", options.height,
                     ": expected even numbers from 64x64 to 7680x4320"));
  }
  if (!(options.duration_seconds > 0 && options.duration_seconds <= 7200)) {
    return absl::InvalidArgumentError(absl::StrCat("sample duration ", options.duration_seconds,
                                                   " s: expected more than 0 and at most 7200"));
  }
  if (options.frame_rate.num <= 0 || options.frame_rate.den <= 0 ||
      options.frame_rate.ToDouble() > 240) {
    return absl::InvalidArgumentError(absl::StrCat("sample frame rate ", options.frame_rate.num,
                                                   "/", options.frame_rate.den,
                                                   ": expected more than 0 and at most 240"));
  }
  if (options.audio_languages.size() > 8) {
    return absl::InvalidArgumentError("sample audio: at most 8 languages");
  }
  for (const std::string& language : options.audio_languages) {
    if (ContainerLanguageCode(language).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sample audio language '", language, "': expected one of ja en es pt fr de ko zh it ru"));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteSampleMezzanine(const SampleOptions& options, const std::filesystem::path& file) {
  QuietLibavLogging();
  ATP_RETURN_IF_ERROR(ValidateSampleOptions(options));
  const std::filesystem::path partial = file.string() + ".partial";
  absl::Status written = SampleWriter(options).Write(partial);
  std::error_code error;
  if (written.ok()) {
    std::filesystem::rename(partial, file, error);
    if (!error) return absl::OkStatus();
    written = absl::UnavailableError(
        absl::StrCat("sample: renaming to ", file.string(), ": ", error.message()));
  }
  std::filesystem::remove(partial, error);
  return written;
}

}  // namespace atp::media
