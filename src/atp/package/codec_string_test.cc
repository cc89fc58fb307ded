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
