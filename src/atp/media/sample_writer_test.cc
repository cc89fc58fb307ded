#include "atp/media/sample_writer.h"

#include <cmath>

#include "atp/media/av_ptr.h"
#include "atp/media/probe.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::media {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

// Mean of each plane (Y, U, V) of the first decoded frame at or after `seconds`.
std::vector<double> PlaneMeansAt(const fs::path& file, double seconds) {
  AVFormatContext* raw = nullptr;
  EXPECT_EQ(avformat_open_input(&raw, file.string().c_str(), nullptr, nullptr), 0);
  InputFormatPtr format(raw);
  avformat_find_stream_info(format.get(), nullptr);
  const int index = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const AVStream* stream = format->streams[index];
  CodecContextPtr decoder(avcodec_alloc_context3(avcodec_find_decoder(stream->codecpar->codec_id)));
  avcodec_parameters_to_context(decoder.get(), stream->codecpar);
  EXPECT_EQ(avcodec_open2(decoder.get(), nullptr, nullptr), 0);
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  while (av_read_frame(format.get(), packet.get()) >= 0) {
    if (packet->stream_index == index && avcodec_send_packet(decoder.get(), packet.get()) == 0) {
      while (avcodec_receive_frame(decoder.get(), frame.get()) == 0) {
        if (frame->pts * av_q2d(stream->time_base) + 1e-6 < seconds) continue;
        const bool ten_bit = frame->format == AV_PIX_FMT_YUV422P10LE;
        std::vector<double> means;
        for (int plane = 0; plane < 3; ++plane) {
          const int width = plane == 0 ? frame->width : frame->width / 2;
          const int height = plane == 0 || ten_bit ? frame->height : frame->height / 2;
          double sum = 0;
          for (int y = 0; y < height; ++y) {
            const uint8_t* row = frame->data[plane] + y * frame->linesize[plane];
            for (int x = 0; x < width; ++x) {
              sum += ten_bit ? reinterpret_cast<const uint16_t*>(row)[x] / 4.0 : row[x];
            }
          }
          means.push_back(sum / (width * height));
        }
        return means;
      }
    }
    av_packet_unref(packet.get());
  }
  ADD_FAILURE() << "no frame at " << seconds << " s in " << file;
  return {};
}

double Distance(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) sum += std::abs(a[i] - b[i]);
  return sum;
}

struct SampleCase {
  SampleCodec codec;
  std::string file;
  std::string codec_name;
  std::string pixel_format;
  std::string audio_codec;
};

void PrintTo(const SampleCase& sample, std::ostream* out) { *out << sample.codec_name; }

class SampleWriterTest : public ::testing::TestWithParam<SampleCase> {};

TEST_P(SampleWriterTest, WritesWhatWasAskedFor) {
  testing::TempDir dir;
  SampleOptions options;
  options.codec = GetParam().codec;
  options.duration_seconds = 4;
  options.width = 320;
  options.height = 240;
  options.audio_languages = {"ja", "en", "fr"};
  const fs::path file = dir.path() / GetParam().file;
  ASSERT_OK(WriteSampleMezzanine(options, file));
  EXPECT_FALSE(fs::exists(file.string() + ".partial"));

  ASSERT_OK_AND_ASSIGN(SourceInfo info, ProbeMedia(file));
  EXPECT_EQ(info.video_codec_name, GetParam().codec_name);
  EXPECT_EQ(info.pixel_format, GetParam().pixel_format);
  EXPECT_EQ(info.width, 320);
  EXPECT_EQ(info.height, 240);
  EXPECT_EQ(info.frame_rate, (Rational{24000, 1001}));
  EXPECT_NEAR(info.duration_seconds(), 4.0, 1001.0 / 24000);
  ASSERT_EQ(info.audio_streams.size(), 3u);
  const char* languages[] = {"jpn", "eng", "fra"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(info.audio_streams[i].language, languages[i]);
    EXPECT_EQ(info.audio_streams[i].codec_name, GetParam().audio_codec);
    EXPECT_EQ(info.audio_streams[i].channels, 2);
    EXPECT_EQ(info.audio_streams[i].sample_rate_hz, 48000);
  }

  // A scene cut at 3 s changes the whole palette; within a scene the shapes move.
  const std::vector<double> first_scene = PlaneMeansAt(file, 0.5);
  const std::vector<double> same_scene_later = PlaneMeansAt(file, 1.5);
  const std::vector<double> second_scene = PlaneMeansAt(file, 3.5);
  EXPECT_GT(Distance(first_scene, second_scene), 20.0);
  EXPECT_GT(Distance(first_scene, same_scene_later), 0.05);
  EXPECT_LT(Distance(first_scene, same_scene_later), Distance(first_scene, second_scene));
}

INSTANTIATE_TEST_SUITE_P(
    Codecs, SampleWriterTest,
    ::testing::Values(SampleCase{SampleCodec::kProRes, "s.mov", "prores", "yuv422p10le",
                                 "pcm_s24le"},
                      SampleCase{SampleCodec::kH264, "s.mp4", "h264", "yuv420p", "aac"}),
    [](const auto& info) { return info.param.codec == SampleCodec::kProRes ? "ProRes" : "H264"; });

TEST(WriteSampleMezzanine, ProResIsTheHqProfile) {
  testing::TempDir dir;
  SampleOptions options;
  options.duration_seconds = 0.5;
  options.width = 128;
  options.height = 96;
  ASSERT_OK(WriteSampleMezzanine(options, dir.path() / "hq.mov"));
  ASSERT_OK_AND_ASSIGN(SourceInfo info, ProbeMedia(dir.path() / "hq.mov"));
  EXPECT_EQ(info.video_codec_profile, "HQ");
}

TEST(WriteSampleMezzanine, RefusesBadOptionsAndLeavesNothing) {
  struct Case {
    std::function<void(SampleOptions&)> change;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {[](SampleOptions& o) { o.width = 321; }, "expected even numbers"},
           {[](SampleOptions& o) { o.height = 32; }, "expected even numbers"},
           {[](SampleOptions& o) { o.duration_seconds = 0; }, "sample duration"},
           {[](SampleOptions& o) {
              o.frame_rate = {0, 1};
            },
            "sample frame rate"},
           {[](SampleOptions& o) { o.audio_languages = {"xx"}; }, "language 'xx'"},
           {[](SampleOptions& o) { o.audio_languages.assign(9, "ja"); }, "at most 8"},
       }) {
    testing::TempDir dir;
    SampleOptions options;
    c.change(options);
    EXPECT_THAT(WriteSampleMezzanine(options, dir.path() / "x.mov"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
    EXPECT_TRUE(fs::is_empty(dir.path())) << c.message;
  }
}

TEST(WriteSampleMezzanine, UnwritableFolderIsAnErrorAndLeavesNothing) {
  testing::TempDir dir;
  SampleOptions options;
  options.duration_seconds = 0.5;
  options.width = 128;
  options.height = 96;
  EXPECT_THAT(WriteSampleMezzanine(options, dir.path() / "missing" / "x.mov"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
}

}  // namespace
}  // namespace atp::media
