#include "atp/subtitle/srt_parser.h"

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
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kTwoCues[] =
    "1\n"
    "00:00:01,000 --> 00:00:02,500\n"
    "Hello.\n"
    "\n"
    "2\n"
    "01:02:03,004 --> 01:02:04,000\n"
    "Two\n"
    "lines.\n"
    "\n";

TEST(ParseSrt, ReadsCuesIntoTheModel) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseSrt(kTwoCues, "en.srt"));
  EXPECT_THAT(
      subtitles.cues,
      ElementsAre(
          Cue{.start_ms = 1000, .end_ms = 2500, .text = "Hello.", .source_line = 2},
          Cue{.start_ms = 3723004, .end_ms = 3724000, .text = "Two\nlines.", .source_line = 6}));
  EXPECT_THAT(subtitles.warnings, IsEmpty());
  EXPECT_THAT(subtitles.style_blocks, IsEmpty());
  EXPECT_THAT(subtitles.region_blocks, IsEmpty());
}

// What real files vary in, read as kTwoCues is, with no warning.
TEST(ParseSrt, ToleratesWhatRealFilesHave) {
  struct Case {
    std::string name;
    std::string text;
  };
  const std::string crlf = absl::StrReplaceAll(kTwoCues, {{"\n", "\r\n"}});
  for (const Case& c : std::vector<Case>{
           {"BOM and CRLF", "\xEF\xBB\xBF" + crlf},
           {"CR only", absl::StrReplaceAll(kTwoCues, {{"\n", "\r"}})},
           {"no final empty line",
            "1\n00:00:01,000 --> 00:00:02,500\nHello.\n\n"
            "2\n01:02:03,004 --> 01:02:04,000\nTwo\nlines."},
           {"extra empty lines",
            "\n\n1\n00:00:01,000 --> 00:00:02,500\nHello.\n\n\n\n"
            "2\n01:02:03,004 --> 01:02:04,000\nTwo\nlines.\n\n\n"},
           {"no cue numbers",
            "00:00:01,000 --> 00:00:02,500\nHello.\n\n"
            "01:02:03,004 --> 01:02:04,000\nTwo\nlines.\n"},
           {"trailing spaces",
            "1  \n00:00:01,000 --> 00:00:02,500 \nHello.  \n \t\n"
            "2\n01:02:03,004 --> 01:02:04,000\t\nTwo \nlines.\n   \n"},
           {"dot before milliseconds, hours of one digit, no spaces at the arrow",
            "1\n00:00:01.000 --> 0:00:02.500\nHello.\n\n"
            "2\n1:02:03,004-->01:02:04,000\nTwo\nlines.\n"},
       }) {
    ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseSrt(c.text, "en.srt"));
    ASSERT_THAT(subtitles.cues, SizeIs(2)) << c.name;
    EXPECT_EQ(subtitles.cues[0].start_ms, 1000) << c.name;
    EXPECT_EQ(subtitles.cues[0].end_ms, 2500) << c.name;
    EXPECT_EQ(subtitles.cues[0].text, "Hello.") << c.name;
    EXPECT_EQ(subtitles.cues[1].start_ms, 3723004) << c.name;
    EXPECT_EQ(subtitles.cues[1].text, "Two\nlines.") << c.name;
    EXPECT_THAT(subtitles.warnings, IsEmpty()) << c.name;
  }
}

TEST(ParseSrt, BomAndCrlfKeepLineNumbers) {
  const std::string crlf = absl::StrReplaceAll(kTwoCues, {{"\n", "\r\n"}});
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseSrt("\xEF\xBB\xBF" + crlf, "en.srt"));
  ASSERT_THAT(subtitles.cues, SizeIs(2));
  EXPECT_EQ(subtitles.cues[0].source_line, 2);
  EXPECT_EQ(subtitles.cues[1].source_line, 6);
  EXPECT_THAT(ParseSrt("\xEF\xBB\xBF"
                       "1\r\n00:00:01,000 --> 00:00:02,500\r\nHi\r\n\r\n"
                       "2\r\n00:00:03,000 --> 00:00:02,000\r\nHo\r\n",
                       "en.srt"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("en.srt:6:")));
}

