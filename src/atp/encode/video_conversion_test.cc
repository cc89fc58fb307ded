#include "atp/encode/video_conversion.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::encode {
namespace {

using ::testing::HasSubstr;

TEST(ConstantFrameRate, NamesTheExactRateOfAManifestFigure) {
  EXPECT_EQ(ConstantFrameRate(23.976, {2877, 120}), (Rational{24000, 1001}));
  EXPECT_EQ(ConstantFrameRate(29.97, {}), (Rational{30000, 1001}));
  EXPECT_EQ(ConstantFrameRate(59.94, {}), (Rational{60000, 1001}));
  EXPECT_EQ(ConstantFrameRate(25, {}), (Rational{25, 1}));
  EXPECT_EQ(ConstantFrameRate(24, {}), (Rational{24, 1}));
  EXPECT_EQ(ConstantFrameRate(12.5, {25, 2}), (Rational{25, 2}));
}

TEST(PlanVideoConversion, DeinterlacesWhatIsInterlacedUnderAuto) {
  SourceInfo source;
  source.field_order = FieldOrder::kTopFieldFirst;
  source.field_order_evidence = "stream";
  EncodingProfile profile;
  VideoConversion conversion = PlanVideoConversion(profile, 29.97, source);
  EXPECT_TRUE(conversion.deinterlace);
  EXPECT_EQ(conversion.frame_rate, (Rational{30000, 1001}));
  EXPECT_THAT(conversion.interlace_note, HasSubstr("top field first (stream): deinterlaced"));

  source.field_order = FieldOrder::kProgressive;
  EXPECT_FALSE(PlanVideoConversion(profile, 25, source).deinterlace);
  profile.deinterlace = "on";
  EXPECT_TRUE(PlanVideoConversion(profile, 25, source).deinterlace);
  source.field_order = FieldOrder::kBottomFieldFirst;
  source.field_order_evidence = "idet: 60 bff";
  conversion = PlanVideoConversion(profile, 25, source);
  EXPECT_EQ(conversion.filter_chain, "bwdif=mode=send_frame:deint=all:parity=bff");
  profile.deinterlace = "off";
  conversion = PlanVideoConversion(profile, 25, source);
  EXPECT_FALSE(conversion.deinterlace);
  EXPECT_THAT(conversion.interlace_note, HasSubstr("not deinterlaced"));
}

// Field rate doubles the frame rate; inverse telecine takes 29.97 back to 23.976, and is
// not tried on other rates.
TEST(PlanVideoConversion, FieldRateAndInverseTelecineChangeTheRate) {
  SourceInfo source;
  source.field_order = FieldOrder::kTopFieldFirst;
  source.field_order_evidence = "stream";
  EncodingProfile profile;
  profile.deinterlace_rate = "field";
  VideoConversion field = PlanVideoConversion(profile, 29.97, source);
  EXPECT_EQ(field.frame_rate, (Rational{60000, 1001}));
  EXPECT_EQ(field.filter_chain, "bwdif=mode=send_field:deint=all:parity=auto");
  profile.inverse_telecine = true;
  VideoConversion film = PlanVideoConversion(profile, 29.97, source);
  EXPECT_EQ(film.frame_rate, (Rational{24000, 1001}));
  EXPECT_THAT(film.filter_chain, HasSubstr("fieldmatch"));
  EXPECT_THAT(film.filter_chain, HasSubstr("decimate"));
  EXPECT_THAT(film.interlace_note, HasSubstr("inverse telecined"));
  EXPECT_EQ(PlanVideoConversion(profile, 25, source).frame_rate, (Rational{50, 1}));
}

}  // namespace
}  // namespace atp::encode
