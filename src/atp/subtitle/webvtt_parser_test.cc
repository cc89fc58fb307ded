#include "atp/subtitle/webvtt_parser.h"

#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "atp/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::subtitle {
namespace {

using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Line numbers on the right.
constexpr char kFullFile[] =
    "WEBVTT - English subtitles\n"                            // 1
    "Kind: captions\n"                                        // 2
    "Language: en\n"                                          // 3
    "\n"                                                      // 4
    "STYLE\n"                                                 // 5
    "::cue {\n"                                               // 6
    "  color: yellow;\n"                                      // 7
    "  \n"                                                    // 8: spaces stay in a STYLE block.
    "}\n"                                                     // 9
    "\n"                                                      // 10
    "REGION\n"                                                // 11
    "id:fred\n"                                               // 12
    "width:40%\n"                                             // 13
    "\n"                                                      // 14
    "NOTE This is a comment\n"                                // 15
    "that spans lines\n"                                      // 16
    "\n"                                                      // 17
    "intro\n"                                                 // 18
    "00:00:01.000 --> 00:00:04.000 region:fred align:left\n"  // 19
    "<v Fred>Hi, I'm Fred</v>\n"                              // 20
    "<i>second line</i> &amp; <c.red>more</c>\n"              // 21
    "\n"                                                      // 22
    "00:02.500 --> 00:05.000\n"                               // 23
    "Overlapping, no identifier\n"                            // 24
    "\n"                                                      // 25
    "NOTE between cues\n"                                     // 26
    "\n"                                                      // 27
    "01:00:00.000 --> 01:00:01.000 line:90%  position:10%,line-left\tsize:50% vertical:rl\n"
    "Hour one\n";  // 29

TEST(ParseWebVtt, ReadsStyleRegionNoteIdentifiersAndSettingsIntoTheModel) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseWebVtt(kFullFile, "en.vtt"));
  Subtitles expected;
  expected.cues = {
      Cue{.start_ms = 1000,
          .end_ms = 4000,
          .text = "<v Fred>Hi, I'm Fred</v>\n<i>second line</i> &amp; <c.red>more</c>",
          .settings = "region:fred align:left",
          .identifier = "intro",
          .source_line = 19},
      Cue{.start_ms = 2500,
          .end_ms = 5000,
          .text = "Overlapping, no identifier",
          .source_line = 23},
      Cue{.start_ms = 3600000,
          .end_ms = 3601000,
          .text = "Hour one",
          .settings = "line:90% position:10%,line-left size:50% vertical:rl",
          .source_line = 28},
  };
  expected.style_blocks = {"::cue {\n  color: yellow;\n  \n}"};
  expected.region_blocks = {"id:fred\nwidth:40%"};
  EXPECT_EQ(subtitles, expected);
  EXPECT_THAT(subtitles.warnings, IsEmpty());
}

TEST(ParseWebVtt, SortsCuesOutOfOrderKeepingFileOrderOfEqualStarts) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseWebVtt("WEBVTT\n\n"
                                                        "late\n00:05.000 --> 00:06.000\nLate\n\n"
                                                        "a\n00:01.000 --> 00:03.000\nA\n\n"
                                                        "b\n00:01.000 --> 00:02.000\nB\n",
                                                        "en.vtt"));
  ASSERT_THAT(subtitles.cues, SizeIs(3));
  EXPECT_EQ(subtitles.cues[0].identifier, "a");
  EXPECT_EQ(subtitles.cues[0].source_line, 8);
  EXPECT_EQ(subtitles.cues[1].identifier, "b");
  EXPECT_EQ(subtitles.cues[2].identifier, "late");
  EXPECT_EQ(subtitles.cues[2].source_line, 4);
  EXPECT_THAT(subtitles.warnings, IsEmpty());
}

