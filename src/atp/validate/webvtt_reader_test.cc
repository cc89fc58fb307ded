// The validator's own WebVTT reader, on good files, broken ones and garbage (these also run
// in the sanitizer build).
#include "atp/validate/webvtt_reader.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "atp/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

using ::atp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

// "line: message" of each problem.
std::vector<std::string> Problems(const WebVttDocument& document) {
  std::vector<std::string> problems;
  for (const WebVttProblem& problem : document.problems) {
    problems.push_back(std::to_string(problem.line) + ": " + problem.message);
  }
  return problems;
}

// "line start end" of each cue.
std::vector<std::string> Cues(const WebVttDocument& document) {
  std::vector<std::string> cues;
  for (const WebVttCue& cue : document.cues) {
    cues.push_back(std::to_string(cue.line) + " " + std::to_string(cue.start_ms) + " " +
                   std::to_string(cue.end_ms));
  }
  return cues;
}

TEST(ParseWebVttTimestamp, ReadsTheFormsThePaserAccepts) {
  EXPECT_THAT(ParseWebVttTimestamp("00:01.000"), Optional(1000));
  EXPECT_THAT(ParseWebVttTimestamp("01:02.003"), Optional(62003));
  EXPECT_THAT(ParseWebVttTimestamp("00:00:05.250"), Optional(5250));
  EXPECT_THAT(ParseWebVttTimestamp("1:00:00.000"), Optional(3600000));
  EXPECT_THAT(ParseWebVttTimestamp("100:00:00.001"), Optional(360000001));
  EXPECT_THAT(ParseWebVttTimestamp("999999999:59:59.999"), Optional(3599999999999999));
  for (const char* bad : {"", "00:00", "00:00:00", "00:60.000", "00:00:60.000", "00:00.00",
                          "00:00.0000", "00:00,000", "0:00.000", "00:00:00.000 ",
                          "1234567890:00:00.000", "-00:01.000", "00:1.000", "aa:bb.ccc"}) {
    EXPECT_EQ(ParseWebVttTimestamp(bad), std::nullopt) << bad;
  }
}

TEST(FormatWebVttTime, WritesHoursMinutesSecondsMilliseconds) {
  EXPECT_EQ(FormatWebVttTime(0), "00:00:00.000");
  EXPECT_EQ(FormatWebVttTime(3723004), "01:02:03.004");
  EXPECT_EQ(FormatWebVttTime(-1500), "-00:00:01.500");
}

TEST(ParseWebVtt, ReadsAnHlsSegment) {
  ASSERT_OK_AND_ASSIGN(WebVttDocument document,
                       ParseWebVtt("WEBVTT\n"
                                   "X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n"
                                   "\n"
                                   "STYLE\n"
                                   "::cue { color: yellow; }\n"
                                   "\n"
                                   "REGION\n"
                                   "id:top\n"
                                   "\n"
                                   "NOTE a comment\n"
                                   "that goes on\n"
                                   "\n"
                                   "1\n"
                                   "00:00:01.000 --> 00:00:03.500 line:90% align:center\n"
                                   "Hello.\n"
                                   "\n"
                                   "00:05.500 --> 00:07.000\n"
                                   "<i>Two</i>\n"
                                   "lines\n"));
  EXPECT_THAT(Problems(document), IsEmpty());
  EXPECT_THAT(Cues(document), ElementsAre("14 1000 3500", "17 5500 7000"));
  ASSERT_TRUE(document.timestamp_map.has_value());
  EXPECT_EQ(document.timestamp_map->line, 2);
  EXPECT_EQ(document.timestamp_map->mpegts, 900000);
  EXPECT_EQ(document.timestamp_map->local_ms, 0);
  EXPECT_EQ(document.timestamp_map->offset_ticks(), 900000);
}

