// Hostile and broken MPDs (these also run in the sanitizer build), and the @codecs check on a
// small package ffmpeg's dash muxer writes; atp's own packages are validated end to end in
// app/atp_validate_test.cc.
#include "atp/validate/dash_validator.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "atp/testing/open_watch.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

using ::atp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Validates the MPD `text`, written as DIR/manifest.mpd, with DIR as the package.
absl::Status ValidateMpd(testing::TempDir& dir, const std::string& text, ValidationReport& report) {
  dir.WriteFile("manifest.mpd", text);
  ATP_ASSIGN_OR_RETURN(PackageFiles files, PackageFiles::Open(dir.path()));
  return ValidateDashManifest(files, "manifest.mpd", report);
}

std::vector<std::string> RulesOf(const ValidationReport& report) {
  std::vector<std::string> rules;
  for (const Finding& finding : report.findings()) rules.push_back(finding.rule);
  return rules;
}

TEST(ValidateDashManifest, RefusesWhatIsNotAnMpd) {
  testing::TempDir dir;
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><MPD>&b;</MPD>",
            "DTD or entity declarations"},
           {"<MPD><Period>", "not well-formed XML"},
           {std::string("\x89PNG\r\n\x1a\n\0\0\0", 11), "not well-formed XML"},
           {"<Manifest/>", "the root is not <MPD>"},
       }) {
    ValidationReport report;
    EXPECT_THAT(ValidateMpd(dir, c.text, report),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.message;
  }
}

TEST(ValidateDashManifest, ReportsStructuralFaultsAsFindings) {
  testing::TempDir dir;
  const std::string mpd = R"(<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" mediaPresentationDuration="soon">
  <Period>
    <AdaptationSet contentType="audio" id="7">
      <Representation id="a" bandwidth="1000">
        <SegmentTemplate timescale="48000" initialization="a/init.mp4" media="a/seg_$Number%05d$.m4s">
          <SegmentTimeline><S t="0" d="96000" r="1"/></SegmentTimeline>
        </SegmentTemplate>
      </Representation>
      <Representation id="b" bandwidth="1000">
        <SegmentTemplate timescale="48000" media="b/$Number$.m4s">
          <SegmentTimeline><S d="-5"/></SegmentTimeline>
        </SegmentTemplate>
      </Representation>
      <Representation id="c" bandwidth="1000"/>
    </AdaptationSet>
  </Period>
</MPD>)";
  dir.WriteFile("a/seg_00009.m4s", "not listed");
  ValidationReport report;
  ASSERT_OK(ValidateMpd(dir, mpd, report));
  std::vector<std::string> rules = RulesOf(report);
  std::sort(rules.begin(), rules.end());
  // a: no init, two listed segments missing, one unlisted present (bandwidth not judged);
  // b: bad S@d; c: no SegmentTemplate; a, b and c: no @codecs; the set: no @lang; the MPD:
  // dynamic, bad duration.
  EXPECT_EQ(rules, (std::vector<std::string>{"DASH-CODECS", "DASH-CODECS", "DASH-CODECS",
                                             "DASH-LANG", "DASH-PARSE", "DASH-PARSE", "DASH-PARSE",
                                             "DASH-STATIC", "DASH-TIMELINE", "DASH-TIMELINE",
                                             "DASH-TIMELINE", "FILE-MISSING"}))
      << ::testing::PrintToString(rules);
}

// One fragmented MP4 file with a global sidx, as SegmentBase addressing uses: 8 s of 24 fps
// video (H.264 High, level 4.0: avc1.640028), an IDR every 2 s. `init_range` and `index_range` are
// found by walking its boxes. No B-frames: with them and no edit list (empty_moov), ffmpeg's sidx
// puts the earliest presentation time 2 frames before the samples' own, which the validator
// reports.
struct SingleFile {
  std::string init_range;
  std::string index_range;
};

