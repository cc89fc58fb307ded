#include "atp/storage/directory_publish.h"

#include <sys/stat.h>

#include <fstream>

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::storage {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(PublishDirectory, MovesTheStagedFolderIntoPlaceOnce) {
  testing::TempDir dir;
  const fs::path final_dir = dir.path() / "out/show/s01/e01/job";
  ASSERT_OK_AND_ASSIGN(fs::path staging, CreateStagingDirectory(final_dir));
  EXPECT_EQ(staging.parent_path(), final_dir.parent_path());
  EXPECT_THAT(staging.filename().string(), StartsWith(".staging-job-"));
  std::ofstream(staging / "master.m3u8") << "#EXTM3U\n";
  EXPECT_FALSE(fs::exists(final_dir));
  ASSERT_OK(PublishDirectory(staging, final_dir));
  EXPECT_TRUE(fs::exists(final_dir / "master.m3u8"));
  EXPECT_FALSE(fs::exists(staging));

  ASSERT_OK_AND_ASSIGN(fs::path second, CreateStagingDirectory(final_dir));
  std::ofstream(second / "other") << "x";
  EXPECT_THAT(PublishDirectory(second, final_dir),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("already published")));
  EXPECT_FALSE(fs::exists(final_dir / "other"));
}

TEST(EmptyDirectory, DeletesWhatIsInsideAndKeepsTheFolder) {
  testing::TempDir dir;
  dir.WriteFile("staging/h264_360p/seg_00001.m4s", "x");
  dir.WriteFile("staging/master.m3u8", "x");
  struct stat before {};
  ASSERT_EQ(stat((dir.path() / "staging").c_str(), &before), 0);
  EXPECT_OK(EmptyDirectory(dir.path() / "staging"));
  EXPECT_TRUE(fs::is_empty(dir.path() / "staging"));
  struct stat after {};
  ASSERT_EQ(stat((dir.path() / "staging").c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_OK(EmptyDirectory(dir.path() / "absent"));
  EXPECT_OK(RemovePath(dir.path() / "staging"));
  EXPECT_FALSE(fs::exists(dir.path() / "staging"));
  EXPECT_OK(RemovePath(dir.path() / "staging"));
}

}  // namespace
}  // namespace atp::storage
