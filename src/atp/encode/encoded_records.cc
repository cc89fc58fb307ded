#include "atp/encode/encoded_records.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace atp::encode {
namespace {

ColorRange ColorRangeOf(AVColorRange range) {
  switch (range) {
    case AVCOL_RANGE_MPEG:
      return ColorRange::kLimited;
    case AVCOL_RANGE_JPEG:
      return ColorRange::kFull;
    default:
      return ColorRange::kUnspecified;
  }
}

// libavcodec's profile number as the codec's own: H.264 profile_idc without libavcodec's
// constrained/intra marks, AAC the audio object type (libavcodec counts from 0 for Main).
int CodecProfileOf(CodecId codec, int profile) {
  if (profile < 0) return 0;  // FF_PROFILE_UNKNOWN.
  switch (codec) {
    case CodecId::kH264:
      return profile & ~(FF_PROFILE_H264_CONSTRAINED | FF_PROFILE_H264_INTRA);
    case CodecId::kHevc:
    case CodecId::kAv1:
      return profile;
    case CodecId::kAac:
      return profile + 1;
  }
  return 0;
}

}  // namespace

absl::StatusOr<EncodedStream> EncodedStreamOf(const AVCodecContext& encoder) {
  EncodedStream stream;
  switch (encoder.codec_id) {
    case AV_CODEC_ID_H264:
      stream.codec = CodecId::kH264;
      break;
    case AV_CODEC_ID_HEVC:
      stream.codec = CodecId::kHevc;
      break;
    case AV_CODEC_ID_AV1:
      stream.codec = CodecId::kAv1;
      break;
    case AV_CODEC_ID_AAC:
      stream.codec = CodecId::kAac;
      break;
    default:
      return absl::UnimplementedError(
          absl::StrCat("no encoded-stream record for ", avcodec_get_name(encoder.codec_id)));
  }
  if (encoder.codec_type == AVMEDIA_TYPE_VIDEO) {
    stream.kind = TrackKind::kVideo;
  } else if (encoder.codec_type == AVMEDIA_TYPE_AUDIO) {
    stream.kind = TrackKind::kAudio;
  } else {
    return absl::UnimplementedError(
        absl::StrCat(avcodec_get_name(encoder.codec_id), ": neither a video nor an audio stream"));
  }
  stream.time_base = {encoder.time_base.num, encoder.time_base.den};
  if (encoder.extradata != nullptr && encoder.extradata_size > 0) {
    stream.codec_config.assign(reinterpret_cast<const char*>(encoder.extradata),
                               static_cast<size_t>(encoder.extradata_size));
  }
  stream.profile = CodecProfileOf(stream.codec, encoder.profile);
  stream.level = encoder.level > 0 ? encoder.level : 0;  // FF_LEVEL_UNKNOWN is negative.
  stream.bit_rate_bps = encoder.bit_rate;
  if (stream.kind == TrackKind::kVideo) {
    stream.width = encoder.width;
    stream.height = encoder.height;
    stream.frame_rate = {encoder.framerate.num, encoder.framerate.den};
    stream.sample_aspect_ratio = {encoder.sample_aspect_ratio.num, encoder.sample_aspect_ratio.den};
    // libavutil's colour enums are the ISO/IEC 23091-2 code points.
    stream.color_primaries = encoder.color_primaries;
    stream.color_transfer = encoder.color_trc;
    stream.color_matrix = encoder.colorspace;
    stream.color_range = ColorRangeOf(encoder.color_range);
  } else {
    stream.sample_rate_hz = encoder.sample_rate;
    stream.channels = encoder.ch_layout.nb_channels;
    stream.samples_per_frame = encoder.frame_size;
    stream.priming_samples = std::max(0, encoder.initial_padding);
  }
  return stream;
}

EncodedPacket EncodedPacketOf(const AVPacket& packet) {
  return {.pts = packet.pts,
          .dts = packet.dts,
          .duration = packet.duration,
          .keyframe = (packet.flags & AV_PKT_FLAG_KEY) != 0,
          .data = std::string_view(reinterpret_cast<const char*>(packet.data),
                                   packet.data == nullptr ? 0 : static_cast<size_t>(packet.size))};
}

}  // namespace atp::encode
