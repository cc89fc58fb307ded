#include "atp/package/webvtt_writer.h"

#include "gtest/gtest.h"

namespace atp::package {
namespace {

subtitle::Subtitles Example() {
  subtitle::Subtitles subtitles;
  subtitles.style_blocks = {"::cue { color: yellow }"};
  subtitles.cues = {
      {.start_ms = 1000, .end_ms = 2500, .text = "<i>First</i>", .identifier = "one"},
      // Spans the boundary at 6 s.
      {.start_ms = 5500, .end_ms = 6500, .text = "Across\nthe cut", .settings = "line:10%"},
      {.start_ms = 7000, .end_ms = 3723004, .text = "Tom &amp; Jerry"},
  };
  return subtitles;
}

TEST(WriteWebVttFile, WritesEveryCueWithItsSettingsAndIdentifier) {
  EXPECT_EQ(WriteWebVttFile(Example()),
            "WEBVTT\n\n"
            "STYLE\n::cue { color: yellow }\n\n"
            "one\n00:00:01.000 --> 00:00:02.500\n<i>First</i>\n\n"
            "00:00:05.500 --> 00:00:06.500 line:10%\nAcross\nthe cut\n\n"
            "00:00:07.000 --> 01:02:03.004\nTom &amp; Jerry\n\n");
}

// Each segment holds the cues shown during it, with their own times: the one spanning 6 s is
// in both segments, unchanged; an empty segment is a valid WebVTT file with its timestamp map.
TEST(WriteWebVttSegment, HoldsTheCuesShownDuringItWithTheirOwnTimes) {
  const subtitle::Subtitles subtitles = Example();
  const std::string header =
      "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\nSTYLE\n::cue { color: yellow }\n\n";
  EXPECT_EQ(WriteWebVttSegment(subtitles, 0, 6000),
            header +
                "one\n00:00:01.000 --> 00:00:02.500\n<i>First</i>\n\n"
                "00:00:05.500 --> 00:00:06.500 line:10%\nAcross\nthe cut\n\n");
  EXPECT_EQ(WriteWebVttSegment(subtitles, 6000, 7000),
            header + "00:00:05.500 --> 00:00:06.500 line:10%\nAcross\nthe cut\n\n");
  // A cue ending exactly at a segment's start is not in it; one starting at its end is not
  // either.
  EXPECT_EQ(WriteWebVttSegment(subtitles, 2500, 5500), header);
}

}  // namespace
}  // namespace atp::package
