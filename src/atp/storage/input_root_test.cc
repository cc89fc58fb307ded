#include "atp/storage/input_root.h"

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::storage {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

class ResolveInsideRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "in";
    dir_.WriteFile("in/mezzanines/show/ep1.mov", "x");
    dir_.WriteFile("outside/secret.mov", "x");
    dir_.WriteFile("in2/other.mov", "x");
  }
  testing::TempDir dir_;
  fs::path root_;
};

TEST_F(ResolveInsideRootTest, AcceptsAFileInside) {
  ASSERT_OK_AND_ASSIGN(fs::path path, ResolveInsideRoot(root_, "mezzanines/show/ep1.mov"));
  EXPECT_EQ(path, fs::canonical(root_ / "mezzanines/show/ep1.mov"));
}

TEST_F(ResolveInsideRootTest, AcceptsAMissingFileInsideSoOpeningCanReportIt) {
  ASSERT_OK_AND_ASSIGN(fs::path path, ResolveInsideRoot(root_, "mezzanines/none.mov"));
  EXPECT_EQ(path, fs::canonical(root_) / "mezzanines/none.mov");
}

TEST_F(ResolveInsideRootTest, AcceptsASymlinkThatStaysInside) {
  fs::create_symlink(root_ / "mezzanines/show/ep1.mov", root_ / "link.mov");
  EXPECT_OK(ResolveInsideRoot(root_, "link.mov"));
}

TEST_F(ResolveInsideRootTest, RefusesEscapes) {
  fs::create_symlink(dir_.path() / "outside/secret.mov", root_ / "escape.mov");
  fs::create_symlink(dir_.path() / "outside", root_ / "escape-dir");
  fs::create_symlink(dir_.path() / "in2", root_ / "sibling");
  struct Case {
    std::string path;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"", "empty"},
           {"/etc/passwd", "is absolute"},
           {"../outside/secret.mov", "'..' component"},
           {"mezzanines/../../outside/secret.mov", "'..' component"},
           {"escape.mov", "outside the input root"},
           {"escape-dir/secret.mov", "outside the input root"},
           {"sibling/other.mov", "outside the input root"},
       }) {
    EXPECT_THAT(ResolveInsideRoot(root_, c.path),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.path;
  }
}

TEST_F(ResolveInsideRootTest, MissingRootIsNotFound) {
  EXPECT_THAT(ResolveInsideRoot(dir_.path() / "nope", "a.mov"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("input root")));
}

}  // namespace
}  // namespace atp::storage
