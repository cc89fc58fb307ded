// PackageFiles on a package full of ways out: each is refused with PKG-PATH's status, and an
// inotify watch proves the file outside was never opened. Every test runs once with openat2 and
// once with the /proc/self/fd check that kernels without openat2 get.
#include "atp/validate/package_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "atp/storage/local_blob_store.h"
#include "atp/testing/open_watch.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

namespace fs = std::filesystem;

using ::atp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSentinel[] = "SENTINEL-4c1d-outside-the-package";

MATCHER_P(IsOkAndHolds, expected, "is OK and holds " + ::testing::PrintToString(expected)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  *result_listener << "holds " << ::testing::PrintToString(*arg);
  return *arg == expected;
}

TEST(PackageFilesResolve, FoldsDotsLexicallyAndRefusesWhatLeaves) {
  struct Case {
    std::string folder, uri, expected;  // `expected` empty: refused, `why` says how.
    std::string why;
  };
  for (const Case& c : std::vector<Case>{
           {"", "a/b.m4s", "a/b.m4s"},
           {"a", "b.m4s", "a/b.m4s"},
           {"a/b", "./c//d/../e.m4s", "a/b/c/e.m4s"},
           {"a", "../b/c.m4s", "b/c.m4s"},
           {"", "x/y:z", "x/y:z"},            // A ':' after the first '/' is a path character.
           {"", "1seg:2.m4s", "1seg:2.m4s"},  // A scheme starts with a letter.
           {"", ".", ""},
           {"a", "..", ""},
           {"a", "../../b.m4s", "", "\"..\" above its root"},
           {"", "../../../../etc/passwd", "", "\"..\" above its root"},
           {"", "a/../../b", "", "\"..\" above its root"},
           {"", "/etc/passwd", "", "an absolute path"},
           {"a", "//host/x.m4s", "", "an absolute path"},
           {"", "file:///etc/passwd", "", "a URI with a scheme"},
           {"", "http://example.com/seg.m4s", "", "a URI with a scheme"},
           {"", "HTTPS://example.com/seg.m4s", "", "a URI with a scheme"},
           {"", "data:,hello", "", "a URI with a scheme"},
           {"", "C:/x", "", "a URI with a scheme"},
           {"", std::string("a\0/../../x", 10), "", "a NUL byte"},
       }) {
    absl::StatusOr<std::string> path = PackageFiles::Resolve(c.folder, c.uri);
    if (c.why.empty()) {
      EXPECT_THAT(path, IsOkAndHolds(c.expected)) << c.folder << " " << c.uri;
    } else {
      EXPECT_THAT(path, StatusIs(absl::StatusCode::kPermissionDenied,
                                 HasSubstr("leaves the package (" + c.why)))
          << c.folder << " " << c.uri;
      EXPECT_TRUE(IsRefusedPath(path.status()));
    }
  }
  // "b:c.m4s" is a URI with the scheme "b" (RFC 3986 4.2: a relative path may not have a ':'
  // in its first segment).
  EXPECT_THAT(PackageFiles::Resolve("a", "b:c.m4s"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(PackageFiles::Resolve("", ""), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(PackageFiles::FolderOf("a/b/c.m4s"), "a/b");
  EXPECT_EQ(PackageFiles::FolderOf("c.m4s"), "");
}

// A package in ROOT/pkg, and ROOT/outside/sentinel.m4s, which nothing may open.
class PackageFilesTest : public ::testing::TestWithParam<storage::Confinement> {
 protected:
  void SetUp() override {
    sentinel_ = dir_.WriteFile("outside/sentinel.m4s", kSentinel);
    dir_.WriteFile("pkg/a/seg.m4s", "0123456789");
    dir_.WriteFile("pkg/b/x.m4s", "xyz");
    fs::create_directories(root() / "a/sub");
    Symlink("seg.m4s", "a/inside_link.m4s");
    Symlink("../b/x.m4s", "a/up_link.m4s");
    Symlink("../b", "a/b_link");
    Symlink("../../outside/sentinel.m4s", "a/out_link.m4s");
    Symlink(sentinel_.string(), "a/abs_link.m4s");
    Symlink("../../outside", "a/out_dir");
    Symlink("/dev/zero", "a/dev.m4s");
    Symlink("loop.m4s", "a/loop.m4s");
    Symlink("loop2.m4s", "a/loop1.m4s");
    Symlink("loop1.m4s", "a/loop2.m4s");
    ASSERT_EQ(mkfifo((root() / "a/fifo.m4s").c_str(), 0600), 0);
  }

  fs::path root() const { return dir_.path() / "pkg"; }

  void Symlink(const std::string& target, const std::string& link) {
    ASSERT_EQ(symlink(target.c_str(), (root() / link).c_str()), 0) << link;
  }

  PackageFiles Open(uint64_t max_total_bytes = kDefaultMaxPackageBytes) {
    absl::StatusOr<PackageFiles> files = PackageFiles::Open(root(), max_total_bytes, GetParam());
    EXPECT_OK(files.status());
    return *std::move(files);
  }

  testing::TempDir dir_;
  fs::path sentinel_;
};

TEST_P(PackageFilesTest, RefusesEveryWayOutWithoutOpeningTheTarget) {
  PackageFiles files = Open();
  testing::OpenWatch watch({sentinel_, sentinel_.parent_path()});
  ASSERT_TRUE(watch.watching());
  struct Case {
    std::string uri;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"../../outside/sentinel.m4s", "leaves the package"},
           {"../../../../../../../../../../etc/passwd", "leaves the package"},
           {sentinel_.string(), "leaves the package (an absolute path)"},
           {"file://" + sentinel_.string(), "leaves the package (a URI with a scheme)"},
           {"out_link.m4s", "leaves the package"},
           {"abs_link.m4s", "leaves the package"},
           {"out_dir/sentinel.m4s", "leaves the package"},
           {"dev.m4s", "leaves the package"},
           {"loop.m4s", "symlink loop"},
           {"loop1.m4s", "symlink loop"},
           {"fifo.m4s", "is not a regular file (a FIFO)"},
           {"sub", "is not a regular file (a directory)"},
           {"..", "is not a regular file (a directory)"},
       }) {
    for (const absl::StatusOr<std::string>& read :
         {files.ReadFile("a", c.uri, 1 << 20), files.ReadRange("a", c.uri, 0, 4, 1 << 20)}) {
      EXPECT_THAT(read, StatusIs(absl::StatusCode::kPermissionDenied,
                                 ::testing::AllOf(HasSubstr(c.uri), HasSubstr(c.message))))
          << c.uri;
      EXPECT_TRUE(IsRefusedPath(read.status()));
      EXPECT_THAT(std::string(read.status().message()), Not(HasSubstr(kSentinel)));
    }
  }
  EXPECT_THAT(files.ListFolder("a", "out_dir"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(files.ListFolder("", ".."), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(watch.Events(), 0) << "something outside the package was opened";
  EXPECT_EQ(files.bytes_read(), 0);
}

// The watch does see a read: without this, Events() == 0 above would prove nothing.
TEST_P(PackageFilesTest, TheWatchSeesAReadInsideThePackage) {
  PackageFiles files = Open();
  testing::OpenWatch watch({root() / "a/seg.m4s"});
  ASSERT_TRUE(watch.watching());
  ASSERT_OK(files.ReadFile("a", "seg.m4s", 100).status());
  EXPECT_GT(watch.Events(), 0);
}

TEST_P(PackageFilesTest, FollowsSymlinksThatStayInside) {
  PackageFiles files = Open();
  EXPECT_THAT(files.ReadFile("a", "inside_link.m4s", 100), IsOkAndHolds("0123456789"));
  EXPECT_THAT(files.ReadFile("a", "up_link.m4s", 100), IsOkAndHolds("xyz"));
  EXPECT_THAT(files.ReadFile("a", "b_link/x.m4s", 100), IsOkAndHolds("xyz"));
  EXPECT_THAT(files.ReadFile("b", "../a/./seg.m4s", 100), IsOkAndHolds("0123456789"));
  EXPECT_THAT(files.ReadRange("a", "up_link.m4s", 1, 2, 100), IsOkAndHolds("yz"));
}

TEST_P(PackageFilesTest, RefusesFilesOverTheLimitUnreadAndMissingOnesAsNotFound) {
  PackageFiles files = Open();
  EXPECT_THAT(files.ReadFile("a", "seg.m4s", 9),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("over the limit of 9")));
  EXPECT_THAT(files.ReadFile("a", "none.m4s", 9), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(files.ReadFile("a", "seg.m4s/x", 9), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(files.bytes_read(), 0);
}

TEST_P(PackageFilesTest, ReadsExactlyTheRangeAndRefusesOnePastTheEnd) {
  PackageFiles files = Open();
  EXPECT_THAT(files.ReadRange("a", "seg.m4s", 3, 4, 100), IsOkAndHolds("3456"));
  EXPECT_THAT(files.ReadRange("a", "seg.m4s", 6, 4, 100), IsOkAndHolds("6789"));
  EXPECT_THAT(files.ReadRange("a", "seg.m4s", 6, 5, 100),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("runs past its end")));
  EXPECT_THAT(files.ReadRange("a", "seg.m4s", UINT64_MAX, 2, 100),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("runs past its end")));
  EXPECT_THAT(files.ReadRange("a", "seg.m4s", 0, 5, 4),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("over the limit")));
  EXPECT_EQ(files.bytes_read(), 8);
}

// Reads up to the budget succeed; the one that would pass it is refused, and so is every
// read after it, however small.
TEST_P(PackageFilesTest, StopsReadingOnceTheBudgetIsSpent) {
  PackageFiles files = Open(/*max_total_bytes=*/16);
  ASSERT_OK(files.ReadFile("a", "seg.m4s", 100).status());
  ASSERT_OK(files.ReadFile("b", "x.m4s", 100).status());
  ASSERT_OK(files.ReadRange("a", "seg.m4s", 0, 3, 100).status());
  EXPECT_EQ(files.bytes_read(), 16);
  EXPECT_FALSE(files.over_budget());
  absl::StatusOr<std::string> over = files.ReadRange("a", "seg.m4s", 0, 1, 100);
  EXPECT_THAT(over, StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("budget of 16")));
  EXPECT_TRUE(IsOverBudget(over.status()));
  EXPECT_TRUE(files.over_budget());
  EXPECT_THAT(files.ReadFile("b", "x.m4s", 100), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(files.bytes_read(), 16);

  PackageFiles small = Open(/*max_total_bytes=*/9);
  EXPECT_THAT(small.ReadFile("a", "seg.m4s", 100), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(small.ReadFile("b", "x.m4s", 100), StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_P(PackageFilesTest, ListsFoldersInsideOnly) {
  PackageFiles files = Open();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, files.ListFolder("a", "b_link"));
  EXPECT_THAT(names, ElementsAre("x.m4s"));
  ASSERT_OK_AND_ASSIGN(names, files.ListFolder("", "."));
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("a", "b"));
  EXPECT_THAT(files.ListFolder("a", "seg.m4s"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(files.Contains("a"));
  EXPECT_FALSE(files.Contains("none"));
  EXPECT_FALSE(files.Contains("../outside"));
}

INSTANTIATE_TEST_SUITE_P(Confinements, PackageFilesTest,
                         ::testing::Values(storage::Confinement::kOpenat2,
                                           storage::Confinement::kProcFd),
                         [](const auto& info) {
                           return info.param == storage::Confinement::kOpenat2 ? "Openat2"
                                                                               : "ProcFd";
                         });

TEST(PackageFiles, OpenRefusesARootThatIsNotAFolder) {
  testing::TempDir dir;
  EXPECT_THAT(PackageFiles::Open(dir.path() / "none"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(PackageFiles::Open(dir.WriteFile("file", "x")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// `atp validate DIR` on a DIR that is not there makes nothing (the local store would).
TEST(PackageFiles, OpenCreatesNoFolder) {
  testing::TempDir dir;
  EXPECT_THAT(PackageFiles::Open(dir.path() / "none/pkg"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no such folder")));
  EXPECT_FALSE(fs::exists(dir.path() / "none"));
  EXPECT_THAT(PackageFiles::Open(dir.WriteFile("file", "x") / "pkg"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not a folder")));
}

// A package that is a prefix of a larger store (the pipeline's staging folder), read through
// Scoped(prefix): the prefix is the package's root, so a symlink to elsewhere in the store
// leaves the package, and the file there is never opened.
TEST(PackageFiles, ReadsAScopedStoreAndNothingOutsideItsPrefix) {
  testing::TempDir dir;
  dir.WriteFile("store/pkg/a/seg.m4s", "0123456789");
  const fs::path elsewhere = dir.WriteFile("store/other/seg.m4s", kSentinel);
  ASSERT_EQ(symlink("../../other/seg.m4s", (dir.path() / "store/pkg/a/other.m4s").c_str()), 0);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::BlobStore> store,
                       storage::OpenLocalBlobStore(dir.path() / "store"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::BlobStore> scoped, store->Scoped("pkg"));
  PackageFiles files(std::move(scoped), /*max_total_bytes=*/100);
  testing::OpenWatch watch({elsewhere});
  ASSERT_TRUE(watch.watching());
  EXPECT_THAT(files.ReadFile("a", "seg.m4s", 100), IsOkAndHolds("0123456789"));
  EXPECT_THAT(files.ReadRange("", "a/seg.m4s", 2, 3, 100), IsOkAndHolds("234"));
  EXPECT_THAT(files.ReadFile("a", "other.m4s", 100),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("leaves the package")));
  EXPECT_THAT(files.ReadFile("a", "../../other/seg.m4s", 100),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("leaves the package")));
  EXPECT_THAT(files.ReadFile("a", "none.m4s", 100),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("none.m4s: no such file")));
  EXPECT_THAT(files.ListFolder("", "."), IsOkAndHolds(std::vector<std::string>{"a"}));
  EXPECT_THAT(files.ListFolder("", "a"), IsOkAndHolds(std::vector<std::string>{"seg.m4s"}));
  EXPECT_TRUE(files.Contains("a"));
  EXPECT_FALSE(files.Contains("other"));
  EXPECT_EQ(files.bytes_read(), 13);
  EXPECT_EQ(watch.Events(), 0) << "a file outside the package's prefix was opened";
}

TEST(AddRefusalFinding, ReportsPathsEachTimeAndTheBudgetOnce) {
  ValidationReport report;
  EXPECT_TRUE(AddRefusalFinding(absl::PermissionDeniedError("../x leaves the package"),
                                "v.m3u8:7 -> ../x", report));
  EXPECT_TRUE(
      AddRefusalFinding(absl::PermissionDeniedError("y: symlink loop"), "v.m3u8:9 -> y", report));
  EXPECT_TRUE(AddRefusalFinding(absl::ResourceExhaustedError("over"), "v.m3u8:11 -> z", report));
  EXPECT_TRUE(AddRefusalFinding(absl::ResourceExhaustedError("over"), "v.m3u8:13 -> w", report));
  EXPECT_FALSE(AddRefusalFinding(absl::NotFoundError("gone"), "v.m3u8:15 -> v", report));
  EXPECT_FALSE(AddRefusalFinding(absl::InvalidArgumentError("past its end"), "v", report));
  std::vector<std::string> rules;
  for (const Finding& finding : report.findings()) rules.push_back(finding.rule);
  EXPECT_THAT(rules, ElementsAre("PKG-PATH", "PKG-PATH", "PKG-BUDGET"));
  EXPECT_EQ(report.findings()[0].where, "v.m3u8:7 -> ../x");
  EXPECT_EQ(report.findings()[2].where, "v.m3u8:11 -> z");
}

}  // namespace
}  // namespace atp::validate
