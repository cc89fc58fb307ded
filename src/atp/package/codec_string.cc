#include "atp/package/codec_string.h"

#include <vector>

#include "absl/strings/str_format.h"

namespace atp::package {
namespace {

// The payload (emulation-prevention bytes removed) of the first NAL unit in Annex B
// `bytes` whose type, read by `nal_type`, equals `wanted`.
std::vector<uint8_t> FindNal(const uint8_t* bytes, int size, int wanted,
                             int (*nal_type)(uint8_t first_byte)) {
  for (int i = 0; i + 3 < size; ++i) {
    if (bytes[i] != 0 || bytes[i + 1] != 0 || bytes[i + 2] != 1) continue;
    const int start = i + 3;
    if (nal_type(bytes[start]) != wanted) continue;
    std::vector<uint8_t> payload;
    int zeros = 0;
    for (int k = start; k < size; ++k) {
      if (zeros >= 2 && bytes[k] == 3) {
        zeros = 0;
        continue;
      }
      if (zeros >= 2 && bytes[k] <= 1) break;  // The next start code.
      zeros = bytes[k] == 0 ? zeros + 1 : 0;
      payload.push_back(bytes[k]);
    }
    return payload;
  }
  return {};
}

int H264NalType(uint8_t first) { return first & 0x1f; }
int HevcNalType(uint8_t first) { return (first >> 1) & 0x3f; }

absl::StatusOr<std::string> AvcCodecs(const AVCodecContext& encoder) {
  // An avcC record (mp4-style extradata) carries profile, constraints and level at 1..3.
  if (encoder.extradata_size >= 4 && encoder.extradata[0] == 1) {
    return absl::StrFormat("avc1.%02x%02x%02x", encoder.extradata[1], encoder.extradata[2],
                           encoder.extradata[3]);
  }
  std::vector<uint8_t> sps = FindNal(encoder.extradata, encoder.extradata_size, 7, H264NalType);
  if (sps.size() < 4) return absl::InvalidArgumentError("H.264 headers have no SPS");
  return absl::StrFormat("avc1.%02x%02x%02x", sps[1], sps[2], sps[3]);
}

absl::StatusOr<std::string> HevcCodecs(const AVCodecContext& encoder) {
  // VPS: 2-byte NAL header, 4 bytes of fields, then general profile_tier_level: 1 byte of
  // space/tier/profile, 4 of compatibility flags, 6 of constraint flags, 1 of level.
  std::vector<uint8_t> vps = FindNal(encoder.extradata, encoder.extradata_size, 32, HevcNalType);
  if (vps.size() < 18) return absl::InvalidArgumentError("H.265 headers have no VPS");
  const uint8_t* ptl = vps.data() + 6;
  const int space = ptl[0] >> 6;
  const bool high_tier = (ptl[0] >> 5) & 1;
  const int profile = ptl[0] & 0x1f;
  const uint32_t compatibility = (uint32_t{ptl[1]} << 24) | (ptl[2] << 16) | (ptl[3] << 8) | ptl[4];
  uint32_t reversed = 0;
  for (int bit = 0; bit < 32; ++bit) reversed |= ((compatibility >> bit) & 1u) << (31 - bit);
  std::string codecs =
      absl::StrFormat("hvc1.%s%d.%X.%c%d", space == 0 ? "" : std::string(1, 'A' + space - 1),
                      profile, reversed, high_tier ? 'H' : 'L', ptl[11]);
  int last = 5;
  while (last >= 0 && ptl[5 + last] == 0) --last;
  for (int i = 0; i <= last; ++i) absl::StrAppendFormat(&codecs, ".%X", ptl[5 + i]);
  return codecs;
}

}  // namespace

absl::StatusOr<std::string> Rfc6381CodecString(const AVCodecContext& encoder) {
  switch (encoder.codec_id) {
    case AV_CODEC_ID_H264:
      return AvcCodecs(encoder);
    case AV_CODEC_ID_HEVC:
      return HevcCodecs(encoder);
    case AV_CODEC_ID_AAC:
      // MPEG-4 audio object type = AAC profile + 1 (LC: profile 1, object type 2).
      return absl::StrFormat("mp4a.40.%d", encoder.profile + 1);
    default:
      return absl::UnimplementedError(
          absl::StrFormat("no RFC 6381 string for %s", avcodec_get_name(encoder.codec_id)));
  }
}

}  // namespace atp::package
