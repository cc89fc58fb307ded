// Hostile and broken MPDs (these also run in the sanitizer build); a package with real
// segments is validated end to end in app/atp_validate_test.cc.
#include "atp/validate/dash_validator.h"

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

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
    EXPECT_THAT(ValidateDashManifest(dir.WriteFile("manifest.mpd", c.text), report),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.message;
  }
}

TEST(ValidateDashManifest, ReportsStructuralFaultsAsFindings) {
  testing::TempDir dir;
  const auto mpd = dir.WriteFile("manifest.mpd", R"(<?xml version="1.0"?>
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
</MPD>)");
  dir.WriteFile("a/seg_00009.m4s", "not listed");
  ValidationReport report;
  ASSERT_OK(ValidateDashManifest(mpd, report));
  std::vector<std::string> rules = RulesOf(report);
  std::sort(rules.begin(), rules.end());
  // a: no init, two listed segments missing, one unlisted present (bandwidth not judged);
  // b: bad S@d; c: no SegmentTemplate; the set: no @lang; the MPD: dynamic, bad duration.
  EXPECT_EQ(rules, (std::vector<std::string>{"DASH-LANG", "DASH-PARSE", "DASH-PARSE", "DASH-PARSE",
                                             "DASH-STATIC", "DASH-TIMELINE", "DASH-TIMELINE",
                                             "DASH-TIMELINE", "FILE-MISSING"}))
      << ::testing::PrintToString(rules);
}

}  // namespace
}  // namespace atp::validate
