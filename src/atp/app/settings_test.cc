#include "atp/app/settings.h"

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::app {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(LoadSettings, DefaultsWithoutEnvironmentOrFile) {
  ASSERT_OK_AND_ASSIGN(Settings settings, LoadSettings({}, ""));
  EXPECT_EQ(settings.environment, "dev");
  EXPECT_EQ(settings.profile, encode::EncodingProfile{});
}

TEST(LoadSettings, EnvironmentSwitchesWinOverTheProfileFile) {
  testing::TempDir dir;
  auto file = dir.WriteFile("profile.toml", "enable_h265 = false\n[h264]\ncrf = 20\n");
  ASSERT_OK_AND_ASSIGN(Settings settings,
                       LoadSettings({{"ENABLE_H265", "true"}, {"ENVIRONMENT", "prod"}}, file));
  EXPECT_TRUE(settings.profile.enable_h265);
  EXPECT_EQ(settings.profile.h264.crf, 20);
  EXPECT_EQ(settings.environment, "prod");
}

TEST(LoadSettings, NamesWhatIsWrong) {
  testing::TempDir dir;
  auto bad_file = dir.WriteFile("bad.toml", "[h264]\ncrf = 99\n");
  EXPECT_THAT(LoadSettings({}, bad_file),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bad.toml: h264.crf: expected 0-51, got 99")));
  EXPECT_THAT(LoadSettings({{"ENVIRONMENT", "production"}}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ENVIRONMENT")));
  EXPECT_THAT(LoadSettings({}, dir.path() / "missing.toml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing.toml")));
}

}  // namespace
}  // namespace atp::app
