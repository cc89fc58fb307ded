#include "atp/media/interlace_detector.h"

#include <cstdlib>

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "atp/testing/test_sources.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::media {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A 2 s clip of a moving edge at 59.94 pictures a second, made by ffmpeg with `filters`
// and `codec` options.
fs::path MakeClip(const testing::TempDir& dir, const std::string& name, const std::string& filters,
                  const std::string& codec) {
  const fs::path file = dir.path() / name;
  const std::string command = "ffmpeg -nostdin -loglevel error " +
                              testing::MovingEdgeInput(720, 480, "60000/1001", 2) + " -vf " +
                              filters + " " + codec + " " + file.string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return file;
}

// Woven fields in a codec that flags nothing (MPEG-4 part 2): the stream says nothing, idet
// sees top-field-first interlacing.
TEST(DetectInterlacing, FindsWovenFieldsTheStreamDoesNotFlag) {
  testing::TempDir dir;
  const fs::path file =
      MakeClip(dir, "woven.mp4", "interlace=scan=tff:lowpass=0", "-c:v mpeg4 -q:v 2");
  ASSERT_OK_AND_ASSIGN(const InterlaceVerdict verdict, DetectInterlacing(file));
  EXPECT_EQ(verdict.field_order, FieldOrder::kTopFieldFirst) << verdict.evidence;
  EXPECT_FALSE(verdict.partly_interlaced);
  EXPECT_FALSE(verdict.pulldown);
  EXPECT_THAT(verdict.evidence, HasSubstr("idet: "));
}

TEST(DetectInterlacing, FindsProgressiveFramesProgressive) {
  testing::TempDir dir;
  const fs::path file = MakeClip(dir, "whole.mp4", "fps=30000/1001", "-c:v mpeg4 -q:v 2");
  ASSERT_OK_AND_ASSIGN(const InterlaceVerdict verdict, DetectInterlacing(file));
  EXPECT_EQ(verdict.field_order, FieldOrder::kProgressive) << verdict.evidence;
}

// 3:2 pulldown of 23.976 fps film: two frames in five repeat a field.
TEST(DetectInterlacing, RecognisesPulldown) {
  testing::TempDir dir;
  const std::string command =
      "ffmpeg -nostdin -loglevel error " + testing::MovingEdgeInput(720, 480, "24000/1001", 2) +
      " -vf telecine=pattern=23 -c:v mpeg4 -q:v 2 " + (dir.path() / "film.mp4").string();
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  ASSERT_OK_AND_ASSIGN(const InterlaceVerdict verdict, DetectInterlacing(dir.path() / "film.mp4"));
  EXPECT_TRUE(verdict.pulldown) << verdict.evidence;
  EXPECT_THAT(verdict.evidence, HasSubstr("3:2 pulldown"));
}

TEST(JudgeIdetCounts, SaysInterlacedPartlyInterlacedProgressiveOrUnknown) {
  EXPECT_EQ(JudgeIdetCounts({.bottom_field_first = 60, .progressive = 30}).field_order,
            FieldOrder::kBottomFieldFirst);
  // 3:2 pulldown: 2 frames in 5 combed.
  const InterlaceVerdict telecined = JudgeIdetCounts({.top_field_first = 40, .progressive = 60});
  EXPECT_EQ(telecined.field_order, FieldOrder::kTopFieldFirst);
  EXPECT_TRUE(telecined.partly_interlaced);
  EXPECT_THAT(telecined.evidence, HasSubstr("telecined"));
  EXPECT_EQ(JudgeIdetCounts({.top_field_first = 5, .progressive = 95}).field_order,
            FieldOrder::kProgressive);
  EXPECT_EQ(JudgeIdetCounts({.undetermined = 80}).field_order, FieldOrder::kUnknown);
}

}  // namespace
}  // namespace atp::media
