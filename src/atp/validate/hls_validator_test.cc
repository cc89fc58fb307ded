// The HLS validator on a small fMP4 package ffmpeg writes, changed so that its references lead
// out of it (these also run in the sanitizer build): each is a PKG-PATH finding where the
// reference is made, and an inotify watch proves the file outside was never opened. The same
// on atp's own packages, through the CLI, is in app/atp_validate_test.cc.
#include "atp/validate/hls_validator.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "absl/strings/str_cat.h"
#include "atp/storage/local_blob_store.h"
#include "atp/testing/open_watch.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "atp/validate/package_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

namespace fs = std::filesystem;

using ::atp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kSentinel[] = "SENTINEL-9e2f-outside-the-package";

void WriteFile(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

// One 160x120 video variant, four 1 s segments v_000..v_003.m4s and init.mp4, under `dir`.
void WriteFfmpegPackage(const fs::path& dir) {
  const std::string command =
      "cd " + dir.string() +
      " && ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=160x120:rate=24 -t 4 "
      "-c:v libx264 -g 24 -keyint_min 24 -sc_threshold 0 -pix_fmt yuv420p -f hls -hls_time 1 "
      "-hls_playlist_type vod -hls_segment_type fmp4 -hls_segment_filename 'v_%03d.m4s' v.m3u8";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  WriteFile(dir / "master.m3u8",
            "#EXTM3U\n#EXT-X-VERSION:7\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=100000,RESOLUTION=160x120\n"
            "v.m3u8\n");
}

// Replaces the first `from` in `file` by `to`.
void Replace(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = testing::ReadFile(file);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << file;
  WriteFile(file, text.replace(at, from.size(), to));
}

// The 1-based number of the line of `file` that is `line`.
int LineOf(const fs::path& file, const std::string& line) {
  const std::string text = testing::ReadFile(file);
  const size_t at = text.find("\n" + line + "\n");
  return at == std::string::npos
             ? 0
             : 2 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

class ValidateHlsPackageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    original_ = new testing::TempDir();
    WriteFfmpegPackage(original_->path());
  }
  static void TearDownTestSuite() { delete original_; }

  void SetUp() override {
    fs::copy(original_->path(), package(), fs::copy_options::recursive);
    sentinel_ = dir_.WriteFile("outside/sentinel.m4s", kSentinel);
  }

  fs::path package() const { return dir_.path() / "pkg"; }

  // "RULE where: message" of every finding about the package changed by `mutate`. Fails the
  // test if the file outside was opened or its bytes show up.
  std::vector<std::string> PackageFindings(const std::function<void(const fs::path&)>& mutate,
                                           uint64_t max_total_bytes = kDefaultMaxPackageBytes) {
    mutate(package());
    testing::OpenWatch watch({sentinel_, sentinel_.parent_path()});
    EXPECT_TRUE(watch.watching());
    absl::StatusOr<ValidationReport> report =
        ValidatePackage(package(), {.max_total_bytes = max_total_bytes});
    EXPECT_EQ(watch.Events(), 0) << "the file outside the package was opened";
    EXPECT_OK(report.status());
    std::vector<std::string> findings;
    if (!report.ok()) return findings;
    for (const Finding& finding : report->findings()) {
      findings.push_back(absl::StrCat(finding.rule, " ", finding.where, ": ", finding.message));
      EXPECT_THAT(finding.message, Not(HasSubstr(kSentinel)));
    }
    return findings;
  }

  static testing::TempDir* original_;
  testing::TempDir dir_;
  fs::path sentinel_;
};
testing::TempDir* ValidateHlsPackageTest::original_ = nullptr;

// The package as ffmpeg writes it has none of the findings below: they come from the changes.
TEST_F(ValidateHlsPackageTest, TheUnchangedPackageReadsWithoutRefusals) {
  for (const std::string& finding : PackageFindings([](const fs::path&) {})) {
    EXPECT_THAT(finding, Not(HasSubstr("PKG-"))) << finding;
  }
}

