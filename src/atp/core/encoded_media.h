// atp/core/encoded_media.h
//
// What an encoder hands to packaging: one record describing each encoded stream, and one per
// compressed packet. atp's own types, so no libav type crosses from encode into the layers
// above it (the way shaka-packager hands MediaSamples between its stages).
#ifndef ATP_CORE_ENCODED_MEDIA_H_
#define ATP_CORE_ENCODED_MEDIA_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "atp/core/packaged_media.h"
#include "atp/core/source_info.h"

namespace atp {

enum class CodecId { kH264, kHevc, kAv1, kAac };

// "h264", "hevc", "av1" or "aac" (libavcodec's names, as ffprobe prints them).
[[nodiscard]] constexpr std::string_view CodecIdName(CodecId codec) {
  switch (codec) {
    case CodecId::kH264:
      return "h264";
    case CodecId::kHevc:
      return "hevc";
    case CodecId::kAv1:
      return "av1";
    case CodecId::kAac:
      return "aac";
  }
  return "unknown";
}

enum class ColorRange { kUnspecified, kLimited, kFull };

// One encoder's output stream, as an mp4 muxer and the RFC 6381 `codecs` string need it.
struct EncodedStream {
  TrackKind kind = TrackKind::kVideo;
  CodecId codec = CodecId::kH264;
  // The unit of EncodedPacket::pts, dts and duration, in seconds (1001/24000, 1/48000).
  Rational time_base;
  // The encoder's global headers (its extradata), byte for byte: H.264 SPS and PPS and H.265
  // VPS, SPS and PPS as Annex B NAL units (or an avcC/hvcC record), AV1 its sequence
  // header OBU in low-overhead form (or an av1C record), AAC an AudioSpecificConfig
  // (ISO/IEC 14496-3 1.6.2.1).
  std::string codec_config;
  // H.264 profile_idc (77 Main, 100 High), H.265 general_profile_idc (1 Main), AV1
  // seq_profile (0 Main: for AV1 0 does not tell Main from unknown; the sequence header in
  // codec_config says), AAC audio object type (2 LC); 0 when the encoder does not say.
  int profile = 0;
  // H.264 level_idc (31 is 3.1), H.265 general_level_idc (93 is 3.1); 0 when the encoder
  // does not say.
  int level = 0;
  // The encoder's nominal bit rate (an mp4 muxer states it in the btrt box); 0 when it has
  // none.
  int64_t bit_rate_bps = 0;

  // Video only.
  int width = 0;
  int height = 0;
  Rational frame_rate;           // Frames per second, e.g. 24000/1001.
  Rational sample_aspect_ratio;  // 0/1 when unknown; 1/1 for square pixels.
  // ISO/IEC 23091-2 (H.273) code points; 2 is "unspecified" in each.
  int color_primaries = 2;
  int color_transfer = 2;
  int color_matrix = 2;
  ColorRange color_range = ColorRange::kUnspecified;

  // Audio only.
  int sample_rate_hz = 0;
  int channels = 0;
  int samples_per_frame = 0;  // Per packet (AAC: 1024); 0 when it varies.
  // The encoder's delay (AVCodecContext::initial_padding: 1024 for FFmpeg's aac): samples
  // of priming decoded before the first one of the input. Its first packet has pts
  // -priming_samples (in time_base units at the sample rate).
  int priming_samples = 0;

  bool operator==(const EncodedStream&) const = default;
};

// One compressed packet of an EncodedStream. Times are in the stream's time_base; every
// packet has them (pts - dts is the decode delay of reordered frames; an AAC stream's first
// packets have negative pts, its encoder delay).
struct EncodedPacket {
  int64_t pts = 0;
  int64_t dts = 0;
  int64_t duration = 0;
  bool keyframe = false;  // Decodable without earlier packets (an IDR for video).
  // The compressed bytes (H.264/H.265 as the encoder emits them, Annex B); valid only
  // during the call they are passed to.
  std::string_view data;
};

}  // namespace atp

#endif  // ATP_CORE_ENCODED_MEDIA_H_
