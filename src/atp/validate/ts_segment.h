// atp/validate/ts_segment.h
//
// What an MPEG-TS segment (as other tools' HLS output carries) holds, demuxed by libavformat
// from memory. The facts the rules need are read from the elementary streams themselves: the
// codec string from the H.264 SPS or the ADTS header, IDR-ness from the NAL unit types.
#ifndef ATP_VALIDATE_TS_SEGMENT_H_
#define ATP_VALIDATE_TS_SEGMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::validate {

// MPEG-TS timestamps tick at 90 kHz.
inline constexpr int kTsTimescale = 90000;

struct TsStreamInfo {
  bool video = false;
  // RFC 6381 for H.264 ("avc1.PPCCLL") and AAC ("mp4a.40.N"); otherwise the codec's name,
  // which no CODECS attribute will equal.
  std::string codecs;
  int width = 0;
  int height = 0;
  int64_t first_dts = 0;  // 90 kHz.
  int64_t duration = 0;   // 90 kHz: last DTS - first DTS + the last packet's duration.
  int64_t packet_count = 0;
  int64_t frame_duration = 0;    // 90 kHz: one packet's duration.
  bool starts_with_idr = false;  // Video: the first access unit has an IDR/IRAP NAL unit.
};

// True when `bytes` begins like a transport stream (sync byte 0x47 every 188 bytes).
[[nodiscard]] bool LooksLikeTransportStream(std::string_view bytes);

// Demuxes every packet of `bytes`. InvalidArgument when libavformat cannot read it or it has
// no audio or video stream.
[[nodiscard]] absl::StatusOr<std::vector<TsStreamInfo>> ParseTsSegment(std::string_view bytes);

}  // namespace atp::validate

#endif  // ATP_VALIDATE_TS_SEGMENT_H_
