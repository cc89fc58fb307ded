#include "atp/validate/init_segment.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/validate/byte_reader.h"
#include "atp/validate/mp4_box.h"

namespace atp::validate {
namespace {

absl::StatusOr<const Mp4Box*> Require(const std::vector<Mp4Box>& boxes, std::string_view type,
                                      std::string_view parent) {
  const Mp4Box* box = FindBox(boxes, type);
  if (box == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("init segment: no '", std::string(type), "' box in ", std::string(parent)));
  }
  return box;
}

absl::Status Truncated(std::string_view box) {
  return absl::InvalidArgumentError(
      absl::StrCat("init segment: '", std::string(box), "' box is truncated"));
}

// avcC: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication.
absl::StatusOr<std::string> AvcCodecs(const std::string& entry, std::string_view avcc) {
  ByteReader reader(avcc);
  reader.U8();
  const uint8_t profile = reader.U8();
  const uint8_t compatibility = reader.U8();
  const uint8_t level = reader.U8();
  if (!reader.ok()) return Truncated("avcC");
  return absl::StrFormat("%s.%02x%02x%02x", entry, profile, compatibility, level);
}

// hvcC per ISO/IEC 14496-15 E.3: <entry>.<space><profile>.<compat, bit-reversed, hex>.
// <tier><level>[.<constraint bytes, trailing zero bytes dropped>].
absl::StatusOr<std::string> HevcCodecs(const std::string& entry, std::string_view hvcc) {
  ByteReader reader(hvcc);
  reader.U8();
  const uint8_t general = reader.U8();
  const uint32_t compatibility = reader.U32();
  uint8_t constraints[6];
  for (uint8_t& byte : constraints) byte = reader.U8();
  const uint8_t level = reader.U8();
  if (!reader.ok()) return Truncated("hvcC");
  const int profile_space = general >> 6;
  const bool high_tier = (general >> 5) & 1;
  const int profile_idc = general & 0x1f;
  uint32_t reversed = 0;
  for (int bit = 0; bit < 32; ++bit) reversed |= ((compatibility >> bit) & 1u) << (31 - bit);
  std::string codecs = absl::StrFormat(
      "%s.%s%d.%X.%c%d", entry, profile_space == 0 ? "" : std::string(1, 'A' + profile_space - 1),
      profile_idc, reversed, high_tier ? 'H' : 'L', level);
  int last = 5;
  while (last >= 0 && constraints[last] == 0) --last;
  for (int i = 0; i <= last; ++i) absl::StrAppendFormat(&codecs, ".%X", constraints[i]);
  return codecs;
}

// av1C (AV1 in ISOBMFF 2.3.3): marker(1) version(7) = 0x81, seq_profile(3)
// seq_level_idx_0(5), seq_tier_0(1) high_bitdepth(1) twelve_bit(1) ... Its codecs parameter
// (ibid. "Codecs Parameter String"), mandatory fields only:
// <entry>.<profile>.<level, 2 digits><M or H>.<bit depth, 2 digits>.
absl::StatusOr<std::string> Av1Codecs(const std::string& entry, std::string_view av1c) {
  ByteReader reader(av1c);
  const uint8_t marker_and_version = reader.U8();
  const uint8_t profile_and_level = reader.U8();
  const uint8_t tier_and_depth = reader.U8();
  if (!reader.ok()) return Truncated("av1C");
  if (marker_and_version != 0x81) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "init segment: 'av1C' starts with 0x%02x, not marker 1 and version 1", marker_and_version));
  }
  const bool twelve_bit = (tier_and_depth >> 5) & 1;
  const bool high_bitdepth = (tier_and_depth >> 6) & 1;
  return absl::StrFormat("%s.%d.%02d%c.%02d", entry, profile_and_level >> 5,
                         profile_and_level & 0x1f, (tier_and_depth >> 7) ? 'H' : 'M',
                         twelve_bit      ? 12
                         : high_bitdepth ? 10
                                         : 8);
}

// esds: ES_Descriptor(3) > DecoderConfigDescriptor(4) > DecoderSpecificInfo(5), whose first
// five bits are the MPEG-4 audio object type.
struct AacConfig {
  std::string codecs;  // "mp4a.40.2"
  int channels = 0;    // From the AudioSpecificConfig; 0 when it defers to a PCE or is absent.
};

// The channel count of an AudioSpecificConfig's channelConfiguration (ISO/IEC 14496-3
// 1.6.3.5, with 23001-8's additions); 0 for 0 (a program_config_element says) or reserved.
int ChannelsOfConfiguration(int configuration) {
  static constexpr int kChannels[] = {0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8, 0};
  return configuration >= 0 && configuration < 16 ? kChannels[configuration] : 0;
}

