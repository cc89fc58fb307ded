#include "atp/encode/ladder_planner.h"

#include <string>
#include <vector>

#include "atp/core/source_info.h"
#include "atp/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::encode {
namespace {

using ::atp::testing::StatusIs;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<std::string> Names(const Ladder& ladder) {
  std::vector<std::string> names;
  for (const Rendition& rendition : ladder) names.push_back(rendition.name);
  return names;
}

TEST(PlanLadder, NeverUpscalesAndNeverReturnsAnEmptyLadder) {
  struct Case {
    int width, height;
    bool h265;
    std::vector<std::string> expected;
  };
  for (const Case& c : std::vector<Case>{
           {1920, 1080, false, {"h264_1080p", "h264_720p", "h264_480p", "h264_360p"}},
           {3840, 2160, false, {"h264_1080p", "h264_720p", "h264_480p", "h264_360p"}},
           {1280, 720, false, {"h264_720p", "h264_480p", "h264_360p"}},
           {1920, 1000, false, {"h264_1080p", "h264_720p", "h264_480p", "h264_360p"}},
           {1920, 960, false, {"h264_720p", "h264_480p", "h264_360p"}},
           {640, 360, false, {"h264_360p"}},
           {320, 240, false, {"h264_240p"}},
           {1920,
            1080,
            true,
            {"h264_1080p", "h264_720p", "h264_480p", "h264_360p", "h265_1080p", "h265_720p"}},
           {1280, 720, true, {"h264_720p", "h264_480p", "h264_360p", "h265_720p"}},
           {854, 480, true, {"h264_480p", "h264_360p"}},
           {320, 240, true, {"h264_240p"}},
       }) {
    EncodingProfile profile;
    profile.enable_h265 = c.h265;
    ASSERT_OK_AND_ASSIGN(Ladder ladder, PlanLadder(profile, c.width, c.height));
    EXPECT_THAT(Names(ladder), ElementsAreArray(c.expected))
        << c.width << "x" << c.height << " h265=" << c.h265;
  }
}

TEST(PlanLadder, AppliesRateControlFactorsAndProfiles) {
  EncodingProfile profile;
  profile.enable_h265 = true;
  ASSERT_OK_AND_ASSIGN(Ladder ladder, PlanLadder(profile, 1920, 1080));
  ASSERT_EQ(ladder.size(), 6u);
  EXPECT_EQ(ladder[0], (Rendition{"h264_1080p", VideoCodec::kH264, 1920, 1080, 6000, 9000, 12000,
                                  21, "high"}));
  EXPECT_EQ(ladder[1].codec_profile, "high");
  EXPECT_EQ(ladder[2],
            (Rendition{"h264_480p", VideoCodec::kH264, 854, 480, 1800, 2700, 3600, 21, "main"}));
  EXPECT_EQ(ladder[3].width, 640);
  EXPECT_EQ(ladder[4],
            (Rendition{"h265_1080p", VideoCodec::kH265, 1920, 1080, 4500, 6750, 9000, 24, "main"}));
}

TEST(PlanLadder, KeepsTheSourceAspectWithEvenWidths) {
  ASSERT_OK_AND_ASSIGN(Ladder scope, PlanLadder(EncodingProfile{}, 1920, 800));
  EXPECT_EQ(Names(scope), (std::vector<std::string>{"h264_720p", "h264_480p", "h264_360p"}));
  EXPECT_EQ(scope[0].width, 1728);
  EXPECT_EQ(scope[1].width, 1152);
  ASSERT_OK_AND_ASSIGN(Ladder four_by_three, PlanLadder(EncodingProfile{}, 1440, 1080));
  EXPECT_EQ(four_by_three[0].width, 1440);
  EXPECT_EQ(four_by_three[2].width, 640);
  for (const Rendition& r : four_by_three) EXPECT_EQ(r.width % 2, 0) << r.name;
}

// AV1 rungs follow H.264 and H.265 ones, from the [av1] figures, with the same rate caps.
TEST(PlanLadder, AddsTheAv1RungsAfterTheOthersWhenEnabled) {
  EncodingProfile profile;
  profile.enable_h265 = true;
  profile.enable_av1 = true;
  ASSERT_OK_AND_ASSIGN(Ladder ladder, PlanLadder(profile, 1280, 720));
  EXPECT_THAT(Names(ladder), ElementsAreArray({"h264_720p", "h264_480p", "h264_360p", "h265_720p",
                                               "av1_720p", "av1_480p"}));
  EXPECT_EQ(ladder[4],
            (Rendition{"av1_720p", VideoCodec::kAV1, 1280, 720, 1800, 2700, 3600, 35, "main"}));
  EXPECT_EQ(ladder[5].width, 854);
  profile.enable_h265 = false;
  ASSERT_OK_AND_ASSIGN(Ladder small, PlanLadder(profile, 640, 360));
  EXPECT_THAT(Names(small), ElementsAreArray({"h264_360p"}));  // No AV1 rung fits.
}

// A source a little under a rung keeps it, at its own size (never larger than the source).
TEST(PlanLadder, ASourceJustUnderARungGetsThatRungAtItsOwnSize) {
  EncodingProfile profile;
  profile.enable_h265 = true;
  ASSERT_OK_AND_ASSIGN(Ladder ladder, PlanLadder(profile, 1918, 1078));
  ASSERT_THAT(Names(ladder), ElementsAreArray({"h264_1080p", "h264_720p", "h264_480p", "h264_360p",
                                               "h265_1080p", "h265_720p"}));
  EXPECT_EQ(ladder[0], (Rendition{"h264_1080p", VideoCodec::kH264, 1918, 1078, 6000, 9000, 12000,
                                  21, "high"}));
  EXPECT_EQ(ladder[1].width, 1282);
  EXPECT_EQ(ladder[4].width, 1918);
  ASSERT_OK_AND_ASSIGN(Ladder odd, PlanLadder(profile, 1279, 651));
  EXPECT_EQ(odd[0].name, "h264_720p");
  EXPECT_EQ(odd[0].width, 1278);
  EXPECT_EQ(odd[0].height, 650);
}

// The planner works in display space: anamorphic sources are passed at their display size
// (SourceInfo::display_width) and every rung gets square pixels at that shape.
TEST(PlanLadder, AnamorphicSourcesArePlannedAtTheirDisplaySize) {
  SourceInfo ntsc_4x3{.width = 720, .height = 480, .sample_aspect_ratio = {8, 9}};
  ASSERT_OK_AND_ASSIGN(Ladder sd,
                       PlanLadder(EncodingProfile{}, ntsc_4x3.display_width(), ntsc_4x3.height));
  ASSERT_THAT(Names(sd), ElementsAreArray({"h264_480p", "h264_360p"}));
  EXPECT_EQ(sd[0].width, 640);
  EXPECT_EQ(sd[1].width, 480);
  SourceInfo hdv{.width = 1440, .height = 1080, .sample_aspect_ratio = {4, 3}};
  ASSERT_OK_AND_ASSIGN(Ladder hd, PlanLadder(EncodingProfile{}, hdv.display_width(), hdv.height));
  EXPECT_EQ(hd[0].width, 1920);
  EXPECT_EQ(hd[0].height, 1080);
  EXPECT_EQ(hd[1].width, 1280);
}

TEST(PlanLadder, TinySourceGetsOneRungAtItsOwnEvenSize) {
  ASSERT_OK_AND_ASSIGN(Ladder ladder, PlanLadder(EncodingProfile{}, 321, 241));
  ASSERT_EQ(ladder.size(), 1u);
  EXPECT_EQ(ladder[0].width, 320);
  EXPECT_EQ(ladder[0].height, 240);
  EXPECT_EQ(ladder[0].name, "h264_240p");
  // 800 kbps at 360 lines, scaled by (240 / 360)^2.
  EXPECT_EQ(ladder[0].bitrate_kbps, 356);
  EXPECT_EQ(ladder[0].codec_profile, "main");
}

TEST(PlanLadder, RefusesBadInput) {
  EXPECT_THAT(PlanLadder(EncodingProfile{}, 0, 1080),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must be positive")));
  EncodingProfile no_rungs;
  no_rungs.h264.rungs.clear();
  EXPECT_THAT(PlanLadder(no_rungs, 1920, 1080),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("h264.rungs")));
}

}  // namespace
}  // namespace atp::encode
