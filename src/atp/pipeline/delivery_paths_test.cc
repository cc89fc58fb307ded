#include "atp/pipeline/delivery_paths.h"

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ResolveDeliveryPaths, ResolvesMezzanineAndSubtitlesInsideTheRoot) {
  testing::TempDir dir;
  JobSpec spec;
  spec.mezzanine.file_path = "mezzanines/show/ep1.mov";
  spec.subtitle_tracks = {{"en", "English", "subs/ep1.en.vtt"}};
  ASSERT_OK_AND_ASSIGN(DeliveryPaths paths, ResolveDeliveryPaths(spec, dir.path()));
  EXPECT_EQ(paths.mezzanine, std::filesystem::canonical(dir.path()) / "mezzanines/show/ep1.mov");
  ASSERT_EQ(paths.subtitles.size(), 1u);
  EXPECT_EQ(paths.subtitles[0].filename(), "ep1.en.vtt");
}

TEST(ResolveDeliveryPaths, ListsEveryEscapeWithItsField) {
  testing::TempDir dir;
  std::filesystem::create_symlink("/etc", dir.path() / "etc");
  JobSpec spec;
  spec.mezzanine.file_path = "../elsewhere/ep1.mov";
  spec.subtitle_tracks = {{"en", "English", "subs/ok.vtt"}, {"fr", "Français", "etc/passwd"}};
  EXPECT_THAT(ResolveDeliveryPaths(spec, dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("Mezzanine/FilePath: '../elsewhere/ep1.mov' has a '..'"),
                             HasSubstr("SubtitleTracks/SubtitleTrack[2]/FilePath: 'etc/passwd' "
                                       "resolves to '/etc/passwd', outside the input root"))));
}

}  // namespace
}  // namespace atp::pipeline
