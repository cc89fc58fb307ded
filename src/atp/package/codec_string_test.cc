#include "atp/package/codec_string.h"

#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::package {
namespace {

using ::atp::testing::StatusIs;

EncodedStream Stream(CodecId codec, std::string config) {
  EncodedStream stream;
  stream.kind = codec == CodecId::kAac ? TrackKind::kAudio : TrackKind::kVideo;
  stream.codec = codec;
  stream.codec_config = std::move(config);
  return stream;
}

// The codecs string of a stream of `codec` with configuration `config`, or its error.
std::string Codecs(CodecId codec, std::string config) {
  absl::StatusOr<std::string> codecs = Rfc6381CodecString(Stream(codec, std::move(config)));
  return codecs.ok() ? *codecs : codecs.status().ToString();
}

TEST(Rfc6381CodecString, H264FromAnAvcCRecordOrTheSps) {
  // avcC: version 1, then profile_idc, constraint flags and level_idc.
  EXPECT_EQ(Codecs(CodecId::kH264, std::string("\x01\x64\x00\x1f\xff", 5)), "avc1.64001f");
  // Annex B as libx264 writes its global headers: SPS (Main, level 3.0), then PPS.
  EXPECT_EQ(Codecs(CodecId::kH264,
                   std::string("\0\0\0\1\x67\x4d\x40\x1e\xec\xa0\0\0\0\1\x68\xeb\xec\xb2", 18)),
            "avc1.4d401e");
  EXPECT_THAT(Rfc6381CodecString(Stream(CodecId::kH264, std::string("\0\0\1\x68\xeb", 5))),
              StatusIs(absl::StatusCode::kInvalidArgument, "H.264 headers have no SPS"));
}

TEST(Rfc6381CodecString, HevcFromTheVpsOrAnHvcCRecord) {
  // A VPS NAL unit (type 32) with emulation-prevention bytes inside its profile_tier_level:
  // Main profile, compatible with Main and Main 10, main tier, level 3.1, progressive.
  EXPECT_EQ(Codecs(CodecId::kHevc, std::string("\0\0\0\1\x40\x01\x0c\x01\xff\xff"
                                               "\x01\x60\0\0\x03\0\x90\0\0\x03\0\0\x03\0\x5d",
                                               25)),
            "hvc1.1.6.L93.90");
  // hvcC: version 1, then the same fields: Main 10 (compatible with Main 10), high tier,
  // level 5.1.
  std::string hvcc("\x01\x22\x20\0\0\0\xb0\0\0\0\0\0\x99", 13);
  hvcc.resize(23, '\0');
  EXPECT_EQ(Codecs(CodecId::kHevc, hvcc), "hvc1.2.4.H153.B0");
  EXPECT_THAT(Rfc6381CodecString(Stream(CodecId::kHevc, "")),
              StatusIs(absl::StatusCode::kInvalidArgument, "H.265 headers have no VPS"));
}

// Writes AV1 bit fields (f(n)) most significant bit first, as a sequence header has them.
class BitWriter {
 public:
  BitWriter& Put(uint64_t value, int count) {
    for (int i = count - 1; i >= 0; --i) {
      if (bits_ % 8 == 0) bytes_.push_back('\0');
      bytes_.back() = static_cast<char>(bytes_.back() | (((value >> i) & 1) << (7 - bits_ % 8)));
      ++bits_;
    }
    return *this;
  }
  // The bytes as an OBU_SEQUENCE_HEADER with its size field (one-byte leb128).
  std::string AsSequenceHeaderObu() const {
    return std::string("\x0a", 1) + static_cast<char>(bytes_.size()) + bytes_;
  }

 private:
  std::string bytes_;
  int bits_ = 0;
};

TEST(Rfc6381CodecString, Av1FromAnAv1CRecord) {
  struct Case {
    std::string av1c;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           // libsvtav1's 640x360 at 24 fps: Main (0), level 2.1 (seq_level_idx 1), 8 bits.
           {std::string("\x81\x01\x0c\x00", 4), "av01.0.01M.08"},
           // The spec's example "av01.0.04M.10.0.112.09.16.09.0": level 3.0, 10 bits.
           {std::string("\x81\x04\x40\x00", 4), "av01.0.04M.10"},
           // Level 3.1 is seq_level_idx 5 ((3 - 2) * 4 + 1).
           {std::string("\x81\x05\x0c\x00", 4), "av01.0.05M.08"},
           // Professional (2), level 5.1 (13), High tier, 12 bits.
           {std::string("\x81\x4d\xe0\x00", 4), "av01.2.13H.12"},
       }) {
    EXPECT_EQ(Codecs(CodecId::kAv1, c.av1c), c.expected);
  }
}