absl::StatusOr<AacConfig> ParseEsds(std::string_view esds) {
  ByteReader reader(esds);
  reader.U32();  // version and flags
  auto descriptor = [&reader](uint8_t& tag) {
    tag = reader.U8();
    uint64_t size = 0;
    for (int i = 0; i < 4; ++i) {
      const uint8_t byte = reader.U8();
      size = (size << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    return size;
  };
  uint8_t tag = 0;
  descriptor(tag);
  if (tag != 3) return Truncated("esds");
  reader.U16();  // ES_ID
  const uint8_t flags = reader.U8();
  if (flags & 0x80) reader.U16();              // dependsOn_ES_ID
  if (flags & 0x40) reader.Skip(reader.U8());  // URL
  if (flags & 0x20) reader.U16();              // OCR_ES_Id
  descriptor(tag);
  if (tag != 4) return Truncated("esds");
  const uint8_t object_type = reader.U8();
  reader.Skip(12);  // stream type, buffer size, max and average bitrate
  descriptor(tag);
  if (tag != 5 || !reader.ok()) {
    return AacConfig{.codecs = absl::StrFormat("mp4a.%02x", object_type)};
  }
  // AudioSpecificConfig: audioObjectType (5 bits; 31 escapes to 32 + 6 more bits),
  // samplingFrequencyIndex (4 bits; 15 escapes to a 24-bit rate), channelConfiguration (4).
  uint64_t bits = 0;
  int bit_count = 0;
  auto take = [&](int count) {
    while (bit_count < count) {
      bits = (bits << 8) | reader.U8();
      bit_count += 8;
    }
    bit_count -= count;
    return static_cast<int>((bits >> bit_count) & ((uint64_t{1} << count) - 1));
  };
  int audio_object_type = take(5);
  if (audio_object_type == 31) audio_object_type = 32 + take(6);
  if (take(4) == 15) take(24);
  const int channel_configuration = take(4);
  if (!reader.ok()) return Truncated("esds");
  return AacConfig{.codecs = absl::StrFormat("mp4a.%x.%d", object_type, audio_object_type),
                   .channels = ChannelsOfConfiguration(channel_configuration)};
}

}  // namespace

absl::StatusOr<InitSegmentInfo> ParseInitSegment(std::string_view bytes) {
  InitSegmentInfo info;
  ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> top, ParseBoxes(bytes));
  ATP_ASSIGN_OR_RETURN(const Mp4Box* ftyp, Require(top, "ftyp", "the file"));
  {
    ByteReader reader(ftyp->payload);
    info.major_brand = std::string(reader.Bytes(4));
    reader.U32();
    while (reader.remaining() >= 4) info.compatible_brands.emplace_back(reader.Bytes(4));
    if (!reader.ok()) return Truncated("ftyp");
  }
  ATP_ASSIGN_OR_RETURN(const Mp4Box* moov, Require(top, "moov", "the file"));
  ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> moov_children, ParseChildren(*moov));
  ATP_RETURN_IF_ERROR(Require(moov_children, "mvex", "moov (not a fragmented MP4)").status());
  uint32_t movie_timescale = 0;
  if (const Mp4Box* mvhd = FindBox(moov_children, "mvhd")) {
    ByteReader reader(mvhd->payload);
    const uint8_t version = reader.U8();
    reader.U24();
    reader.Skip(version == 1 ? 16 : 8);  // creation and modification times
    movie_timescale = reader.U32();
    if (!reader.ok()) return Truncated("mvhd");
  }
  ATP_ASSIGN_OR_RETURN(const Mp4Box* trak, Require(moov_children, "trak", "moov"));
  ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> trak_children, ParseChildren(*trak));
  ATP_ASSIGN_OR_RETURN(const Mp4Box* tkhd, Require(trak_children, "tkhd", "trak"));
  {
    ByteReader reader(tkhd->payload);
    const uint8_t version = reader.U8();
    reader.U24();
    reader.Skip(version == 1 ? 16 : 8);  // creation and modification times
    info.track_id = reader.U32();
    if (!reader.ok()) return Truncated("tkhd");
  }
  if (const Mp4Box* edts = FindBox(trak_children, "edts")) {
    ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> edts_children, ParseChildren(*edts));
    if (const Mp4Box* elst = FindBox(edts_children, "elst")) {
      ByteReader reader(elst->payload);
      const uint8_t version = reader.U8();
      reader.U24();
      const uint32_t entries = reader.U32();
      for (uint32_t i = 0; i < entries && reader.ok(); ++i) {
        const uint64_t segment_duration = version == 1 ? reader.U64() : reader.U32();
        const int64_t media_time =
            version == 1 ? static_cast<int64_t>(reader.U64()) : static_cast<int32_t>(reader.U32());
        reader.U32();  // media_rate
        if (media_time >= 0) {
          info.edit_media_time = media_time;
          break;
        }
        if (i == 0 && movie_timescale > 0) {
          info.empty_edit_seconds = static_cast<double>(segment_duration) / movie_timescale;
        }
      }
      if (!reader.ok()) return Truncated("elst");
    }
  }
  ATP_ASSIGN_OR_RETURN(const Mp4Box* mdia, Require(trak_children, "mdia", "trak"));
  ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> mdia_children, ParseChildren(*mdia));
  ATP_ASSIGN_OR_RETURN(const Mp4Box* mdhd, Require(mdia_children, "mdhd", "mdia"));
  {
    ByteReader reader(mdhd->payload);
    const uint8_t version = reader.U8();
    reader.U24();
    reader.Skip(version == 1 ? 16 : 8);
    info.timescale = reader.U32();
    if (!reader.ok() || info.timescale == 0) return Truncated("mdhd");
  }
  ATP_ASSIGN_OR_RETURN(const Mp4Box* hdlr, Require(mdia_children, "hdlr", "mdia"));
  {
    ByteReader reader(hdlr->payload);
    reader.Skip(8);  // version, flags, pre_defined
    info.handler = std::string(reader.Bytes(4));
    if (!reader.ok()) return Truncated("hdlr");
  }
  ATP_ASSIGN_OR_RETURN(const Mp4Box* minf, Require(mdia_children, "minf", "mdia"));
  ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> minf_children, ParseChildren(*minf));
  ATP_ASSIGN_OR_RETURN(const Mp4Box* stbl, Require(minf_children, "stbl", "minf"));
  ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> stbl_children, ParseChildren(*stbl));
  ATP_ASSIGN_OR_RETURN(const Mp4Box* stsd, Require(stbl_children, "stsd", "stbl"));
  ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> entries, ParseChildren(*stsd, 8));
  if (entries.empty()) return Truncated("stsd");
  const Mp4Box& entry = entries[0];
  info.sample_entry = entry.type;
  info.codecs = entry.type;
  if (info.handler == "vide") {
    // VisualSampleEntry: 6 reserved + 2 data_reference_index + 16 pre-defined, then size.
    ByteReader reader(entry.payload);
    reader.Skip(24);
    info.width = reader.U16();
    info.height = reader.U16();
    if (!reader.ok()) return Truncated(entry.type);
    ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> config, ParseChildren(entry, 78));
    if (const Mp4Box* pasp = FindBox(config, "pasp")) {
      ByteReader spacing(pasp->payload);
      const uint32_t h_spacing = spacing.U32();
      const uint32_t v_spacing = spacing.U32();
      if (!spacing.ok() || h_spacing == 0 || v_spacing == 0) return Truncated("pasp");
      info.pixel_aspect_h = h_spacing;
      info.pixel_aspect_v = v_spacing;
    }
    if (const Mp4Box* avcc = FindBox(config, "avcC")) {
      ATP_ASSIGN_OR_RETURN(info.codecs, AvcCodecs(entry.type, avcc->payload));
    } else if (const Mp4Box* hvcc = FindBox(config, "hvcC")) {
      ATP_ASSIGN_OR_RETURN(info.codecs, HevcCodecs(entry.type, hvcc->payload));
    } else if (const Mp4Box* av1c = FindBox(config, "av1C")) {
      ATP_ASSIGN_OR_RETURN(info.codecs, Av1Codecs(entry.type, av1c->payload));
    }
  } else if (info.handler == "soun") {
    // AudioSampleEntry: 6 + 2 reserved/index, 8 reserved, channelcount, samplesize,
    // 4 reserved, samplerate as 16.16.
    ByteReader reader(entry.payload);
    reader.Skip(16);
    info.channels = reader.U16();
    reader.Skip(6);
    info.sample_rate_hz = static_cast<int>(reader.U32() >> 16);
    if (!reader.ok()) return Truncated(entry.type);
    ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> config, ParseChildren(entry, 28));
    if (const Mp4Box* esds = FindBox(config, "esds")) {
      ATP_ASSIGN_OR_RETURN(const AacConfig aac, ParseEsds(esds->payload));
      info.codecs = aac.codecs;
      // MP4 writes channelcount 2 whatever the layout (ISO/IEC 14496-12 templates it): the
      // AudioSpecificConfig is what decoders use.
      if (aac.channels > 0) info.channels = aac.channels;
    }
  }
  return info;
}

}  // namespace atp::validate