TEST(ParseWebVtt, AcceptsABomATitleAndEveryLineEnding) {
  for (const std::string& text : {
           std::string("\xEF\xBB\xBFWEBVTT\n\n00:01.000 --> 00:02.000\nx\n"),
           std::string("WEBVTT - a title\r\n\r\n00:01.000 --> 00:02.000\r\nx\r\n"),
           std::string("WEBVTT\tx\r\r00:01.000 --> 00:02.000\rx"),
           std::string("WEBVTT\n\n00:01.000-->00:02.000"),
       }) {
    ASSERT_OK_AND_ASSIGN(WebVttDocument document, ParseWebVtt(text));
    EXPECT_THAT(Problems(document), IsEmpty()) << text;
    EXPECT_THAT(Cues(document), ElementsAre("3 1000 2000")) << text;
    EXPECT_FALSE(document.timestamp_map.has_value());
  }
  ASSERT_OK_AND_ASSIGN(WebVttDocument empty, ParseWebVtt("WEBVTT"));
  EXPECT_THAT(Cues(empty), IsEmpty());
}

TEST(ParseWebVtt, ReadsTheTimestampMapInEitherOrder) {
  ASSERT_OK_AND_ASSIGN(WebVttDocument document,
                       ParseWebVtt("WEBVTT\nX-TIMESTAMP-MAP=LOCAL:00:00:10.000,MPEGTS:900000\n"));
  ASSERT_TRUE(document.timestamp_map.has_value());
  EXPECT_EQ(document.timestamp_map->local_ms, 10000);
  EXPECT_EQ(document.timestamp_map->offset_ticks(), 0);
  for (const char* bad :
       {"X-TIMESTAMP-MAP=MPEGTS:0", "X-TIMESTAMP-MAP=LOCAL:00:00.000",
        "X-TIMESTAMP-MAP=MPEGTS:x,LOCAL:00:00.000", "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:0",
        "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00.000,MPEGTS:1",
        "X-TIMESTAMP-MAP=", "X-TIMESTAMP-MAP=MPEGTS:99999999999999999999,LOCAL:00:00.000"}) {
    ASSERT_OK_AND_ASSIGN(WebVttDocument broken, ParseWebVtt(std::string("WEBVTT\n") + bad));
    EXPECT_FALSE(broken.timestamp_map.has_value()) << bad;
    EXPECT_THAT(broken.timestamp_map_problem, Optional(Field(&WebVttProblem::line, 2))) << bad;
  }
}