TEST(ParseSrt, IgnoresLinesThatAreNotCueNumbersWithAWarning) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseSrt("Cue one\n00:00:01,000 --> 00:00:02,000\nA\n\n"
                                                     "00:00:03,000 --> 00:00:04,000\nB\n\n"
                                                     "#3\n00:00:05,000 --> 00:00:06,000\nC\n",
                                                     "en.srt"));
  ASSERT_THAT(subtitles.cues, SizeIs(3));
  EXPECT_EQ(subtitles.cues[0].text, "A");
  EXPECT_EQ(subtitles.cues[2].text, "C");
  EXPECT_EQ(subtitles.cues[2].source_line, 9);
  EXPECT_THAT(subtitles.warnings,
              ElementsAre("en.srt: ignored 2 lines before timing lines that are not cue numbers "
                          "(first at line 1: \"Cue one\")"));
}

TEST(ParseSrt, IgnoresCoordinatesWithAWarning) {
  ASSERT_OK_AND_ASSIGN(
      Subtitles subtitles,
      ParseSrt("1\n00:00:01,000 --> 00:00:02,000  X1:100 X2:600 Y1:50 Y2:-10\nA\n\n"
               "2\n00:00:03,000 --> 00:00:04,000 x1:1 y2:2\nB\n",
               "en.srt"));
  ASSERT_THAT(subtitles.cues, SizeIs(2));
  EXPECT_EQ(subtitles.cues[0].end_ms, 2000);
  EXPECT_EQ(subtitles.cues[0].settings, "");
  EXPECT_THAT(subtitles.warnings,
              ElementsAre(AllOf(HasSubstr("en.srt: ignored the X1/X2/Y1/Y2 coordinates after 2 "
                                          "timing lines (first at line 2)"))));
}

TEST(ParseSrt, ATimingLineRightAfterTextStartsANewCue) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseSrt("1\n00:00:01,000 --> 00:00:02,000\nA\n"
                                                     "2\n00:00:03,000 --> 00:00:04,000\nB\n"
                                                     "00:00:05,000 --> 00:00:06,000\nC\n",
                                                     "en.srt"));
  ASSERT_THAT(subtitles.cues, SizeIs(3));
  EXPECT_EQ(subtitles.cues[0].text, "A");  // "2" is the next cue's number, not text.
  EXPECT_EQ(subtitles.cues[1].text, "B");
  EXPECT_EQ(subtitles.cues[1].source_line, 5);
  EXPECT_EQ(subtitles.cues[2].start_ms, 5000);
  EXPECT_EQ(subtitles.cues[2].source_line, 7);
  EXPECT_THAT(subtitles.warnings,
              ElementsAre("en.srt: read 2 timing lines right after a cue's text, with no empty "
                          "line between, as new cues (first at line 5)"));
}

TEST(ParseSrt, LeavesOutCuesWithoutTextWithAWarning) {
  ASSERT_OK_AND_ASSIGN(
      Subtitles subtitles,
      ParseSrt("1\n00:00:01,000 --> 00:00:02,000\n\n"
               "2\n00:00:03,000 --> 00:00:04,000\nB\n\n"
               "3\n00:00:05,000 --> 00:00:06,000\n{\\an8}<font color=red></font>\n",
               "en.srt"));
  ASSERT_THAT(subtitles.cues, SizeIs(1));
  EXPECT_EQ(subtitles.cues[0].text, "B");
  EXPECT_THAT(subtitles.warnings,
              ElementsAre("en.srt: left out 2 cues without text (first at line 2)",
                          HasSubstr("dropped 2 <font> tags")));
}

TEST(ParseSrt, KeepsOverlappingCuesWithOneWarning) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseSrt("1\n00:00:01,000 --> 00:00:05,000\nA\n\n"
                                                     "2\n00:00:02,000 --> 00:00:03,000\nB\n\n"
                                                     "3\n00:00:04,000 --> 00:00:06,000\nC\n\n"
                                                     "4\n00:00:06,000 --> 00:00:07,000\nD\n",
                                                     "en.srt"));
  EXPECT_THAT(subtitles.cues, SizeIs(4));
  EXPECT_THAT(subtitles.warnings,
              ElementsAre("en.srt: kept 2 cues that start before an earlier cue ends (first at "
                          "line 6): players show overlapping cues together"));
}

TEST(ParseSrt, SortsCuesByStartKeepingFileOrderOfEqualStarts) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseSrt("1\n00:00:05,000 --> 00:00:06,000\nLate\n\n"
                                                     "2\n00:00:01,000 --> 00:00:02,000\nFirst\n\n"
                                                     "3\n00:00:01,000 --> 00:00:02,000\nSecond\n",
                                                     "en.srt"));
  ASSERT_THAT(subtitles.cues, SizeIs(3));
  EXPECT_EQ(subtitles.cues[0].text, "First");
  EXPECT_EQ(subtitles.cues[0].source_line, 6);
  EXPECT_EQ(subtitles.cues[1].text, "Second");
  EXPECT_EQ(subtitles.cues[2].text, "Late");
  EXPECT_EQ(subtitles.cues[2].source_line, 2);
}

