#include "atp/validate/bounded_file.h"

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ReadBoundedFile, RefusesFilesOverTheLimitUnread) {
  testing::TempDir dir;
  const auto file = dir.WriteFile("f", "0123456789");
  ASSERT_OK_AND_ASSIGN(std::string all, ReadBoundedFile(file, 10));
  EXPECT_EQ(all, "0123456789");
  EXPECT_THAT(ReadBoundedFile(file, 9),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("over the limit of 9")));
  EXPECT_THAT(ReadBoundedFile(dir.path() / "none", 9), StatusIs(absl::StatusCode::kNotFound));
}

TEST(ReadBoundedRange, ReadsExactlyTheRangeAndRefusesOnePastTheEnd) {
  testing::TempDir dir;
  const auto file = dir.WriteFile("f", "0123456789");
  ASSERT_OK_AND_ASSIGN(std::string middle, ReadBoundedRange(file, 3, 4, 100));
  EXPECT_EQ(middle, "3456");
  ASSERT_OK_AND_ASSIGN(std::string tail, ReadBoundedRange(file, 6, 4, 100));
  EXPECT_EQ(tail, "6789");
  EXPECT_THAT(ReadBoundedRange(file, 6, 5, 100),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("runs past its end")));
  EXPECT_THAT(ReadBoundedRange(file, UINT64_MAX, 2, 100),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("runs past its end")));
  EXPECT_THAT(ReadBoundedRange(file, 0, 5, 4),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("over the limit")));
}

}  // namespace
}  // namespace atp::validate