TEST(ParseWebVtt, RefusesWhatIsNotWebVtt) {
  for (const std::string& text :
       {std::string(), std::string("WEBVT"), std::string("WEBVTTX\n"), std::string("webvtt\n"),
        std::string("\n\nWEBVTT\n"), std::string("\x89PNG\r\n\x1a\n\0", 9),
        std::string("1\n00:00:01,000 --> 00:00:02,000\nSRT\n")}) {
    EXPECT_THAT(ParseWebVtt(text),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not WebVTT")))
        << text;
  }
  EXPECT_THAT(ParseWebVtt(std::string(kMaxWebVttFileBytes + 1, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("over the WebVTT limit")));
}

TEST(ParseWebVtt, ReportsEachFaultWithItsLine) {
  ASSERT_OK_AND_ASSIGN(
      WebVttDocument document,
      ParseWebVtt("WEBVTT\n"                         // 1
                  "\n"                               // 2
                  "00:00:05.000 --> 00:00:04.000\n"  // 3: ends before it starts
                  "backwards\n"                      // 4
                  "\n"                               // 5
                  "id\n"                             // 6
                  "00:00:01,000 --> 00:00:02,000\n"  // 7: SRT commas
                  "commas\n"                         // 8
                  "\n"                               // 9
                  "00:00:03.000 --> 00:00:04.000\n"  // 10: fine
                  "text\n"                           // 11
                  "00:00:02.000 --> 00:00:05.000\n"  // 12: no blank line; out of order
                  "\n"                               // 13
                  "just some text\n"                 // 14: not a cue
                  "\n"                               // 15
                  "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n"  // 16: after the header
                  "\n"                                             // 17
                  "00:00:06.000 --> 00:00:07.000 \xff\n"           // 18: not UTF-8
                  "x\n"));
  EXPECT_THAT(
      Problems(document),
      ElementsAre(
          "18: byte 31 of the line is not UTF-8 (WebVTT is UTF-8)",
          "3: the cue ends at 00:00:04.000, not after it starts (00:00:05.000): players never "
          "show it",
          "7: malformed cue timing line \"00:00:01,000 --> 00:00:02,000\": expected [HH:]MM:SS.mmm "
          "--> [HH:]MM:SS.mmm [settings]",
          "12: a cue timing line without a blank line before it (or \"-->\" in a cue's text, "
          "which must not hold it)",
          "12: the cue starts at 00:00:02.000, before the cue of line 10 (00:00:03.000): WebVTT "
          "cues are in order of their start",
          "14: block starting \"just some text\" is no cue (no \"-->\" timing line on its first or "
          "second line), NOTE, STYLE or REGION: players drop it",
          "16: X-TIMESTAMP-MAP after the header: players ignore it here"));
  EXPECT_THAT(Cues(document), ElementsAre("10 3000 4000", "12 2000 5000", "18 6000 7000"));
  EXPECT_FALSE(document.timestamp_map.has_value());
}

TEST(ParseWebVtt, KeepsAtMostTheProblemLimit) {
  std::string text = "WEBVTT\n";
  for (int i = 0; i < 1000; ++i) text += "\n00:00:0x.000 --> 00:00:01.000\n";
  ASSERT_OK_AND_ASSIGN(WebVttDocument document, ParseWebVtt(text));
  EXPECT_EQ(document.problems.size(), static_cast<size_t>(kMaxWebVttProblems));
  EXPECT_EQ(document.problems_left_out, 1000 - kMaxWebVttProblems);
  // A long line is quoted in part.
  ASSERT_OK_AND_ASSIGN(WebVttDocument long_line,
                       ParseWebVtt("WEBVTT\n\n-->" + std::string(100000, 'x') + "\n"));
  ASSERT_EQ(long_line.problems.size(), 1u);
  EXPECT_LT(long_line.problems[0].message.size(), 200u);
}

// Garbage and mutations of a good file: never a crash (the sanitizer build checks the reads),
// every cue ends after it starts, every problem has a line of the file.
TEST(ParseWebVtt, SurvivesGarbage) {
  const std::string good =
      "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\nSTYLE\n::cue {}\n\n1\n"
      "00:00:01.000 --> 00:00:03.500 line:90%\nHello.\n\n00:05.500 --> 00:07.000\nx\n";
  const std::string alphabet = "WEBVT-X>:.0123456789 \n\r\t\xef\xbb\xbf\xff\xc3";
  uint32_t state = 2024;
  auto next = [&] {
    state = state * 1664525 + 1013904223;
    return state >> 8;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string text = round % 2 == 0 ? good : "WEBVTT\n";
    const int edits = 1 + next() % 40;
    for (int e = 0; e < edits; ++e) {
      const size_t at = text.empty() ? 0 : next() % (text.size() + 1);
      switch (next() % 3) {
        case 0:
          text.insert(
              at, 1,
              round % 5 == 0 ? static_cast<char>(next()) : alphabet[next() % alphabet.size()]);
          break;
        case 1:
          if (at < text.size()) text.erase(at, 1 + next() % 4);
          break;
        default:
          if (at < text.size()) text[at] = alphabet[next() % alphabet.size()];
      }
    }
    absl::StatusOr<WebVttDocument> document = ParseWebVtt(text);
    if (!document.ok()) continue;
    const int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n') +
                                           std::count(text.begin(), text.end(), '\r'));
    for (const WebVttCue& cue : document->cues) {
      EXPECT_LT(cue.start_ms, cue.end_ms);
      EXPECT_GE(cue.start_ms, 0);
      EXPECT_GE(cue.line, 1);
      EXPECT_LE(cue.line, lines);
    }
    for (const WebVttProblem& problem : document->problems) {
      EXPECT_GE(problem.line, 1);
      EXPECT_LE(problem.line, lines);
    }
  }
}

}  // namespace
}  // namespace atp::validate
