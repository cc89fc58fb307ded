// ParseTsSegment on transport streams written by the ffmpeg command-line tool.
#include "atp/validate/ts_segment.h"

#include <cstdlib>

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

using ::atp::testing::StatusIs;

// Two seconds of 320x240 test pattern at 24 fps (H.264 High 3.0, one IDR) and AAC-LC tone.
std::string WriteTs(const testing::TempDir& dir) {
  const std::filesystem::path out = dir.path() / "segment.ts";
  const std::string command =
      "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=24 "
      "-f lavfi -i sine=sample_rate=48000 -t 2 -c:v libx264 -profile:v high -level 3.0 "
      "-pix_fmt yuv420p -g 1000 -c:a aac -f mpegts " +
      out.string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return testing::ReadFile(out);
}

TEST(ParseTsSegment, ReadsCodecsSizeAndTiming) {
  testing::TempDir dir;
  const std::string bytes = WriteTs(dir);
  ASSERT_TRUE(LooksLikeTransportStream(bytes));
  ASSERT_OK_AND_ASSIGN(std::vector<TsStreamInfo> streams, ParseTsSegment(bytes));
  ASSERT_EQ(streams.size(), 2u);
  const TsStreamInfo& video = streams[0];
  EXPECT_TRUE(video.video);
  EXPECT_EQ(video.codecs, "avc1.64001e");  // From the SPS: High, no constraints, level 3.0.
  EXPECT_EQ(video.width, 320);
  EXPECT_EQ(video.height, 240);
  EXPECT_TRUE(video.starts_with_idr);
  EXPECT_EQ(video.packet_count, 48);
  EXPECT_EQ(video.frame_duration, kTsTimescale / 24);
  EXPECT_EQ(video.duration, 2 * kTsTimescale);
  const TsStreamInfo& audio = streams[1];
  EXPECT_FALSE(audio.video);
  EXPECT_EQ(audio.codecs, "mp4a.40.2");   // From the ADTS header.
  EXPECT_EQ(audio.frame_duration, 1920);  // 1024 samples at 48 kHz in 90 kHz ticks.
}

// A stream copy cut 0.5 s in keeps the non-key frames ffmpeg would otherwise drop: the first
// access unit has no IDR NAL unit.
TEST(ParseTsSegment, SeesAStartWithoutIdr) {
  testing::TempDir dir;
  WriteTs(dir);
  const std::string command = "cd " + dir.path().string() +
                              " && ffmpeg -nostdin -loglevel quiet -y -i segment.ts -ss 0.5 "
                              "-copyinkf -c copy -f mpegts cut.ts";
  ASSERT_EQ(std::system(command.c_str()), 0);
  ASSERT_OK_AND_ASSIGN(std::vector<TsStreamInfo> streams,
                       ParseTsSegment(testing::ReadFile(dir.path() / "cut.ts")));
  ASSERT_TRUE(streams[0].video);
  EXPECT_FALSE(streams[0].starts_with_idr);
}

TEST(ParseTsSegment, RefusesWhatIsNotATransportStream) {
  const std::string junk(4096, '\x47');
  EXPECT_FALSE(LooksLikeTransportStream("#EXTM3U\n"));
  EXPECT_FALSE(LooksLikeTransportStream(std::string(4096, 'x')));
  EXPECT_THAT(ParseTsSegment(std::string(4096, 'x')).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTsSegment(junk).status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace atp::validate