SingleFile WriteSingleFile(const testing::TempDir& dir) {
  const std::string command =
      "cd " + dir.path().string() +
      " && ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=320x240:rate=24 -t 8 "
      "-c:v libx264 -profile:v high -level:v 4.0 -bf 0 -g 48 -keyint_min 48 -sc_threshold 0 "
      "-pix_fmt yuv420p "
      "-movflags +frag_keyframe+empty_moov+global_sidx+default_base_moof -f mp4 video.mp4";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(dir.path() / "video.mp4", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  SingleFile file;
  for (size_t at = 0; at + 8 <= bytes.size();) {
    const uint32_t size = (uint32_t{static_cast<uint8_t>(bytes[at])} << 24) |
                          (uint32_t{static_cast<uint8_t>(bytes[at + 1])} << 16) |
                          (uint32_t{static_cast<uint8_t>(bytes[at + 2])} << 8) |
                          static_cast<uint8_t>(bytes[at + 3]);
    const std::string type = bytes.substr(at + 4, 4);
    if (type == "moov") file.init_range = absl::StrCat("0-", at + size - 1);
    if (type == "sidx") file.index_range = absl::StrCat(at, "-", at + size - 1);
    if (size < 8) break;
    at += size;
  }
  EXPECT_FALSE(file.index_range.empty());
  return file;
}

// `periods` Periods of 8 s, each playing the whole file through SegmentBase.
std::string SegmentBaseMpd(const SingleFile& file, int periods, const std::string& duration) {
  std::string mpd = absl::StrCat(
      "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" type=\"static\" "
      "mediaPresentationDuration=\"",
      duration, "\">");
  for (int p = 0; p < periods; ++p) {
    absl::StrAppend(&mpd, "<Period id=\"", p,
                    "\" duration=\"PT8S\"><AdaptationSet contentType=\"video\">",
                    "<Representation id=\"v\" codecs=\"avc1.640028\" bandwidth=\"1\">",
                    "<BaseURL>video.mp4</BaseURL>", "<SegmentBase indexRange=\"", file.index_range,
                    "\"><Initialization range=\"", file.init_range,
                    "\"/></SegmentBase></Representation></AdaptationSet></Period>");
  }
  return mpd + "</MPD>";
}

// The sidx is followed to four 2 s subsegments whose times match; only the @bandwidth of 1
// (on purpose) fails. Two Periods last twice as long; a wrong total duration is caught.
TEST(ValidateDashManifest, FollowsSegmentBaseThroughTheSidxAcrossPeriods) {
  testing::TempDir dir;
  const SingleFile file = WriteSingleFile(dir);
  struct Case {
    int periods;
    std::string duration;
    std::vector<std::string> rules;
  };
  for (const Case& c : std::vector<Case>{
           {1, "PT8S", {"DASH-BANDWIDTH"}},
           {2, "PT16S", {"DASH-BANDWIDTH", "DASH-BANDWIDTH"}},
           {2, "PT8S", {"DASH-BANDWIDTH", "DASH-BANDWIDTH", "DASH-DURATION"}},
       }) {
    ValidationReport report;
    ASSERT_OK(ValidateMpd(dir, SegmentBaseMpd(file, c.periods, c.duration), report));
    EXPECT_EQ(RulesOf(report), c.rules) << c.periods << " " << c.duration;
  }
}

TEST(ValidateDashManifest, ReportsABrokenSegmentIndex) {
  testing::TempDir dir;
  SingleFile file = WriteSingleFile(dir);
  file.index_range = file.init_range;  // Points at ftyp+moov, not at a sidx.
  ValidationReport report;
  ASSERT_OK(ValidateMpd(dir, SegmentBaseMpd(file, 1, "PT8S"), report));
  ASSERT_EQ(RulesOf(report), (std::vector<std::string>{"DASH-PARSE", "DASH-DURATION"}));
  EXPECT_THAT(report.findings()[0].message, HasSubstr("exactly one 'sidx'"));
}

// BaseURLs and templates that lead out of the package (ROOT/pkg): one PKG-PATH finding per
// reference, at the Representation and URI, and nothing outside is opened, not even the
// folder a template's unlisted files would be looked for in.
TEST(ValidateDashManifest, ReferencesLeavingThePackageArePkgPathFindings) {
  testing::TempDir dir;
  const std::filesystem::path sentinel =
      dir.WriteFile("outside/sentinel.m4s", "SENTINEL-51ab-outside-the-package");
  dir.WriteFile("outside/seg_00009.m4s", "would be an unlisted segment");
  const std::string template_up =
      "<SegmentTemplate timescale=\"1000\" initialization=\"sentinel.m4s\" "
      "media=\"seg_$Number%05d$.m4s\"><SegmentTimeline><S d=\"1000\"/></SegmentTimeline>"
      "</SegmentTemplate>";
  const std::string mpd = absl::StrCat(
      "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" type=\"static\" "
      "mediaPresentationDuration=\"PT1S\"><Period>",
      "<AdaptationSet contentType=\"video\" codecs=\"avc1.640028\">",
      "<Representation id=\"up\" bandwidth=\"1\"><BaseURL>../outside/</BaseURL>", template_up,
      "</Representation>", "<Representation id=\"abs\" bandwidth=\"1\"><BaseURL>",
      sentinel.parent_path().string(), "/</BaseURL>", template_up, "</Representation>",
      "<Representation id=\"deep\" bandwidth=\"1\"><BaseURL>a/</BaseURL>"
      "<SegmentTemplate timescale=\"1000\" initialization=\"../../outside/sentinel.m4s\" "
      "media=\"../../outside/seg_$Number%05d$.m4s\"><SegmentTimeline><S d=\"1000\"/>"
      "</SegmentTimeline></SegmentTemplate></Representation>",
      "<Representation id=\"base\" bandwidth=\"1\"><BaseURL>file://", sentinel.string(),
      "</BaseURL><SegmentBase indexRange=\"0-10\"/></Representation>",
      "</AdaptationSet></Period></MPD>");
  dir.WriteFile("pkg/manifest.mpd", mpd);
  testing::OpenWatch watch({sentinel, sentinel.parent_path()});
  ASSERT_TRUE(watch.watching());
  ValidationReport report;
  ASSERT_OK_AND_ASSIGN(PackageFiles files, PackageFiles::Open(dir.path() / "pkg"));
  ASSERT_OK(ValidateDashManifest(files, "manifest.mpd", report));
  EXPECT_EQ(watch.Events(), 0) << "something outside the package was opened";
  std::vector<std::string> found;
  for (const Finding& finding : report.findings()) {
    EXPECT_THAT(finding.message, Not(HasSubstr("SENTINEL")));
    if (finding.rule != "DASH-DURATION") {
      found.push_back(absl::StrCat(finding.rule, " ", finding.where));
    }
  }
  const std::string outside = sentinel.parent_path().string();
  EXPECT_EQ(found, (std::vector<std::string>{
                       "PKG-PATH manifest.mpd Representation up -> ../outside/sentinel.m4s",
                       "PKG-PATH manifest.mpd Representation up -> ../outside/seg_00001.m4s",
                       "PKG-PATH manifest.mpd Representation abs -> " + outside + "/sentinel.m4s",
                       "PKG-PATH manifest.mpd Representation abs -> " + outside + "/seg_00001.m4s",
                       "PKG-PATH manifest.mpd Representation deep -> a/../../outside/sentinel.m4s",
                       "PKG-PATH manifest.mpd Representation deep -> "
                       "a/../../outside/seg_00001.m4s",
                       "PKG-PATH manifest.mpd Representation base",
                   }))
      << ::testing::PrintToString(found);
}

// A package ffmpeg's dash muxer writes: 4 s of 320x240 H.264 High at level 4.0 (codecs
// avc1.640028) as Representation 0 in AdaptationSet 0, and AAC-LC stereo (mp4a.40.2) as
// Representation 1 in AdaptationSet 1; SegmentTemplate with a SegmentTimeline, 2 s segments.
class ValidateDashPackageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    original_ = new testing::TempDir();
    const std::string command =
        "cd " + original_->path().string() +
        " && ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=320x240:rate=24 "
        "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 "
        "-c:v libx264 -profile:v high -level:v 4.0 -g 48 -keyint_min 48 -sc_threshold 0 "
        "-pix_fmt yuv420p -c:a aac -ac 2 "
        "-f dash -seg_duration 2 -use_timeline 1 -use_template 1 manifest.mpd";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() { delete original_; }

  // "where: message" of each DASH-CODECS finding on a copy of the package whose MPD has had
  // each `from` (which must be there) replaced by its `to`, in order.
  std::vector<std::string> CodecsFindingsAfter(
      const std::vector<std::pair<std::string, std::string>>& replacements) {
    std::filesystem::remove_all(dir_.path() / "pkg");
    std::filesystem::copy(original_->path(), dir_.path() / "pkg",
                          std::filesystem::copy_options::recursive);
    std::string mpd = testing::ReadFile(dir_.path() / "pkg/manifest.mpd");
    for (const auto& [from, to] : replacements) {
      const size_t at = mpd.find(from);
      EXPECT_NE(at, std::string::npos) << from << " not in the MPD:\n" << mpd;
      if (at != std::string::npos) mpd.replace(at, from.size(), to);
    }
    dir_.WriteFile("pkg/manifest.mpd", mpd);
    ValidationReport report;
    absl::StatusOr<PackageFiles> files = PackageFiles::Open(dir_.path() / "pkg");
    EXPECT_OK(files.status());
    if (!files.ok()) return {};
    EXPECT_OK(ValidateDashManifest(*files, "manifest.mpd", report));
    std::vector<std::string> found;
    for (const Finding& finding : report.findings()) {
      if (finding.rule == "DASH-CODECS") {
        EXPECT_EQ(finding.severity, Severity::kError);
        found.push_back(absl::StrCat(finding.where, ": ", finding.message));
      }
    }
    return found;
  }

  static testing::TempDir* original_;
  testing::TempDir dir_;
};
testing::TempDir* ValidateDashPackageTest::original_ = nullptr;

