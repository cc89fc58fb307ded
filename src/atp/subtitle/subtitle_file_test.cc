#include "atp/subtitle/subtitle_file.h"

#include "atp/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::subtitle {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

// Each manifest format name reaches its own parser: the same cue, written four ways.
TEST(ParseSubtitleFile, EachFormatIsReadByItsParser) {
  const struct {
    std::string format;
    std::string bytes;
  } cases[] = {
      {"WebVTT", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n"},
      {"SRT", "1\n00:00:01,000 --> 00:00:02,000\nHello\n"},
      {"TTML",
       "<tt xmlns=\"http://www.w3.org/ns/ttml\"><body><div>"
       "<p begin=\"1s\" end=\"2s\">Hello</p></div></body></tt>"},
      {"ASS",
       "[Script Info]\nPlayResX: 640\nPlayResY: 360\n\n[Events]\n"
       "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
       "Dialogue: 0,0:00:01.00,0:00:02.00,Default,Mika,0,0,0,,Hello\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.format);
    ASSERT_OK_AND_ASSIGN(const SubtitleFile file, ParseSubtitleFile(c.bytes, c.format, "x"));
    ASSERT_EQ(file.dialogue.cues.size(), 1u);
    EXPECT_EQ(file.dialogue.cues[0].start_ms, 1000);
    EXPECT_EQ(file.dialogue.cues[0].end_ms, 2000);
    EXPECT_EQ(file.dialogue.cues[0].text, "Hello");
    EXPECT_TRUE(file.signs.cues.empty());
  }
  // An SRT file declared as WebVTT is refused by the WebVTT parser, naming the file.
  EXPECT_THAT(ParseSubtitleFile(cases[1].bytes, "WebVTT", "en.srt"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("en.srt:1:")));
  EXPECT_THAT(ParseSubtitleFile("", "DOCX", "x.docx"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'DOCX'")));
}

// ASS events of a sign style go to the signs.
TEST(ParseSubtitleFile, AssSignsAreSplitOut) {
  ASSERT_OK_AND_ASSIGN(
      const SubtitleFile file,
      ParseSubtitleFile("[Script Info]\nPlayResX: 640\nPlayResY: 360\n\n[V4+ Styles]\n"
                        "Format: Name, Alignment\nStyle: Default,2\nStyle: Sign,8\n\n[Events]\n"
                        "Format: Layer, Start, End, Style, Name, Text\n"
                        "Dialogue: 0,0:00:01.00,0:00:02.00,Default,Mika,Hello\n"
                        "Dialogue: 0,0:00:01.00,0:00:03.00,Sign,,{\\pos(320,36)}Station\n",
                        "ASS", "ep1.ass"));
  ASSERT_EQ(file.dialogue.cues.size(), 1u);
  ASSERT_EQ(file.signs.cues.size(), 1u);
  EXPECT_EQ(file.signs.cues[0].text, "Station");
  EXPECT_THAT(file.signs.cues[0].settings, HasSubstr("position:50%"));
}

}  // namespace
}  // namespace atp::subtitle