TEST(ParseWebVtt, ToleratesLineEndsByteOrderMarkAndSpacing) {
  const std::string file =
      "WEBVTT\tFile\n\n"
      "1\n00:01.000-->00:02.000   align:start \nA\n \t\n"  // Spaces on the line ending the cue.
      "123:00:00.000 --> 123:00:01.000\nB\n";
  for (const std::string& text :
       {file, "\xEF\xBB\xBF" + absl::StrReplaceAll(file, {{"\n", "\r\n"}}),
        absl::StrReplaceAll(file, {{"\n", "\r"}})}) {
    ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseWebVtt(text, "en.vtt"));
    ASSERT_THAT(subtitles.cues, SizeIs(2));
    EXPECT_EQ(subtitles.cues[0].start_ms, 1000);
    EXPECT_EQ(subtitles.cues[0].end_ms, 2000);
    EXPECT_EQ(subtitles.cues[0].settings, "align:start");
    EXPECT_EQ(subtitles.cues[0].identifier, "1");
    EXPECT_EQ(subtitles.cues[0].text, "A");
    EXPECT_EQ(subtitles.cues[1].start_ms, 123 * 3600000LL);
    EXPECT_EQ(subtitles.cues[1].source_line, 7);
    EXPECT_THAT(subtitles.warnings, IsEmpty());
  }
}

TEST(ParseWebVtt, WarnsOfWhatItLeavesOut) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles,
                       ParseWebVtt("WEBVTT\n"                                            // 1
                                   "X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n"  // 2
                                   "\n"                                                  // 3
                                   "00:01.000 --> 00:02.000 align:middle foo:bar line:\n"
                                   "A\n"                        // 5
                                   "\n"                         // 6
                                   "00:03.000 --> 00:04.000\n"  // 7
                                   "\n"                         // 8
                                   "STYLE\n"                    // 9
                                   "::cue { color: red }\n"     // 10
                                   "\n"                         // 11
                                   "Just some words\n"          // 12
                                   "with no timing\n",          // 13
                                   "en.vtt"));
  ASSERT_THAT(subtitles.cues, SizeIs(1));
  EXPECT_EQ(subtitles.cues[0].settings, "align:middle");  // Values are not checked.
  EXPECT_THAT(subtitles.style_blocks, IsEmpty());
  EXPECT_THAT(
      subtitles.warnings,
      ElementsAre("en.vtt: ignored 1 X-TIMESTAMP-MAP header line (first at line 2: "
                  "\"X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\"): cue times are read as "
                  "written, not offset by it",
                  "en.vtt: dropped 2 cue settings that WebVTT does not define (first at line 4: "
                  "\"foo:bar\"): WebVTT's are vertical, line, position, size, align and region, "
                  "as name:value",
                  "en.vtt: left out 1 cue without text (first at line 7)",
                  "en.vtt: ignored 1 STYLE or REGION block after the first cue (first at line 9: "
                  "\"STYLE\"): WebVTT allows them only before the cues; move them up",
                  "en.vtt: ignored 1 block that is not a cue, NOTE, STYLE or REGION (first at "
                  "line 12: \"Just some words\")"));
}

TEST(ParseWebVtt, AFileWithoutCuesIsEmptyWithAWarning) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseWebVtt("WEBVTT\n\nNOTE nothing yet\n", "en.vtt"));
  EXPECT_THAT(subtitles.cues, IsEmpty());
  EXPECT_THAT(subtitles.warnings, ElementsAre("en.vtt: no cues: the subtitle track is empty"));
}