TEST(ParseSrt, TextBecomesWebVttPayload) {
  struct Case {
    std::string srt_text;
    std::string payload;
  };
  for (const Case& c : std::vector<Case>{
           {"<i>Italic</i> and <b>bold</b> and <u>under</u>",
            "<i>Italic</i> and <b>bold</b> and <u>under</u>"},
           {"<I>Shout</I>", "<i>Shout</i>"},
           {"Tom & Jerry <3", "Tom &amp; Jerry &lt;3"},
           {"a > b, &amp; <c.red>x</c>", "a &gt; b, &amp;amp; &lt;c.red&gt;x&lt;/c&gt;"},
           {"<<i>x</i>>", "&lt;<i>x</i>&gt;"},
           {"{curly} {\\unclosed", "{curly} {\\unclosed"},
           {"Line one  \nLine two", "Line one\nLine two"},
       }) {
    ASSERT_OK_AND_ASSIGN(
        Subtitles subtitles,
        ParseSrt("1\n00:00:01,000 --> 00:00:02,000\n" + c.srt_text + "\n", "x.srt"));
    ASSERT_THAT(subtitles.cues, SizeIs(1)) << c.srt_text;
    EXPECT_EQ(subtitles.cues[0].text, c.payload) << c.srt_text;
    EXPECT_THAT(subtitles.warnings, IsEmpty()) << c.srt_text;
  }
}

TEST(ParseSrt, DropsFontTagsWithOneWarning) {
  ASSERT_OK_AND_ASSIGN(
      Subtitles subtitles,
      ParseSrt("1\n00:00:01,000 --> 00:00:02,000\n<font color=\"#ffff00\">Yellow</font> text\n"
               "<FONT face=Arial size=3>Big</FONT >\n",
               "en.srt"));
  ASSERT_THAT(subtitles.cues, SizeIs(1));
  EXPECT_EQ(subtitles.cues[0].text, "Yellow text\nBig");
  EXPECT_THAT(subtitles.warnings,
              ElementsAre("en.srt: dropped 4 <font> tags (first at line 3): WebVTT has no "
                          "<font>, colours come from the player"));
}

TEST(ParseSrt, PositionTagBecomesCueSettings) {
  struct Case {
    std::string tag;
    std::string settings;
  };
  for (const Case& c : std::vector<Case>{
           {"{\\an8}", "line:5%,start align:center"},
           {"{\\an7}", "line:5%,start position:5%,line-left align:left"},
           {"{\\an9}", "line:5%,start position:95%,line-right align:right"},
           {"{\\an5}", "line:50%,center align:center"},
           {"{\\an4}", "line:50%,center position:5%,line-left align:left"},
           {"{\\an3}", "position:95%,line-right align:right"},
           {"{\\an2}", ""},
       }) {
    ASSERT_OK_AND_ASSIGN(
        Subtitles subtitles,
        ParseSrt("1\n00:00:01,000 --> 00:00:02,000\n" + c.tag + "Up here\n", "en.srt"));
    ASSERT_THAT(subtitles.cues, SizeIs(1)) << c.tag;
    EXPECT_EQ(subtitles.cues[0].settings, c.settings) << c.tag;
    EXPECT_EQ(subtitles.cues[0].text, "Up here") << c.tag;
    EXPECT_THAT(subtitles.warnings, IsEmpty()) << c.tag;
  }
}

TEST(ParseSrt, RemovesOtherOverrideTagsWithOneWarning) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles,
                       ParseSrt("1\n00:00:01,000 --> 00:00:02,000\n{\\an8}\n<i>{\\pos(10,20)}Top"
                                "{\\an2}</i>\n\n"
                                "2\n00:00:03,000 --> 00:00:04,000\n{\\an1\\b1}Bottom left\n",
                                "en.srt"));
  ASSERT_THAT(subtitles.cues, SizeIs(2));
  // The line of only {\an8} is gone; its tag still places the cue.
  EXPECT_EQ(subtitles.cues[0].text, "<i>Top</i>");
  EXPECT_EQ(subtitles.cues[0].settings, "line:5%,start align:center");
  EXPECT_EQ(subtitles.cues[1].text, "Bottom left");
  EXPECT_EQ(subtitles.cues[1].settings, "position:5%,line-left align:left");
  EXPECT_THAT(subtitles.warnings,
              ElementsAre("en.srt: removed 3 {\\...} override tags (first at line 4: "
                          "\"{\\pos(10,20)}\"): only a cue's first {\\anN} is used, for its "
                          "position"));
}

