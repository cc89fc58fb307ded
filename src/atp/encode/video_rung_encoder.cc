#include "atp/encode/video_rung_encoder.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/encode/encoded_records.h"
#include "atp/media/av_error.h"
#include "atp/media/yuv420_converter.h"

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

namespace atp::encode {

namespace {

const char* EncoderName(VideoCodec codec) {
  switch (codec) {
    case VideoCodec::kH264:
      return "libx264";
    case VideoCodec::kH265:
      return "libx265";
    case VideoCodec::kAV1:
      return "libsvtav1";
  }
  return "";
}

std::string PixelFormatName(AVPixelFormat format) {
  const char* name = av_get_pix_fmt_name(format);
  return name != nullptr ? name : "unknown";
}

const VideoCodecSettings& SettingsOf(const EncodingProfile& profile, VideoCodec codec) {
  switch (codec) {
    case VideoCodec::kH264:
      return profile.h264;
    case VideoCodec::kH265:
      return profile.h265;
    case VideoCodec::kAV1:
      return profile.av1;
  }
  return profile.h264;
}

// libx264's and libx265's options: forced frames (the grid) become IDRs in closed GOPs;
// scene cuts add I-frames, never move the grid.
void AddX26xOptions(const Rendition& rendition, const VideoCodecSettings& settings,
                    int64_t gop_frames, AVDictionary*& options) {
  av_dict_set(&options, "preset", settings.preset.c_str(), 0);
  if (!settings.tune.empty()) av_dict_set(&options, "tune", settings.tune.c_str(), 0);
  av_dict_set(&options, "profile", rendition.codec_profile.c_str(), 0);
  av_dict_set_int(&options, "crf", rendition.crf, 0);
  av_dict_set(&options, "forced-idr", "1", 0);
  if (rendition.codec == VideoCodec::kH264) {
    av_dict_set(&options, "x264-params", "open-gop=0", 0);
  } else {
    av_dict_set(&options, "x265-params",
                absl::StrCat("log-level=error:open-gop=0:repeat-headers=0:keyint=", gop_frames,
                             ":min-keyint=", gop_frames)
                    .c_str(),
                0);
  }
}

// libsvtav1's options (FFmpeg 5.1, SVT-AV1 1.x). SVT-AV1 ignores requests for a key frame
// on a chosen frame (pict_type), so the grid comes from its fixed intra period alone
// (gop_size - 1 frames between key frames, counted from the encoder's first frame, which the
// transcoder starts on a segment boundary and feeds every slot): closed GOPs of key frames
// (irefresh-type=2), and no scene-cut key frames (scd=0). The crf with rc_max_rate is
// SVT-AV1's capped CRF. lp: its threads (libsvtav1 does not read thread_count).
void AddSvtAv1Options(const Rendition& rendition, const VideoCodecSettings& settings, int threads,
                      AVDictionary*& options) {
  av_dict_set(&options, "preset", settings.preset.c_str(), 0);
  av_dict_set_int(&options, "crf", rendition.crf, 0);
  std::string parameters = "irefresh-type=2:scd=0";
  if (threads > 0) absl::StrAppend(&parameters, ":lp=", threads);
  if (!settings.tune.empty()) absl::StrAppend(&parameters, ":tune=", settings.tune);
  av_dict_set(&options, "svtav1-params", parameters.c_str(), 0);
}

// Makes `picture` a yuv420p picture of its own of that size (what it held before is let go).
absl::Status NewPicture(int width, int height, AVFrame& picture) {
  av_frame_unref(&picture);
  picture.format = AV_PIX_FMT_YUV420P;
  picture.width = width;
  picture.height = height;
  if (int error = av_frame_get_buffer(&picture, 0); error < 0) {
    return media::AvErrorToStatus(error, "scaled frame");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<VideoRungEncoder>> VideoRungEncoder::Create(
    const Rendition& rendition, const EncodingProfile& profile, const AVCodecContext& source,
    const PictureFormat& input, AVRational frame_rate, int64_t gop_frames, int64_t segment_frames,
    int threads) {
  const char* encoder_name = EncoderName(rendition.codec);
  const AVCodec* codec = avcodec_find_encoder_by_name(encoder_name);
  if (codec == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("this FFmpeg has no ", encoder_name));
  }
  auto rung = std::unique_ptr<VideoRungEncoder>(new VideoRungEncoder());
  rung->gop_frames_ = gop_frames;
  rung->segment_frames_ = segment_frames;
  rung->encoder_.reset(avcodec_alloc_context3(codec));
  AVCodecContext* encoder = rung->encoder_.get();
  encoder->width = rendition.width;
  encoder->height = rendition.height;
  encoder->pix_fmt = AV_PIX_FMT_YUV420P;
  encoder->time_base = av_inv_q(frame_rate);
  encoder->framerate = frame_rate;
  encoder->sample_aspect_ratio = {1, 1};
  encoder->color_primaries = source.color_primaries;
  encoder->color_trc = source.color_trc;
  encoder->colorspace = source.colorspace;
  encoder->color_range = AVCOL_RANGE_MPEG;
  encoder->gop_size = static_cast<int>(gop_frames);
  encoder->keyint_min = static_cast<int>(gop_frames);
  encoder->rc_max_rate = int64_t{rendition.maxrate_kbps} * 1000;
  encoder->rc_buffer_size = rendition.bufsize_kbit * 1000;
  encoder->thread_count = threads;
  encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER | AV_CODEC_FLAG_CLOSED_GOP;

  const VideoCodecSettings& settings = SettingsOf(profile, rendition.codec);
  AVDictionary* options = nullptr;
  if (rendition.codec == VideoCodec::kAV1) {
    AddSvtAv1Options(rendition, settings, threads, options);
  } else {
    AddX26xOptions(rendition, settings, gop_frames, options);
  }
  const int error = avcodec_open2(encoder, codec, &options);
  av_dict_free(&options);
  if (error < 0) return media::AvErrorToStatus(error, absl::StrCat(rendition.name, ": encoder"));
  ATP_ASSIGN_OR_RETURN(rung->stream_, EncodedStreamOf(*encoder));

  rung->input_ = input;
  rung->picture_.reset(av_frame_alloc());
  rung->packet_.reset(av_packet_alloc());
  const bool same_size = input.width == rendition.width && input.height == rendition.height;
  if (same_size && input.pixel_format == AV_PIX_FMT_YUV420P) return rung;
  if (same_size && media::Yuv420Converter::Converts(input.pixel_format)) {
    rung->feed_ = Feed::kConverted;
  } else {
    rung->feed_ = Feed::kScaled;
    rung->scaler_.reset(sws_getContext(input.width, input.height, input.pixel_format,
                                       rendition.width, rendition.height, AV_PIX_FMT_YUV420P,
                                       SWS_BICUBIC, nullptr, nullptr, nullptr));
    if (rung->scaler_ == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(rendition.name, ": cannot scale from ", input.width, "x", input.height));
    }
  }
  ATP_RETURN_IF_ERROR(NewPicture(rendition.width, rendition.height, *rung->picture_));
  return rung;
}

PictureFormat VideoRungEncoder::output_format() const {
  return {encoder_->width, encoder_->height, AV_PIX_FMT_YUV420P};
}

absl::Status VideoRungEncoder::Encode(const AVFrame& input, int64_t index,
                                      const PacketCallback& out) {
  ATP_RETURN_IF_ERROR(MakePicture(input, index));
  return EncodePicture(out);
}

absl::Status VideoRungEncoder::MakePicture(const AVFrame& input, int64_t index) {
  if (input.width != input_.width || input.height != input_.height ||
      input.format != input_.pixel_format) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mezzanine: the picture changes mid-stream, from ", input_.width, "x", input_.height, " ",
        PixelFormatName(input_.pixel_format), " to ", input.width, "x", input.height, " ",
        PixelFormatName(static_cast<AVPixelFormat>(input.format)), " at frame ", index,
        "; deliver one picture size and format"));
  }
  AVFrame& picture = *picture_;
  if (feed_ == Feed::kByReference) {
    // The input's planes by reference, without its properties or side data: the encoder
    // sees exactly what a scaled picture would carry.
    av_frame_unref(&picture);
    picture.format = input.format;
    picture.width = input.width;
    picture.height = input.height;
    for (int plane = 0; plane < AV_NUM_DATA_POINTERS; ++plane) {
      picture.data[plane] = input.data[plane];
      picture.linesize[plane] = input.linesize[plane];
      if (input.buf[plane] == nullptr) continue;
      picture.buf[plane] = av_buffer_ref(input.buf[plane]);
      if (picture.buf[plane] == nullptr) return absl::ResourceExhaustedError("frame reference");
    }
    picture.extended_data = picture.data;
  } else {
    if (!av_frame_is_writable(&picture)) {
      // Another rung still holds the last picture: this one gets new buffers (no copy of
      // the old picture, which av_frame_make_writable would make).
      ATP_RETURN_IF_ERROR(NewPicture(encoder_->width, encoder_->height, picture));
    }
    if (feed_ == Feed::kConverted) {
      media::Yuv420Converter::Convert(input, picture);
    } else {
      sws_scale(scaler_.get(), input.data, input.linesize, 0, input.height, picture.data,
                picture.linesize);
    }
  }
  picture.pts = index;
  picture.pict_type = index % gop_frames_ == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  return absl::OkStatus();
}