TEST(Rfc6381CodecString, Av1FromTheSequenceHeaderObu) {
  // libsvtav1's extradata for 640x360 (the OBUs of its av1C above).
  EXPECT_EQ(Codecs(CodecId::kAv1, std::string("\x0a\x0b\0\0\0\x0c\xc4\xff\x67\0\xbe\0\x10", 13)),
            "av01.0.01M.08");
  // Every optional part before the bit depth present: timing and decoder model info, two
  // operating points with delays, frame ids, screen content tools; Professional, 12 bits,
  // the first operating point at level 5.1 High tier, the second at 4.0 Main tier.
  BitWriter header;
  header.Put(2, 3).Put(0, 1).Put(0, 1);           // seq_profile, still_picture, reduced header
  header.Put(1, 1).Put(1001, 32).Put(24000, 32);  // timing_info_present, tick, time_scale
  header.Put(1, 1).Put(0b00101, 5);               // equal_picture_interval, uvlc(4)
  header.Put(1, 1).Put(9, 5).Put(1, 32).Put(20, 5).Put(20, 5);  // decoder model: 10-bit delays
  header.Put(1, 1).Put(1, 5);                            // initial_display_delay_present, 2 points
  header.Put(0x101, 12).Put(13, 5).Put(1, 1);            // point 0: level 5.1, High tier
  header.Put(1, 1).Put(100, 10).Put(200, 10).Put(0, 1);  // its decoder model parameters
  header.Put(1, 1).Put(3, 4);                            // its initial display delay
  header.Put(0x103, 12).Put(8, 5).Put(0, 1);             // point 1: level 4.0, Main tier
  header.Put(0, 1).Put(0, 1);                            // no decoder model, no display delay
  header.Put(10, 4).Put(9, 4).Put(1919, 11).Put(1079, 10);  // frame size bits and maxima
  header.Put(1, 1).Put(5, 4).Put(2, 3);                     // frame ids
  header.Put(0b111, 3).Put(0b1111, 4);             // superblock, intra tools, compound tools
  header.Put(1, 1).Put(0b11, 2);                   // enable_order_hint, jnt_comp, ref_frame_mvs
  header.Put(0, 1).Put(1, 1).Put(0, 1).Put(1, 1);  // screen content forced, integer mv forced
  header.Put(6, 3);                                // order_hint_bits_minus_1
  header.Put(0b011, 3);                            // superres, cdef, restoration
  header.Put(1, 1).Put(1, 1).Put(0, 1);            // high_bitdepth, twelve_bit, mono_chrome
  EXPECT_EQ(Codecs(CodecId::kAv1, std::string("\x12\x00", 2) + header.AsSequenceHeaderObu()),
            "av01.2.13H.12");  // After a temporal delimiter OBU.

  EXPECT_THAT(Rfc6381CodecString(Stream(CodecId::kAv1, std::string("\x12\x00", 2))),
              StatusIs(absl::StatusCode::kInvalidArgument, "AV1 headers have no sequence header"));
  EXPECT_THAT(Rfc6381CodecString(Stream(CodecId::kAv1, std::string("\x0a\x03\0\0\0", 5))),
              StatusIs(absl::StatusCode::kInvalidArgument, "AV1 sequence header is truncated"));
}

TEST(Rfc6381CodecString, AacFromTheAudioSpecificConfig) {
  struct Case {
    std::string config;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {std::string("\x11\x90", 2), "mp4a.40.2"},   // LC, 48 kHz, stereo.
           {std::string("\x2b\x92", 2), "mp4a.40.5"},   // HE-AAC (SBR).
           {std::string("\xf9\x40", 2), "mp4a.40.42"},  // Escaped: 32 + 10, USAC.
       }) {
    EXPECT_EQ(Codecs(CodecId::kAac, c.config), c.expected);
  }
  EXPECT_THAT(Rfc6381CodecString(Stream(CodecId::kAac, "")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace atp::package
