#include "atp/app/settings.h"

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::app {
namespace {

using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(LoadSettings, DefaultsWithoutEnvironmentOrFile) {
  ASSERT_OK_AND_ASSIGN(Settings settings, LoadSettings({}, ""));
  EXPECT_EQ(settings.environment, "dev");
  EXPECT_EQ(settings.profile, encode::EncodingProfile{});
}

TEST(LoadSettings, EnvironmentSwitchesWinOverTheProfileFile) {
  testing::TempDir dir;
  auto file =
      dir.WriteFile("profile.toml", "enable_h265 = false\nenable_av1 = false\n[h264]\ncrf = 20\n");
  ASSERT_OK_AND_ASSIGN(
      Settings settings,
      LoadSettings({{"ENABLE_H265", "true"}, {"ENABLE_AV1", "yes"}, {"ENVIRONMENT", "prod"}},
                   file));
  EXPECT_TRUE(settings.profile.enable_h265);
  EXPECT_TRUE(settings.profile.enable_av1);
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

TEST(LoadSettings, ReadsTheNetworksCallbacksMayReach) {
  ASSERT_OK_AND_ASSIGN(Settings settings, LoadSettings({}, ""));
  EXPECT_TRUE(settings.callback_allowed_networks.empty());
  ASSERT_OK_AND_ASSIGN(
      settings,
      LoadSettings({{"ATP_CALLBACK_ALLOW_NETS", "10.20.0.0/16, fd00:1::/64,127.0.0.1"}}, ""));
  ASSERT_OK_AND_ASSIGN(std::vector<notify::IpNetwork> expected,
                       notify::ParseIpNetworkList("10.20.0.0/16,fd00:1::/64,127.0.0.1/32"));
  EXPECT_EQ(settings.callback_allowed_networks, expected);
  EXPECT_THAT(
      LoadSettings({{"ATP_CALLBACK_ALLOW_NETS", "10.0.0.0/8,intranet"}}, ""),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("ATP_CALLBACK_ALLOW_NETS: entry 2"), HasSubstr("'intranet'"))));
}

}  // namespace
}  // namespace atp::app
