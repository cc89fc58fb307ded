// ParseInitSegment on fragmented MP4 written by the ffmpeg command-line tool, so the reader is
// proven on bytes no atp code produced.
#include "atp/validate/init_segment.h"

#include <cstdlib>

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

using ::atp::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;

// Encodes one second of test pattern with `codec_args` into a fragmented MP4.
std::string FragmentedMp4(const testing::TempDir& dir, const std::string& name,
                          const std::string& input, const std::string& codec_args) {
  const std::filesystem::path out = dir.path() / name;
  const std::string command =
      "ffmpeg -nostdin -loglevel error -y " + input + " -t 1 " + codec_args +
      " -movflags +frag_keyframe+empty_moov+default_base_moof+cmaf -f mp4 " + out.string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return testing::ReadFile(out);
}

constexpr char kVideo[] = "-f lavfi -i testsrc2=size=320x240:rate=24";

TEST(ParseInitSegment, ReadsH264) {
  testing::TempDir dir;
  const std::string bytes = FragmentedMp4(
      dir, "h264.mp4", kVideo, "-c:v libx264 -profile:v high -level 3.0 -pix_fmt yuv420p");
  ASSERT_OK_AND_ASSIGN(InitSegmentInfo info, ParseInitSegment(bytes));
  EXPECT_EQ(info.handler, "vide");
  EXPECT_EQ(info.sample_entry, "avc1");
  EXPECT_EQ(info.codecs, "avc1.64001e");  // High (0x64), no constraints, level 3.0 (30).
  EXPECT_EQ(info.width, 320);
  EXPECT_EQ(info.height, 240);
  EXPECT_GT(info.timescale, 0u);
  EXPECT_THAT(info.compatible_brands, Contains("cmfc"));
}

TEST(ParseInitSegment, ReadsHevcAsHvc1) {
  testing::TempDir dir;
  const std::string bytes =
      FragmentedMp4(dir, "hevc.mp4", kVideo,
                    "-c:v libx265 -x265-params log-level=error:level-idc=3.1 -tag:v hvc1 "
                    "-pix_fmt yuv420p");
  ASSERT_OK_AND_ASSIGN(InitSegmentInfo info, ParseInitSegment(bytes));
  EXPECT_EQ(info.sample_entry, "hvc1");
  // Main profile (1), compatible with Main and Main 10 (flags 0x60000000 reversed = 0x6),
  // Main tier, level 3.1 (93), progressive-source + frame-only constraint flags (0x90).
  EXPECT_EQ(info.codecs, "hvc1.1.6.L93.90");
}

TEST(ParseInitSegment, ReadsAv1FromTheAv1CRecord) {
  testing::TempDir dir;
  // SVT-AV1 prints its configuration on stderr whatever -loglevel says.
  const std::string bytes = FragmentedMp4(dir, "av1.mp4", kVideo,
                                          "-c:v libsvtav1 -preset 12 -pix_fmt yuv420p 2>/dev/null");
  ASSERT_OK_AND_ASSIGN(InitSegmentInfo info, ParseInitSegment(bytes));
  EXPECT_EQ(info.sample_entry, "av01");
  // Main profile (0), level 2.0 (seq_level_idx 0, SVT-AV1's choice for 320x240 at 24 fps),
  // Main tier, 8 bits.
  EXPECT_EQ(info.codecs, "av01.0.00M.08");
  EXPECT_EQ(info.width, 320);
  EXPECT_EQ(info.height, 240);
}

TEST(ParseInitSegment, ReadsAacLc) {
  testing::TempDir dir;
  const std::string bytes =
      FragmentedMp4(dir, "aac.mp4", "-f lavfi -i sine=frequency=440:sample_rate=48000",
                    "-ac 2 -c:a aac -b:a 128k");
  ASSERT_OK_AND_ASSIGN(InitSegmentInfo info, ParseInitSegment(bytes));
  EXPECT_EQ(info.handler, "soun");
  EXPECT_EQ(info.codecs, "mp4a.40.2");
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.sample_rate_hz, 48000);
  EXPECT_EQ(info.timescale, 48000u);
}

// The sample entry of an MP4 says 2 channels for any layout: the count comes from the
// AudioSpecificConfig (channelConfiguration 1 → 1, 6 → 6).
TEST(ParseInitSegment, ReadsTheChannelCountOfAacFromItsConfig) {
  testing::TempDir dir;
  for (const auto& [layout, channels] :
       std::vector<std::pair<std::string, int>>{{"mono", 1}, {"5.1", 6}}) {
    SCOPED_TRACE(layout);
    const std::string bytes = FragmentedMp4(
        dir, "aac-" + layout + ".mp4", "-f lavfi -i sine=frequency=440:sample_rate=44100",
        "-af aformat=channel_layouts=" + layout + " -c:a aac -b:a 192k");
    ASSERT_OK_AND_ASSIGN(InitSegmentInfo info, ParseInitSegment(bytes));
    EXPECT_EQ(info.codecs, "mp4a.40.2");
    EXPECT_EQ(info.channels, channels);
    EXPECT_EQ(info.sample_rate_hz, 44100);
  }
}

TEST(ParseInitSegment, NamesWhatIsMissing) {
  testing::TempDir dir;
  const std::string bytes = FragmentedMp4(dir, "h264.mp4", kVideo, "-c:v libx264");
  EXPECT_THAT(ParseInitSegment(bytes.substr(0, 20)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not fit")));
  EXPECT_THAT(ParseInitSegment(std::string("\0\0\0\x08"
                                           "free",
                                           8)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no 'ftyp' box")));
}

}  // namespace
}  // namespace atp::validate
