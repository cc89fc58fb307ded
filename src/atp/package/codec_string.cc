#include "atp/package/codec_string.h"

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace atp::package {
namespace {

// The payload (emulation-prevention bytes removed) of the first NAL unit in Annex B
// `bytes` whose type, read by `nal_type`, equals `wanted`.
std::vector<uint8_t> FindNal(std::string_view config, int wanted,
                             int (*nal_type)(uint8_t first_byte)) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(config.data());
  const size_t size = config.size();
  for (size_t i = 0; i + 3 < size; ++i) {
    if (bytes[i] != 0 || bytes[i + 1] != 0 || bytes[i + 2] != 1) continue;
    const size_t start = i + 3;
    if (nal_type(bytes[start]) != wanted) continue;
    std::vector<uint8_t> payload;
    int zeros = 0;
    for (size_t k = start; k < size; ++k) {
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

// avcC and hvcC records begin with configurationVersion 1; Annex B with a zero byte.
bool IsMp4Record(std::string_view config) {
  return !config.empty() && static_cast<uint8_t>(config[0]) == 1;
}

absl::StatusOr<std::string> AvcCodecs(std::string_view config) {
  // An avcC record carries profile, constraints and level at 1..3.
  if (IsMp4Record(config) && config.size() >= 4) {
    return absl::StrFormat("avc1.%02x%02x%02x", static_cast<uint8_t>(config[1]),
                           static_cast<uint8_t>(config[2]), static_cast<uint8_t>(config[3]));
  }
  std::vector<uint8_t> sps = FindNal(config, 7, H264NalType);
  if (sps.size() < 4) return absl::InvalidArgumentError("H.264 headers have no SPS");
  return absl::StrFormat("avc1.%02x%02x%02x", sps[1], sps[2], sps[3]);
}

// `ptl`: the 12 bytes of a general profile_tier_level: 1 byte of space/tier/profile, 4 of
// compatibility flags, 6 of constraint flags, 1 of level.
std::string HevcCodecsFromProfileTierLevel(const uint8_t* ptl) {
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

absl::StatusOr<std::string> HevcCodecs(std::string_view config) {
  // An hvcC record carries the profile_tier_level at 1..12 (ISO/IEC 14496-15 8.3.3.1).
  if (IsMp4Record(config) && config.size() >= 23) {
    return HevcCodecsFromProfileTierLevel(reinterpret_cast<const uint8_t*>(config.data()) + 1);
  }
  // VPS: 2-byte NAL header, 4 bytes of fields, then the general profile_tier_level.
  std::vector<uint8_t> vps = FindNal(config, 32, HevcNalType);
  if (vps.size() < 18) return absl::InvalidArgumentError("H.265 headers have no VPS");
  return HevcCodecsFromProfileTierLevel(vps.data() + 6);
}

absl::StatusOr<std::string> AacCodecs(std::string_view config) {
  // AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1): a 5-bit audioObjectType, 31 escaping to
  // 32 + the next 6 bits.
  if (config.empty()) return absl::InvalidArgumentError("AAC stream has no AudioSpecificConfig");
  const auto* bytes = reinterpret_cast<const uint8_t*>(config.data());
  int object_type = bytes[0] >> 3;
  if (object_type == 31) {
    if (config.size() < 2) return absl::InvalidArgumentError("AudioSpecificConfig is truncated");
    object_type = 32 + (((bytes[0] & 0x07) << 3) | (bytes[1] >> 5));
  }
  if (object_type == 0) return absl::InvalidArgumentError("AudioSpecificConfig has object type 0");
  return absl::StrFormat("mp4a.40.%d", object_type);
}

}  // namespace

absl::StatusOr<std::string> Rfc6381CodecString(const EncodedStream& stream) {
  switch (stream.codec) {
    case CodecId::kH264:
      return AvcCodecs(stream.codec_config);
    case CodecId::kHevc:
      return HevcCodecs(stream.codec_config);
    case CodecId::kAac:
      return AacCodecs(stream.codec_config);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("no RFC 6381 string for codec ", static_cast<int>(stream.codec)));
}

}  // namespace atp::package