TEST_F(ValidateHlsPackageTest, EachWayOutIsAFindingWhereTheReferenceIsMade) {
  struct Case {
    std::string name;
    std::function<void(const fs::path&)> mutate;
    std::string expected;  // The one PKG finding, "RULE where: message".
  };
  const std::string sentinel = sentinel_.string();
  const int map_line = LineOf(package() / "v.m3u8", "#EXT-X-MAP:URI=\"init.mp4\"");
  const int segment_line = LineOf(package() / "v.m3u8", "v_001.m4s") - 1;  // Its EXTINF.
  const int variant_line = 3;
  ASSERT_GT(map_line, 0);
  ASSERT_GT(segment_line, 0);
  for (const Case& c : std::vector<Case>{
           {"dot-dot segment",
            [](const fs::path& p) {
              Replace(p / "v.m3u8", "\nv_001.m4s", "\n../outside/sentinel.m4s");
            },
            absl::StrCat("PKG-PATH v.m3u8:", segment_line,
                         " -> ../outside/sentinel.m4s: ../outside/sentinel.m4s leaves the "
                         "package (\"..\" above its root)")},
           {"absolute segment",
            [&](const fs::path& p) { Replace(p / "v.m3u8", "\nv_001.m4s", "\n" + sentinel); },
            absl::StrCat("PKG-PATH v.m3u8:", segment_line, " -> ", sentinel, ": ", sentinel,
                         " leaves the package (an absolute path)")},
           {"absolute EXT-X-MAP",
            [&](const fs::path& p) {
              Replace(p / "v.m3u8", "URI=\"init.mp4\"", "URI=\"" + sentinel + "\"");
            },
            absl::StrCat("PKG-PATH v.m3u8:", map_line, " -> ", sentinel, ": ", sentinel,
                         " leaves the package (an absolute path)")},
           {"file: URI segment",
            [&](const fs::path& p) {
              Replace(p / "v.m3u8", "\nv_001.m4s", "\nfile://" + sentinel);
            },
            absl::StrCat("PKG-PATH v.m3u8:", segment_line, " -> file://", sentinel, ": file://",
                         sentinel, " leaves the package (a URI with a scheme)")},
           {"symlink out",
            [](const fs::path& p) {
              fs::remove(p / "v_001.m4s");
              fs::create_symlink("../outside/sentinel.m4s", p / "v_001.m4s");
            },
            absl::StrCat("PKG-PATH v.m3u8:", segment_line,
                         " -> v_001.m4s: v_001.m4s leaves the package (a symlink on its way "
                         "points outside it or is absolute)")},
           {"symlink loop",
            [](const fs::path& p) {
              fs::remove(p / "v_001.m4s");
              fs::create_symlink("v_001.m4s", p / "v_001.m4s");
            },
            absl::StrCat("PKG-PATH v.m3u8:", segment_line,
                         " -> v_001.m4s: v_001.m4s: symlink loop")},
           {"FIFO",
            [](const fs::path& p) {
              fs::remove(p / "v_001.m4s");
              ASSERT_EQ(mkfifo((p / "v_001.m4s").c_str(), 0600), 0);
            },
            absl::StrCat("PKG-PATH v.m3u8:", segment_line,
                         " -> v_001.m4s: v_001.m4s is not a regular file (a FIFO)")},
           {"variant out",
            [](const fs::path& p) {
              Replace(p / "master.m3u8", "\nv.m3u8", "\n../outside/sentinel.m4s");
            },
            absl::StrCat("PKG-PATH master.m3u8:", variant_line,
                         " -> ../outside/sentinel.m4s: ../outside/sentinel.m4s leaves the "
                         "package (\"..\" above its root)")},
       }) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> refusals;
    for (const std::string& finding : PackageFindings(c.mutate)) {
      if (finding.starts_with("PKG-") || finding.starts_with("FILE-MISSING")) {
        refusals.push_back(finding);
      }
    }
    EXPECT_THAT(refusals, ElementsAre(c.expected));
    fs::remove_all(package());
    fs::copy(original_->path(), package(), fs::copy_options::recursive);
  }
}

