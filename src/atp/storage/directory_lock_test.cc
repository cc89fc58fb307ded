#include "atp/storage/directory_lock.h"

#include "atp/testing/status_matchers.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::storage {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(DirectoryLock, ExcludesAnotherHolderUntilReleased) {
  testing::TempDir dir;
  const std::filesystem::path staging = dir.path() / "e001/.staging-1";
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<DirectoryLock> held, DirectoryLock::TryAcquire(staging));
    EXPECT_TRUE(std::filesystem::is_directory(staging));
    EXPECT_THAT(DirectoryLock::TryAcquire(staging),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("locked by another process")));
    // Another process sees it held too (flock(1) exits 1 when it cannot take the lock).
    EXPECT_EQ(testing::RunCommand("flock -n " + staging.string() + " true").exit_code, 1);
  }
  EXPECT_OK(DirectoryLock::TryAcquire(staging).status());
}

// The holder renames its folder (publishing it); a new folder at the name is free to lock.
TEST(DirectoryLock, AFolderRenamedAwayFreesItsName) {
  testing::TempDir dir;
  const std::filesystem::path staging = dir.path() / ".staging-1";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DirectoryLock> held, DirectoryLock::TryAcquire(staging));
  std::filesystem::rename(staging, dir.path() / "published");
  EXPECT_OK(DirectoryLock::TryAcquire(staging).status());
}

// A symlink at the staging name (to a folder someone wants emptied) is not followed.
TEST(DirectoryLock, RefusesASymlinkAtItsName) {
  testing::TempDir dir;
  dir.WriteFile("precious/file", "x");
  std::filesystem::create_directory_symlink(dir.path() / "precious", dir.path() / ".staging-1");
  EXPECT_THAT(DirectoryLock::TryAcquire(dir.path() / ".staging-1").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("Not a directory")));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "precious/file"));
}

TEST(DirectoryLock, ReportsWhyTheFolderCannotBeMade) {
  testing::TempDir dir;
  dir.WriteFile("file", "x");
  EXPECT_THAT(DirectoryLock::TryAcquire(dir.path() / "file" / "staging").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("Not a directory")));
}

}  // namespace
}  // namespace atp::storage