TEST(ParseSrt, ErrorsNameTheLine) {
  struct Case {
    std::string name;
    std::string text;
    std::string where;    // "en.srt:N:"
    std::string message;  // Part of what follows.
  };
  const std::string ok_cue = "1\n00:00:01,000 --> 00:00:02,000\nOK\n\n";  // Lines 1-4.
  for (const Case& c : std::vector<Case>{
           {"no arrow", ok_cue + "2\n00:00:03,000 - 00:00:04,000\nX\n", "en.srt:6:",
            "expected the timing line of cue 2, found \"00:00:03,000 - 00:00:04,000\""},
           {"arrow but one timestamp", ok_cue + "2\n00:00:03,000 -->\nX\n",
            "en.srt:6:", "malformed timing line \"00:00:03,000 -->\""},
           {"junk after the end", ok_cue + "2\n00:00:03,000 --> 00:00:04,000 align:top\nX\n",
            "en.srt:6:", "malformed timing line"},
           {"two digits of milliseconds", ok_cue + ok_cue + "3\n00:00:03,00 --> 00:00:04,000\nX\n",
            "en.srt:10:", "\"00:00:03,00\" is not an SRT timestamp"},
           {"one digit of minutes", ok_cue + "2\n00:00:03,000 --> 00:0:04,000\nX\n",
            "en.srt:6:", "\"00:0:04,000\" is not an SRT timestamp"},
           {"no hours", ok_cue + "2\n00:03,000 --> 00:00:04,000\nX\n",
            "en.srt:6:", "is not an SRT timestamp"},
           {"minutes of 60", ok_cue + "2\n00:60:03,000 --> 01:00:04,000\nX\n",
            "en.srt:6:", "\"00:60:03,000\" has 60 minutes: minutes and seconds must be below 60"},
           {"seconds of 75", ok_cue + "2\n00:00:03,000 --> 00:00:75,000\nX\n",
            "en.srt:6:", "\"00:00:75,000\" has 75 seconds"},
           {"end before start", ok_cue + "2\n00:00:04,000 --> 00:00:03,000\nX\n",
            "en.srt:6:", "the cue ends (00:00:03,000) before it starts (00:00:04,000)"},
           {"end at start", ok_cue + "2\n00:00:04,000 --> 00:00:04,000\nX\n",
            "en.srt:6:", "the cue ends (00:00:04,000) when it starts"},
           {"text after an empty line", "1\n00:00:01,000 --> 00:00:02,000\nOK\n\nmore text\n",
            "en.srt:5:", "text outside a cue: \"more text\""},
           {"a number and an empty line", ok_cue + "2\n\nX\n",
            "en.srt:6:", "expected the timing line of cue 2, found an empty line"},
           {"a number at the end", ok_cue + "2\n", "en.srt:5:", "the file ends with cue number 2"},
       }) {
    EXPECT_THAT(ParseSrt(c.text, "en.srt"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(c.where), HasSubstr(c.message))))
        << c.name;
  }
}

TEST(ParseSrt, RefusesAFileWithoutCues) {
  for (const std::string& text :
       {std::string(""), std::string("\n\n  \n"), std::string("\xEF\xBB\xBF")}) {
    EXPECT_THAT(ParseSrt(text, "en.srt"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("en.srt: no cues"), Not(HasSubstr("without text")))));
  }
  EXPECT_THAT(ParseSrt("1\n00:00:01,000 --> 00:00:02,000\n\n", "en.srt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("en.srt: no cues with text (1 cue without text (first at line "
                                 "2))")));
}

TEST(ParseSrt, RefusesWhatIsNotUtf8OrTooLarge) {
  EXPECT_THAT(ParseSrt("1\n00:00:01,000 --> 00:00:02,000\ncaf\xE9\n", "fr.srt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("fr.srt"), HasSubstr("Windows-1252"))));
  const std::string huge(kMaxSubtitleFileBytes + 1, '\n');
  EXPECT_THAT(ParseSrt(huge, "big.srt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("big.srt: 16777217 bytes"), HasSubstr("16777216"))));
}

}  // namespace
}  // namespace atp::subtitle