TEST(ParseWebVtt, ErrorsNameTheLine) {
  struct Case {
    std::string name;
    std::string text;
    std::string where;    // "en.vtt:N:"
    std::string message;  // Part of what follows.
  };
  const std::string head = "WEBVTT\n\n00:01.000 --> 00:02.000\nOK\n\n";  // Lines 1-5.
  for (const Case& c : std::vector<Case>{
           {"empty file", "", "en.vtt:1:", "the file is empty, not \"WEBVTT\""},
           {"no signature", "1\n00:00:01,000 --> 00:00:02,000\nHi\n",
            "en.vtt:1:", "the first line is \"1\", not \"WEBVTT\""},
           {"signature run on", "WEBVTTX\n\n00:01.000 --> 00:02.000\nHi\n",
            "en.vtt:1:", "the first line is \"WEBVTTX\""},
           {"lower case", "webvtt\n", "en.vtt:1:", "not \"WEBVTT\""},
           {"comma before milliseconds", head + "00:03.000 --> 00:04,000\nX\n",
            "en.vtt:6:", "\"00:04,000\" is not a WebVTT timestamp"},
           {"hours of one digit", head + "1:00:03.000 --> 1:00:04.000\nX\n",
            "en.vtt:6:", "\"1:00:03.000\" is not a WebVTT timestamp"},
           {"two digits of milliseconds", head + "id\n00:03.00 --> 00:04.000\nX\n",
            "en.vtt:7:", "\"00:03.00\" is not a WebVTT timestamp"},
           {"minutes of 60", head + "00:60:03.000 --> 01:00:04.000\nX\n",
            "en.vtt:6:", "\"00:60:03.000\" has 60 minutes"},
           {"minutes of 75 without hours", head + "75:03.000 --> 75:04.000\nX\n",
            "en.vtt:6:", "\"75:03.000\" has 75 minutes"},
           {"seconds of 60", head + "00:03.000 --> 00:60.000\nX\n",
            "en.vtt:6:", "\"00:60.000\" has 60 seconds"},
           {"text stuck to the end", head + "00:03.000 --> 00:04.000align:start\nX\n",
            "en.vtt:6:", "\"00:04.000align:start\" is not a WebVTT timestamp"},
           {"one timestamp", head + "00:03.000 -->\nX\n", "en.vtt:6:", "malformed timing line"},
           {"no arrow", head + "id\n00:03.000 - 00:04.000\nX\n",
            "en.vtt:7:", "malformed timing line \"00:03.000 - 00:04.000\" (no \"-->\")"},
           {"end before start", head + "00:04.000 --> 00:03.000\nX\n",
            "en.vtt:6:", "the cue ends (00:03.000) before it starts (00:04.000)"},
           {"end at start", head + "00:04.000 --> 00:04.000\nX\n",
            "en.vtt:6:", "the cue ends (00:04.000) when it starts"},
           {"arrow in cue text", head + "00:03.000 --> 00:04.000\nX\nY --> Z\n",
            "en.vtt:8:", "\"-->\" in the text of the cue at line 6 (\"Y --> Z\")"},
           {"no empty line between cues",
            "WEBVTT\n\n00:01.000 --> 00:02.000\nA\n00:03.000 --> 00:04.000\nB\n",
            "en.vtt:5:", "\"-->\" in the text of the cue at line 3"},
           {"arrow in a comment", head + "NOTE\nsome\nx --> y\n",
            "en.vtt:8:", "\"-->\" in a NOTE comment"},
           {"arrow in a style sheet", "WEBVTT\n\nSTYLE\n::cue {}\n/* --> */\n",
            "en.vtt:5:", "\"-->\" in a STYLE or REGION block"},
           {"arrow in the header", "WEBVTT\n00:01.000 --> 00:02.000\nA\n", "en.vtt:2:",
            "is in the header, which runs from the WEBVTT line to the first empty line"},
       }) {
    EXPECT_THAT(ParseWebVtt(c.text, "en.vtt"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(c.where), HasSubstr(c.message))))
        << c.name;
  }
}

TEST(ParseWebVtt, RefusesWhatIsNotUtf8OrTooLarge) {
  EXPECT_THAT(ParseWebVtt(std::string("\xFF\xFEW\0E\0B\0", 8), "en.vtt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.vtt"), HasSubstr("UTF-16LE"))));
  const std::string huge = "WEBVTT\n" + std::string(kMaxSubtitleFileBytes, '\n');
  EXPECT_THAT(ParseWebVtt(huge, "big.vtt"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("big.vtt: 16777223 bytes")));
}

}  // namespace
}  // namespace atp::subtitle