// The multivariant playlist itself refused: the package cannot be read (the CLI exits 2).
TEST_F(ValidateHlsPackageTest, AMasterPlaylistOutsideOrNotAFileIsRefused) {
  fs::remove(package() / "master.m3u8");
  fs::create_symlink(sentinel_, package() / "master.m3u8");
  testing::OpenWatch watch({sentinel_});
  ASSERT_TRUE(watch.watching());
  EXPECT_THAT(ValidatePackage(package(), {}),
              StatusIs(absl::StatusCode::kPermissionDenied, Not(HasSubstr(kSentinel))));
  fs::remove(package() / "master.m3u8");
  ASSERT_EQ(mkfifo((package() / "master.m3u8").c_str(), 0600), 0);
  EXPECT_THAT(ValidatePackage(package(), {}),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not a regular file")));
  EXPECT_EQ(watch.Events(), 0);
}

// The package as a store (the pipeline passes its staging prefix, Scoped): the same report as
// for its folder; the prefix is the package's root.
TEST_F(ValidateHlsPackageTest, AStoreOfThePackageGivesTheReportOfItsFolder) {
  ASSERT_OK_AND_ASSIGN(ValidationReport by_folder, ValidatePackage(package(), {}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::BlobStore> store,
                       storage::OpenLocalBlobStore(dir_.path()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::BlobStore> scoped, store->Scoped("pkg"));
  ASSERT_OK_AND_ASSIGN(ValidationReport by_store, ValidatePackage(std::move(scoped), {}));
  auto lines = [](const ValidationReport& report) {
    std::vector<std::string> lines;
    for (const Finding& f : report.findings()) {
      lines.push_back(absl::StrCat(f.rule, " ", f.where, ": ", f.message));
    }
    return lines;
  };
  EXPECT_EQ(lines(by_store), lines(by_folder));
  EXPECT_FALSE(lines(by_folder).empty());  // ffmpeg's package has findings to compare.

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::BlobStore> empty, store->Scoped("empty"));
  EXPECT_THAT(ValidatePackage(std::move(empty), {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("neither master.m3u8 nor")));
  EXPECT_THAT(ValidatePackage(std::unique_ptr<storage::BlobStore>(), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Past the budget nothing more is read: one PKG-BUDGET finding, and no finding drawn from a
// rendition that was read only in part (its bandwidth, duration, alignment).
TEST_F(ValidateHlsPackageTest, StopsAtTheBudgetWithOneFinding) {
  const uint64_t playlists_and_init = fs::file_size(package() / "master.m3u8") +
                                      fs::file_size(package() / "v.m3u8") +
                                      fs::file_size(package() / "init.mp4");
  for (uint64_t budget : {uint64_t{1}, playlists_and_init + 1}) {
    std::vector<std::string> findings = PackageFindings([](const fs::path&) {}, budget);
    ASSERT_THAT(findings, ElementsAre(HasSubstr("PKG-BUDGET"))) << budget;
    EXPECT_THAT(findings[0], HasSubstr(absl::StrCat("budget of ", budget))) << budget;
  }
  EXPECT_THAT(PackageFindings([](const fs::path&) {}, playlists_and_init * 1000),
              Not(::testing::Contains(HasSubstr("PKG-"))));
}

// 160x120 with 4:3 pixels (ffmpeg writes a pasp box) is shown 16:9: right for a 16:9 source,
// a finding for a 4:3 one. Without a source the shape is not judged.
TEST(ValidateHlsPackage, ADisplayAspectOtherThanTheSourcesIsAFinding) {
  testing::TempDir dir;
  const std::string command =
      "cd " + dir.path().string() +
      " && ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=160x120:rate=24 -t 2 "
      "-vf setsar=4/3 -c:v libx264 -g 24 -pix_fmt yuv420p -f hls -hls_time 1 "
      "-hls_playlist_type vod -hls_segment_type fmp4 v.m3u8";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  WriteFile(dir.path() / "master.m3u8",
            "#EXTM3U\n#EXT-X-VERSION:7\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=100000,RESOLUTION=160x120\n"
            "v.m3u8\n");
  auto aspect_findings = [&](std::optional<double> source) {
    absl::StatusOr<ValidationReport> report =
        ValidatePackage(dir.path(), {.source_display_aspect = source});
    EXPECT_OK(report.status());
    std::vector<std::string> found;
    for (const Finding& finding : report.ok() ? report->findings() : std::vector<Finding>{}) {
      if (finding.rule == "ASPECT") found.push_back(finding.message);
    }
    return found;
  };
  EXPECT_THAT(aspect_findings(16.0 / 9), IsEmpty());
  EXPECT_THAT(aspect_findings(std::nullopt), IsEmpty());
  EXPECT_THAT(aspect_findings(4.0 / 3),
              ElementsAre(HasSubstr("shown 1.778:1 (160x120, pixel aspect 1.333) but the source "
                                    "is 1.333:1: it would look stretched wide")));
}

}  // namespace
}  // namespace atp::validate
