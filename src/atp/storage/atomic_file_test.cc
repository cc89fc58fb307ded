#include "atp/storage/atomic_file.h"

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::storage {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(WriteFileAtomically, ReplacesTheWholeFileAndLeavesNoPartial) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "report.json";
  ASSERT_OK(WriteFileAtomically(file, "first, and longer"));
  ASSERT_OK(WriteFileAtomically(file, std::string("second\0binary", 13)));
  EXPECT_EQ(testing::ReadFile(file), std::string("second\0binary", 13));
  EXPECT_FALSE(fs::exists(dir.path() / "report.json.partial"));
}

TEST(WriteFileAtomically, NamesTheFileItCannotWrite) {
  testing::TempDir dir;
  EXPECT_THAT(WriteFileAtomically(dir.path() / "missing/report.json", "x"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing/report.json.partial")));
}

}  // namespace
}  // namespace atp::storage
