#include "atp/package/codec_string.h"

#include <cstdint>
#include <optional>
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

// Reads big-endian bit fields (AV1's f(n)); past the end it reads zeros and turns !ok().
class BitReader {
 public:
  explicit BitReader(std::string_view bytes) : bytes_(bytes) {}

  uint64_t Read(int count) {
    uint64_t value = 0;
    for (int i = 0; i < count; ++i, ++position_) {
      const size_t byte = position_ / 8;
      const int bit = byte < bytes_.size()
                          ? (static_cast<uint8_t>(bytes_[byte]) >> (7 - position_ % 8)) & 1
                          : 0;
      value = (value << 1) | bit;
    }
    return value;
  }
  // AV1's uvlc(): leading zeros, then that many bits.
  uint64_t ReadUvlc() {
    int zeros = 0;
    while (ok() && Read(1) == 0) ++zeros;
    return zeros >= 32 ? UINT32_MAX : Read(zeros) + (uint64_t{1} << zeros) - 1;
  }
  [[nodiscard]] bool ok() const { return position_ <= bytes_.size() * 8; }

 private:
  std::string_view bytes_;
  size_t position_ = 0;
};

// What an AV1 codecs string says (av01.P.LLT.DD, AV1 in ISOBMFF, "Codecs Parameter String").
struct Av1Fields {
  int profile = 0;         // seq_profile
  int level_index = 0;     // seq_level_idx[0]
  bool high_tier = false;  // seq_tier[0]
  int bit_depth = 8;
};

std::string Av1CodecsOf(const Av1Fields& fields) {
  return absl::StrFormat("av01.%d.%02d%c.%02d", fields.profile, fields.level_index,
                         fields.high_tier ? 'H' : 'M', fields.bit_depth);
}

// av1C (AV1 in ISOBMFF 2.3.3): marker and version, then seq_profile(3) seq_level_idx_0(5),
// then seq_tier_0, high_bitdepth, twelve_bit, ...
Av1Fields Av1FieldsOfAv1C(const uint8_t* record) {
  return {.profile = record[1] >> 5,
          .level_index = record[1] & 0x1f,
          .high_tier = (record[2] >> 7) != 0,
          .bit_depth = (record[2] & 0x20)   ? 12
                       : (record[2] & 0x40) ? 10
                                            : 8};
}

// sequence_header_obu() (AV1 5.5) up to color_config's bit depth.
absl::StatusOr<Av1Fields> Av1FieldsOfSequenceHeader(std::string_view payload) {
  BitReader bits(payload);
  Av1Fields fields;
  fields.profile = static_cast<int>(bits.Read(3));
  bits.Read(1);  // still_picture
  const bool reduced_still_picture_header = bits.Read(1);
  if (reduced_still_picture_header) {
    fields.level_index = static_cast<int>(bits.Read(5));
  } else {
    bool decoder_model_info_present = false;
    int buffer_delay_bits = 0;
    if (bits.Read(1)) {                   // timing_info_present_flag
      bits.Read(64);                      // num_units_in_display_tick, time_scale
      if (bits.Read(1)) bits.ReadUvlc();  // equal_picture_interval
      decoder_model_info_present = bits.Read(1);
      if (decoder_model_info_present) {
        buffer_delay_bits = static_cast<int>(bits.Read(5)) + 1;
        bits.Read(32 + 5 + 5);  // num_units_in_decoding_tick, two lengths
      }
    }
    const bool initial_display_delay_present = bits.Read(1);
    const int operating_points = static_cast<int>(bits.Read(5)) + 1;
    for (int i = 0; i < operating_points; ++i) {
      bits.Read(12);  // operating_point_idc
      const int level_index = static_cast<int>(bits.Read(5));
      const bool high_tier = level_index > 7 && bits.Read(1);
      if (i == 0) {
        fields.level_index = level_index;
        fields.high_tier = high_tier;
      }
      if (decoder_model_info_present && bits.Read(1)) bits.Read(2 * buffer_delay_bits + 1);
      if (initial_display_delay_present && bits.Read(1)) bits.Read(4);
    }
  }
  const int width_bits = static_cast<int>(bits.Read(4)) + 1;
  const int height_bits = static_cast<int>(bits.Read(4)) + 1;
  bits.Read(width_bits + height_bits);  // max_frame_width_minus_1, max_frame_height_minus_1
  if (!reduced_still_picture_header && bits.Read(1)) bits.Read(4 + 3);  // frame ids
  bits.Read(3);  // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!reduced_still_picture_header) {
    bits.Read(4);  // interintra, masked compound, warped motion, dual filter
    const bool enable_order_hint = bits.Read(1);
    if (enable_order_hint) bits.Read(2);  // enable_jnt_comp, enable_ref_frame_mvs
    const bool seq_choose_screen_content_tools = bits.Read(1);
    const bool screen_content_tools = seq_choose_screen_content_tools || bits.Read(1);
    if (screen_content_tools && !bits.Read(1)) bits.Read(1);  // seq_choose/force_integer_mv
    if (enable_order_hint) bits.Read(3);                      // order_hint_bits_minus_1
  }
  bits.Read(3);  // enable_superres, enable_cdef, enable_restoration
  const bool high_bitdepth = bits.Read(1);
  const bool twelve_bit = fields.profile == 2 && high_bitdepth && bits.Read(1);
  fields.bit_depth = twelve_bit ? 12 : high_bitdepth ? 10 : 8;
  if (!bits.ok()) return absl::InvalidArgumentError("AV1 sequence header is truncated");
  return fields;
}

// The payload of the first OBU of type OBU_SEQUENCE_HEADER (1) in low-overhead `obus`.
std::optional<std::string_view> FindSequenceHeaderObu(std::string_view obus) {
  size_t at = 0;
  while (at < obus.size()) {
    const auto header = static_cast<uint8_t>(obus[at++]);
    const int type = (header >> 3) & 0x0f;
    if (header & 0x04) ++at;  // obu_extension_header
    uint64_t size = obus.size() > at ? obus.size() - at : 0;
    if (header & 0x02) {  // obu_has_size_field: leb128
      size = 0;
      for (int i = 0; i < 8 && at < obus.size(); ++i) {
        const auto byte = static_cast<uint8_t>(obus[at++]);
        size |= uint64_t{byte & 0x7fu} << (7 * i);
        if (!(byte & 0x80)) break;
      }
    }
    if (at > obus.size() || size > obus.size() - at) return std::nullopt;
    if (type == 1) return obus.substr(at, size);
    at += size;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> Av1Codecs(std::string_view config) {
  // An av1C record begins with marker 1 and version 1 (0x81); OBUs with a forbidden 0 bit.
  if (config.size() >= 4 && static_cast<uint8_t>(config[0]) == 0x81) {
    return Av1CodecsOf(Av1FieldsOfAv1C(reinterpret_cast<const uint8_t*>(config.data())));
  }
  std::optional<std::string_view> sequence_header = FindSequenceHeaderObu(config);
  if (!sequence_header) return absl::InvalidArgumentError("AV1 headers have no sequence header");
  absl::StatusOr<Av1Fields> fields = Av1FieldsOfSequenceHeader(*sequence_header);
  if (!fields.ok()) return fields.status();
  return Av1CodecsOf(*fields);
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
    case CodecId::kAv1:
      return Av1Codecs(stream.codec_config);
    case CodecId::kAac:
      return AacCodecs(stream.codec_config);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("no RFC 6381 string for codec ", static_cast<int>(stream.codec)));
}

}  // namespace atp::package
