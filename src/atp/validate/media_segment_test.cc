// ParseMediaSegment on fragmented MP4 written by the ffmpeg command-line tool.
#include "atp/validate/media_segment.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

std::string FfmpegFragments(const testing::TempDir& dir) {
  const std::filesystem::path out = dir.path() / "frag.mp4";
  // 4 s at 24 fps, an IDR every 24 frames, one fragment per keyframe: 4 fragments of 1 s.
  const std::string command =
      "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=160x120:rate=24 -t 4 "
      "-c:v libx264 -g 24 -keyint_min 24 -sc_threshold 0 -pix_fmt yuv420p "
      "-movflags +frag_keyframe+empty_moov+default_base_moof -f mp4 " +
      out.string();
  EXPECT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(out, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST(ParseMediaSegment, ReadsEveryFragmentOfAnFfmpegFile) {
  testing::TempDir dir;
  const std::string bytes = FfmpegFragments(dir);
  ASSERT_OK_AND_ASSIGN(std::vector<FragmentInfo> fragments, ParseMediaSegment(bytes));
  ASSERT_EQ(fragments.size(), 4u);
  uint64_t expected_start = 0;
  uint32_t samples = 0;
  for (size_t i = 0; i < fragments.size(); ++i) {
    EXPECT_EQ(fragments[i].sequence_number, i + 1);
    EXPECT_EQ(fragments[i].track_id, 1u);
    EXPECT_TRUE(fragments[i].first_sample_is_sync) << i;
    EXPECT_EQ(fragments[i].base_media_decode_time, expected_start) << i;  // Continuous tfdt.
    EXPECT_GT(fragments[i].sample_bytes, 0u);
    // Closed GOPs: the IDR that starts each fragment is shown first.
    EXPECT_EQ(fragments[i].earliest_composition_offset,
              fragments[i].first_sample_composition_offset)
        << i;
    EXPECT_EQ(fragments[i].last_sample_duration,
              fragments[i].duration_ticks / fragments[i].sample_count);
    expected_start += fragments[i].duration_ticks;
    samples += fragments[i].sample_count;
  }
  EXPECT_EQ(samples, 96u);
}

TEST(ParseMediaSegment, NamesWhatIsBroken) {
  testing::TempDir dir;
  std::string bytes = FfmpegFragments(dir);
  const size_t moof = bytes.find("moof") - 4;
  std::string no_tfdt = bytes;
  no_tfdt.replace(no_tfdt.find("tfdt", moof), 4, "free");
  EXPECT_THAT(ParseMediaSegment(no_tfdt),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has no 'tfdt'")));
  std::string short_trun = bytes;
  const size_t trun = short_trun.find("trun", moof);
  short_trun[trun + 8] = '\x7f';  // sample_count's high byte: far more samples than bytes.
  EXPECT_THAT(ParseMediaSegment(short_trun),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is truncated")));
}

}  // namespace
}  // namespace atp::validate