// ffmpeg declares what its init segments hold (its other faults, DASH-LANG and an audio
// DASH-BANDWIDTH, are not looked at here), also when the AdaptationSet says otherwise.
TEST_F(ValidateDashPackageTest, DeclaredCodecsThatMatchTheInitSegmentsPass) {
  EXPECT_THAT(CodecsFindingsAfter({}), IsEmpty());
  // The Representation's own @codecs is the one that counts.
  EXPECT_THAT(CodecsFindingsAfter(
                  {{"<AdaptationSet id=\"1\"", "<AdaptationSet id=\"1\" codecs=\"mp4a.40.5\""}}),
              IsEmpty());
}

TEST_F(ValidateDashPackageTest, AWrongCodecsIsDashCodecsNamingTheRepresentation) {
  EXPECT_THAT(CodecsFindingsAfter({{"codecs=\"avc1.640028\"", "codecs=\"avc1.42E01E\""}}),
              ElementsAre("manifest.mpd Representation 0: @codecs=\"avc1.42E01E\" but the init "
                          "segment says avc1.640028"));
  EXPECT_THAT(CodecsFindingsAfter({{"codecs=\"mp4a.40.2\"", "codecs=\"mp4a.40.5\""}}),
              ElementsAre("manifest.mpd Representation 1: @codecs=\"mp4a.40.5\" but the init "
                          "segment says mp4a.40.2"));
}

// Without its own @codecs a Representation has its AdaptationSet's; with neither, it is
// DASH-CODECS too.
TEST_F(ValidateDashPackageTest, TheAdaptationSetsCodecsIsInheritedAndNoneIsDashCodecs) {
  EXPECT_THAT(CodecsFindingsAfter(
                  {{" codecs=\"avc1.640028\"", ""},
                   {"<AdaptationSet id=\"0\"", "<AdaptationSet id=\"0\" codecs=\"avc1.640028\""}}),
              IsEmpty());
  EXPECT_THAT(CodecsFindingsAfter(
                  {{" codecs=\"avc1.640028\"", ""},
                   {"<AdaptationSet id=\"0\"", "<AdaptationSet id=\"0\" codecs=\"avc1.42E01E\""}}),
              ElementsAre("manifest.mpd Representation 0: @codecs=\"avc1.42E01E\" but the init "
                          "segment says avc1.640028"));
  EXPECT_THAT(CodecsFindingsAfter({{" codecs=\"mp4a.40.2\"", ""}}),
              ElementsAre("manifest.mpd Representation 1: no @codecs (nor on its "
                          "AdaptationSet); the init segment says mp4a.40.2"));
}

}  // namespace
}  // namespace atp::validate
