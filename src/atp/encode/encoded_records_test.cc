#include "atp/encode/encoded_records.h"

#include "atp/media/av_error.h"
#include "atp/media/av_ptr.h"
#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

extern "C" {
#include <libavutil/channel_layout.h>
}

namespace atp::encode {
namespace {

using ::atp::testing::StatusIs;

class EncodedRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override { media::QuietLibavLogging(); }
};

// An opened libx264 encoder of 64x48 frames at 25 fps, with global headers, as
// VideoRungEncoder opens its encoders.
media::CodecContextPtr OpenH264Encoder() {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) return nullptr;
  media::CodecContextPtr encoder(avcodec_alloc_context3(codec));
  encoder->width = 64;
  encoder->height = 48;
  encoder->pix_fmt = AV_PIX_FMT_YUV420P;
  encoder->time_base = {1, 25};
  encoder->framerate = {25, 1};
  encoder->sample_aspect_ratio = {1, 1};
  encoder->color_primaries = AVCOL_PRI_BT709;
  encoder->color_trc = AVCOL_TRC_BT709;
  encoder->colorspace = AVCOL_SPC_BT709;
  encoder->color_range = AVCOL_RANGE_MPEG;
  encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  encoder->thread_count = 1;
  AVDictionary* options = nullptr;
  av_dict_set(&options, "preset", "veryfast", 0);
  av_dict_set(&options, "profile", "main", 0);
  const int error = avcodec_open2(encoder.get(), codec, &options);
  av_dict_free(&options);
  if (error < 0) return nullptr;
  return encoder;
}

TEST_F(EncodedRecordsTest, StreamOfAnOpenedH264Encoder) {
  media::CodecContextPtr encoder = OpenH264Encoder();
  ASSERT_NE(encoder, nullptr);
  ASSERT_OK_AND_ASSIGN(EncodedStream stream, EncodedStreamOf(*encoder));
  EXPECT_EQ(stream.kind, TrackKind::kVideo);
  EXPECT_EQ(stream.codec, CodecId::kH264);
  EXPECT_EQ(stream.time_base, (Rational{1, 25}));
  EXPECT_EQ(stream.width, 64);
  EXPECT_EQ(stream.height, 48);
  EXPECT_EQ(stream.frame_rate, (Rational{25, 1}));
  EXPECT_EQ(stream.sample_aspect_ratio, (Rational{1, 1}));
  EXPECT_EQ(stream.color_primaries, 1);  // BT.709 in ISO/IEC 23091-2.
  EXPECT_EQ(stream.color_transfer, 1);
  EXPECT_EQ(stream.color_matrix, 1);
  EXPECT_EQ(stream.color_range, ColorRange::kLimited);
  EXPECT_EQ(stream.bit_rate_bps, encoder->bit_rate);
  // The extradata byte for byte: Annex B SPS (Main: profile_idc 77) and PPS.
  ASSERT_EQ(stream.codec_config.size(), static_cast<size_t>(encoder->extradata_size));
  EXPECT_EQ(stream.codec_config, std::string(reinterpret_cast<const char*>(encoder->extradata),
                                             static_cast<size_t>(encoder->extradata_size)));
  EXPECT_EQ(stream.codec_config.substr(0, 5), std::string("\0\0\0\1\x67", 5));
  EXPECT_EQ(static_cast<uint8_t>(stream.codec_config[5]), 77);
  EXPECT_EQ(stream.sample_rate_hz, 0);
  EXPECT_EQ(stream.channels, 0);
}

TEST_F(EncodedRecordsTest, PacketKeepsTimesKeyframeFlagAndPointsAtItsBytes) {
  media::CodecContextPtr encoder = OpenH264Encoder();
  ASSERT_NE(encoder, nullptr);
  media::FramePtr frame(av_frame_alloc());
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = 64;
  frame->height = 48;
  ASSERT_GE(av_frame_get_buffer(frame.get(), 0), 0);
  for (int plane = 0; plane < 3; ++plane) {
    std::fill_n(frame->data[plane], frame->linesize[plane] * (plane == 0 ? 48 : 24), 0x80);
  }
  frame->pts = 7;
  ASSERT_GE(avcodec_send_frame(encoder.get(), frame.get()), 0);
  ASSERT_GE(avcodec_send_frame(encoder.get(), nullptr), 0);
  media::PacketPtr packet(av_packet_alloc());
  ASSERT_GE(avcodec_receive_packet(encoder.get(), packet.get()), 0);
  packet->duration = 1;

  const EncodedPacket encoded = EncodedPacketOf(*packet);
  EXPECT_EQ(encoded.pts, 7);
  EXPECT_EQ(encoded.dts, packet->dts);
  EXPECT_EQ(encoded.duration, 1);
  EXPECT_TRUE(encoded.keyframe);
  EXPECT_EQ(static_cast<const void*>(encoded.data.data()), packet->data);
  EXPECT_EQ(encoded.data.size(), static_cast<size_t>(packet->size));

  packet->flags &= ~AV_PKT_FLAG_KEY;
  EXPECT_FALSE(EncodedPacketOf(*packet).keyframe);
}

TEST_F(EncodedRecordsTest, StreamOfAnOpenedAacEncoder) {
  const AVCodec* codec = avcodec_find_encoder_by_name("aac");
  ASSERT_NE(codec, nullptr);
  media::CodecContextPtr encoder(avcodec_alloc_context3(codec));
  encoder->sample_rate = 48000;
  encoder->sample_fmt = AV_SAMPLE_FMT_FLTP;
  av_channel_layout_default(&encoder->ch_layout, 2);
  encoder->bit_rate = 128000;
  encoder->time_base = {1, 48000};
  encoder->profile = FF_PROFILE_AAC_LOW;
  encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  ASSERT_GE(avcodec_open2(encoder.get(), codec, nullptr), 0);

  ASSERT_OK_AND_ASSIGN(EncodedStream stream, EncodedStreamOf(*encoder));
  EXPECT_EQ(stream.kind, TrackKind::kAudio);
  EXPECT_EQ(stream.codec, CodecId::kAac);
  EXPECT_EQ(stream.time_base, (Rational{1, 48000}));
  EXPECT_EQ(stream.profile, 2);  // Audio object type 2: AAC LC.
  EXPECT_EQ(stream.bit_rate_bps, 128000);
  EXPECT_EQ(stream.sample_rate_hz, 48000);
  EXPECT_EQ(stream.channels, 2);
  EXPECT_EQ(stream.samples_per_frame, 1024);
  EXPECT_EQ(stream.priming_samples, 1024);  // The aac encoder's delay (initial_padding).
  // The extradata byte for byte: an AudioSpecificConfig of object type 2, frequency index
  // 3 (48 kHz) and 2 channels, then the encoder's backward-compatible SBR signalling.
  EXPECT_EQ(stream.codec_config, std::string(reinterpret_cast<const char*>(encoder->extradata),
                                             static_cast<size_t>(encoder->extradata_size)));
  EXPECT_EQ(stream.codec_config.substr(0, 2), std::string("\x11\x90", 2));
  EXPECT_EQ(stream.width, 0);
}

TEST_F(EncodedRecordsTest, OtherCodecsAreUnimplemented) {
  media::CodecContextPtr context(avcodec_alloc_context3(nullptr));
  context->codec_type = AVMEDIA_TYPE_AUDIO;
  context->codec_id = AV_CODEC_ID_MP3;
  EXPECT_THAT(EncodedStreamOf(*context), StatusIs(absl::StatusCode::kUnimplemented));
}

}  // namespace
}  // namespace atp::encode