absl::Status VideoRungEncoder::EncodePicture(const PacketCallback& out) {
  return Drain(picture_.get(), out);
}

absl::Status VideoRungEncoder::Flush(const PacketCallback& out) { return Drain(nullptr, out); }

absl::Status VideoRungEncoder::Drain(const AVFrame* frame, const PacketCallback& out) {
  if (int error = avcodec_send_frame(encoder_.get(), frame); error < 0) {
    return media::AvErrorToStatus(error, "video encoder");
  }
  for (;;) {
    const int error = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (error == AVERROR(EAGAIN) || error == AVERROR_EOF) return absl::OkStatus();
    if (error < 0) return media::AvErrorToStatus(error, "video encoder");
    packet_->duration = 1;
    const bool keyframe = (packet_->flags & AV_PKT_FLAG_KEY) != 0;
    if (!keyframe && packet_->pts % gop_frames_ == 0) {
      const int64_t pts = packet_->pts;
      av_packet_unref(packet_.get());
      return absl::InternalError(absl::StrCat("video encoder: frame ", pts, " is on the ",
                                              gop_frames_,
                                              "-frame keyframe grid but is not a keyframe"));
    }
    const bool starts_segment = keyframe && packet_->pts % segment_frames_ == 0;
    absl::Status written = out(EncodedPacketOf(*packet_), starts_segment);
    av_packet_unref(packet_.get());
    ATP_RETURN_IF_ERROR(written);
  }
}

}  // namespace atp::encode
