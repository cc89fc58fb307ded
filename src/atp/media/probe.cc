#include "atp/media/probe.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/media/av_ptr.h"
#include "atp/media/demuxer_input.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace atp::media {
namespace {

std::string Tag(const AVDictionary* metadata, const char* key) {
  const AVDictionaryEntry* entry = av_dict_get(metadata, key, nullptr, 0);
  return entry == nullptr ? "" : entry->value;
}

FieldOrder FieldOrderOf(AVFieldOrder order) {
  switch (order) {
    case AV_FIELD_PROGRESSIVE:
      return FieldOrder::kProgressive;
    // Display order decides: TB is top coded first but bottom displayed first.
    case AV_FIELD_TT:
    case AV_FIELD_BT:
      return FieldOrder::kTopFieldFirst;
    case AV_FIELD_BB:
    case AV_FIELD_TB:
      return FieldOrder::kBottomFieldFirst;
    default:
      return FieldOrder::kUnknown;
  }
}

// The stream's first presentation time in microseconds; 0 when the container has none.
int64_t StartTimeUs(const AVStream& stream) {
  return stream.start_time == AV_NOPTS_VALUE
             ? 0
             : av_rescale_q(stream.start_time, stream.time_base, AV_TIME_BASE_Q);
}

// What the opened container says of its streams; `name` for messages.
absl::StatusOr<SourceInfo> DescribeSource(const AVFormatContext* format, const std::string& name) {
  SourceInfo info;
  info.format_name = format->iformat->name;
  info.bit_rate_bps = format->bit_rate;
  info.duration_us = format->duration == AV_NOPTS_VALUE ? 0 : format->duration;
  const AVStream* video = nullptr;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* stream = format->streams[i];
    const AVCodecParameters* codec = stream->codecpar;
    if (stream->duration != AV_NOPTS_VALUE && info.duration_us == 0) {
      info.duration_us = std::max(
          info.duration_us, av_rescale_q(stream->duration, stream->time_base, AV_TIME_BASE_Q));
    }
    if (codec->codec_type == AVMEDIA_TYPE_VIDEO && video == nullptr &&
        !(stream->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
      video = stream;
    } else if (codec->codec_type == AVMEDIA_TYPE_AUDIO) {
      info.audio_streams.push_back({static_cast<int>(i), avcodec_get_name(codec->codec_id),
                                    codec->ch_layout.nb_channels, codec->sample_rate,
                                    Tag(stream->metadata, "language"), StartTimeUs(*stream)});
    }
  }
  if (video == nullptr)
    return absl::InvalidArgumentError(absl::StrCat(name, ": has no video stream"));
  const AVCodecParameters* codec = video->codecpar;
  info.video_codec_name = avcodec_get_name(codec->codec_id);
  if (const char* profile = avcodec_profile_name(codec->codec_id, codec->profile)) {
    info.video_codec_profile = profile;
  }
  if (const char* pixel_format = av_get_pix_fmt_name(static_cast<AVPixelFormat>(codec->format))) {
    info.pixel_format = pixel_format;
  }
  info.video_start_time_us = StartTimeUs(*video);
  info.width = codec->width;
  info.height = codec->height;
  const AVRational sar = av_guess_sample_aspect_ratio(const_cast<AVFormatContext*>(format),
                                                      const_cast<AVStream*>(video), nullptr);
  if (sar.num > 0 && sar.den > 0) info.sample_aspect_ratio = {sar.num, sar.den};
  info.field_order = FieldOrderOf(codec->field_order);
  if (info.field_order != FieldOrder::kUnknown) info.field_order_evidence = "stream";
  AVRational rate = video->avg_frame_rate.num > 0 ? video->avg_frame_rate : video->r_frame_rate;
  info.frame_rate = {rate.num, rate.den};
  info.base_frame_rate = {video->r_frame_rate.num, video->r_frame_rate.den};
  return info;
}

}  // namespace

absl::StatusOr<SourceInfo> ProbeMedia(const RandomAccessFile& file) {
  ATP_ASSIGN_OR_RETURN(const Demuxer demuxer, OpenDemuxer(file));
  return DescribeSource(demuxer.get(), file.name());
}

absl::StatusOr<SourceInfo> ProbeMedia(const std::filesystem::path& file) {
  ATP_ASSIGN_OR_RETURN(const Demuxer demuxer, OpenDemuxer(file));
  return DescribeSource(demuxer.get(), file.string());
}

}  // namespace atp::media
