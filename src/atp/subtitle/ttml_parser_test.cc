#include "atp/subtitle/ttml_parser.h"

#include <string>
#include <vector>

#include "atp/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::subtitle {
namespace {

using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Matcher;

Matcher<Cue> CueIs(int64_t start_ms, int64_t end_ms, const std::string& text,
                   const std::string& settings = "") {
  return AllOf(Field("start_ms", &Cue::start_ms, start_ms), Field("end_ms", &Cue::end_ms, end_ms),
               Field("text", &Cue::text, text), Field("settings", &Cue::settings, settings));
}

// A TTML document with the usual namespaces, `tt_attributes` on the root, `head` and `body`'s
// content (in <body>).
std::string Ttml(const std::string& tt_attributes, const std::string& body,
                 const std::string& head = "") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"
    xmlns:ttp="http://www.w3.org/ns/ttml#parameter" )" +
         tt_attributes + ">\n<head>" + head + "</head>\n<body>" + body + "</body>\n</tt>\n";
}

TEST(ParseTtml, ClockTimesWithFractionsAndFrames) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseTtml(Ttml(R"(ttp:frameRate="24")", R"(
      <p begin="00:00:01:12" end="00:00:02.250">a</p>
      <p begin="00:01:00.1" end="01:00:00">b</p>
      <p begin="00:00:03" end="00:00:03.0005">c</p>
      <p begin="100:00:00.000" end="100:00:01:23">d</p>)"),
                                                      "en.ttml"));
  EXPECT_THAT(subtitles.cues,
              ElementsAre(CueIs(1500, 2250, "a"), CueIs(3000, 3001, "c"),
                          CueIs(60100, 3600000, "b"), CueIs(360000000, 360001958, "d")));
  EXPECT_THAT(subtitles.warnings, IsEmpty());

  // No ttp:frameRate: 30 frames a second.
  ASSERT_OK_AND_ASSIGN(
      subtitles, ParseTtml(Ttml("", R"(<p begin="00:00:00:15" end="00:00:01:00">a</p>)"), "x"));
  EXPECT_THAT(subtitles.cues, ElementsAre(CueIs(500, 1000, "a")));

  // 29.97 frames a second: frame 29 is at 29 * 1001 / 30000 s.
  ASSERT_OK_AND_ASSIGN(subtitles,
                       ParseTtml(Ttml(R"(ttp:frameRate="30" ttp:frameRateMultiplier="1000 1001")",
                                      R"(<p begin="00:00:00:29" end="00:00:10:00">a</p>)"),
                                 "x"));
  EXPECT_THAT(subtitles.cues, ElementsAre(CueIs(968, 10000, "a")));
}

TEST(ParseTtml, OffsetTimes) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles,
                       ParseTtml(Ttml(R"(ttp:frameRate="24" ttp:tickRate="10000")", R"(
      <p begin="12.5s" end="13500ms">s ms</p>
      <p begin="2m" end="1h">m h</p>
      <p begin="1000t" end="30f">t f</p>
      <p begin="0.5h" dur="1.5m">fractions</p>)"),
                                 "en.ttml"));
  EXPECT_THAT(subtitles.cues,
              ElementsAre(CueIs(100, 1250, "t f"), CueIs(12500, 13500, "s ms"),
                          CueIs(120000, 3600000, "m h"), CueIs(1800000, 1890000, "fractions")));

  // No ttp:tickRate: the effective frame rate when a frame rate is given, else 1.
  ASSERT_OK_AND_ASSIGN(
      subtitles,
      ParseTtml(Ttml(R"(ttp:frameRate="25")", R"(<p begin="50t" end="75t">a</p>)"), "x"));
  EXPECT_THAT(subtitles.cues, ElementsAre(CueIs(2000, 3000, "a")));
  ASSERT_OK_AND_ASSIGN(subtitles,
                       ParseTtml(Ttml(R"(ttp:frameRate="30" ttp:frameRateMultiplier="1000 1001")",
                                      R"(<p begin="60t" end="90t">a</p>)"),
                                 "x"));
  EXPECT_THAT(subtitles.cues, ElementsAre(CueIs(2002, 3003, "a")));
  ASSERT_OK_AND_ASSIGN(subtitles, ParseTtml(Ttml("", R"(<p begin="3t" end="4t">a</p>)"), "x"));
  EXPECT_THAT(subtitles.cues, ElementsAre(CueIs(3000, 4000, "a")));
}

TEST(ParseTtml, TimesCountFromTheParentsBegin) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseTtml(Ttml("", R"(
  <div begin="10s" end="30s">
    <p begin="1s" end="2s">a</p>
    <div begin="5s"><p begin="1s" dur="1s">b</p></div>
    <p begin="3s">c</p>
    <p begin="15s" end="40s">d</p>
    <p begin="35s" end="36s">e</p>
  </div>)"),
                                                      "en.ttml"));
  EXPECT_THAT(subtitles.cues, ElementsAre(CueIs(11000, 12000, "a"), CueIs(13000, 30000, "c"),
                                          CueIs(16000, 17000, "b"), CueIs(25000, 30000, "d")));
  EXPECT_THAT(subtitles.warnings,
              ElementsAre(HasSubstr("1 div or p elements begin after their parent ends")));
}

TEST(ParseTtml, DurInsteadOfEnd) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseTtml(Ttml("", R"(
    <p begin="1s" dur="2.5s">dur</p>
    <p begin="4s" end="10s" dur="2s">both: the earlier end</p>
    <div begin="20s"><p dur="500ms">dur alone</p></div>)"),
                                                      "en.ttml"));
  EXPECT_THAT(subtitles.cues,
              ElementsAre(CueIs(1000, 3500, "dur"), CueIs(4000, 6000, "both: the earlier end"),
                          CueIs(20000, 20500, "dur alone")));
}

TEST(ParseTtml, SpanStylesWrittenOnTheSpan) {
  ASSERT_OK_AND_ASSIGN(
      Subtitles subtitles,
      ParseTtml(Ttml("", R"(<p begin="0s" end="1s">plain <span tts:fontStyle="italic">it</span>
<span tts:fontWeight="bold">bo</span> <span tts:textDecoration="underline">un</span>
<span tts:fontStyle="italic">a <span tts:fontWeight="bold">b</span> c</span></p>)"),
                "en.ttml"));
  EXPECT_THAT(
      subtitles.cues,
      ElementsAre(CueIs(0, 1000, "plain <i>it</i> <b>bo</b> <u>un</u> <i>a <b>b</b> c</i>")));
}

TEST(ParseTtml, SpanStylesFromReferencedStyles) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseTtml(Ttml("", R"(
    <p begin="0s" end="1s"><span style="i">a</span> <span style="b">b</span>
      <span style="u">c</span> <span style="ib">d</span></p>
    <p begin="1s" end="2s" style="i">x <span tts:fontStyle="normal">y</span> z</p>)",
                                                           R"(
    <styling>
      <style xml:id="i" tts:fontStyle="italic"/>
      <style xml:id="b" tts:fontWeight="bold"/>
      <style xml:id="u" tts:textDecoration="underline"/>
      <style xml:id="ib" style="i" tts:fontWeight="bold"/>
    </styling>)"),
                                                      "en.ttml"));
  EXPECT_THAT(subtitles.cues,
              ElementsAre(CueIs(0, 1000, "<i>a</i> <b>b</b> <u>c</u> <i><b>d</b></i>"),
                          CueIs(1000, 2000, "<i>x </i>y<i> z</i>")));
}

TEST(ParseTtml, LineBreaksAndWhitespace) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseTtml(Ttml("",
                                                           "<p begin=\"0s\" end=\"1s\">\n"
                                                           "      Hello\n"
                                                           "      world   <br/>\n"
                                                           "   second\tline  </p>\n"
                                                           "<p begin=\"1s\" end=\"2s\">one"
                                                           "<br/><br/> <br/>two</p>\n"
                                                           "<p begin=\"2s\" end=\"3s\" "
                                                           "xml:space=\"preserve\">a  b\n"
                                                           "c</p>\n"
                                                           "<p begin=\"3s\" end=\"4s\"> "
                                                           "<br/> </p>"),
                                                      "en.ttml"));
  EXPECT_THAT(subtitles.cues,
              ElementsAre(CueIs(0, 1000, "Hello world\nsecond line"), CueIs(1000, 2000, "one\ntwo"),
                          CueIs(2000, 3000, "a  b\nc")));
  // xml:space on the root holds for the whole body.
  ASSERT_OK_AND_ASSIGN(
      subtitles,
      ParseTtml(Ttml("xml:space=\"preserve\"", "<p begin=\"0s\" end=\"1s\">x  y</p>"), "en.ttml"));
  EXPECT_THAT(subtitles.cues, ElementsAre(CueIs(0, 1000, "x  y")));
}

TEST(ParseTtml, EscapesForWebVtt) {
  ASSERT_OK_AND_ASSIGN(
      Subtitles subtitles,
      ParseTtml(Ttml("", R"(<p begin="0s" end="1s">Tom &amp; Jerry &lt;3 -&gt; &#233;
<![CDATA[a < b & c]]></p>)"),
                "en.ttml"));
  EXPECT_THAT(subtitles.cues,
              ElementsAre(CueIs(0, 1000, "Tom &amp; Jerry &lt;3 -&gt; é a &lt; b &amp; c")));
}

TEST(ParseTtml, RegionsPlaceTheCue) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseTtml(Ttml("", R"(
    <p begin="0s" end="1s" region="top">top</p>
    <p begin="1s" end="2s" region="bottom">bottom</p>
    <p begin="2s" end="3s" region="middle">middle</p>
    <p begin="3s" end="4s" region="upper">upper, no displayAlign</p>
    <p begin="4s" end="5s" region="cells">cells</p>
    <p begin="5s" end="6s">no region</p>
    <p begin="6s" end="7s" region="bottom" tts:textAlign="right">right</p>
    <p begin="7s" end="8s" region="top" tts:origin="10% 20%">own origin</p>
    <p begin="8s" end="9s" region="nowhere">undefined</p>)",
                                                           R"(
    <layout>
      <region xml:id="top" tts:origin="10% 5%" tts:extent="80% 20%" tts:displayAlign="before"/>
      <region xml:id="bottom" tts:origin="10% 70%" tts:extent="80% 20%"
              tts:displayAlign="after" tts:textAlign="left"/>
      <region xml:id="middle" tts:origin="10% 40%" tts:extent="80% 20%"
              tts:displayAlign="center"/>
      <region xml:id="upper" tts:origin="10% 10%" tts:extent="80% 20%"/>
      <region xml:id="cells" tts:origin="4c 1c" tts:extent="24c 3c" tts:displayAlign="before"/>
    </layout>)"),
                                                      "en.ttml"));
  EXPECT_THAT(
      subtitles.cues,
      ElementsAre(CueIs(0, 1000, "top", "line:5%,start"), CueIs(1000, 2000, "bottom", "align:left"),
                  CueIs(2000, 3000, "middle", "line:50%,center"),
                  CueIs(3000, 4000, "upper, no displayAlign", "line:10%,start"),
                  CueIs(4000, 5000, "cells", "line:6.67%,start"), CueIs(5000, 6000, "no region"),
                  CueIs(6000, 7000, "right", "align:right"),
                  CueIs(7000, 8000, "own origin", "line:20%,start"),
                  CueIs(8000, 9000, "undefined")));
  EXPECT_THAT(subtitles.warnings,
              ElementsAre(HasSubstr("regions that are not defined, placed at the bottom: "
                                    "nowhere (1 time)")));
}

TEST(ParseTtml, SpansWithTheirOwnTimesSplitTheParagraph) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseTtml(Ttml("", R"(
    <p xml:id="c1" begin="1s" end="4s">Who? <span begin="1s">Me.</span></p>
    <p xml:id="c2" begin="5s" end="6s">Alone</p>)"),
                                                      "en.ttml"));
  EXPECT_THAT(subtitles.cues, ElementsAre(CueIs(1000, 2000, "Who?"), CueIs(2000, 4000, "Who? Me."),
                                          CueIs(5000, 6000, "Alone")));
  EXPECT_EQ(subtitles.cues[0].identifier, "c1/1");
  EXPECT_EQ(subtitles.cues[1].identifier, "c1/2");
  EXPECT_EQ(subtitles.cues[2].identifier, "c2");
}

TEST(ParseTtml, SortsByStartAndKeepsTheParagraphsLine) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseTtml(Ttml("", R"(
<p begin="5s" end="6s">later</p>
<p begin="1s" end="2s">earlier</p>
<p begin="5s" end="7s">later, second in the file</p>)"),
                                                      "en.ttml"));
  ASSERT_THAT(subtitles.cues, ElementsAre(CueIs(1000, 2000, "earlier"), CueIs(5000, 6000, "later"),
                                          CueIs(5000, 7000, "later, second in the file")));
  // Lines 1-4 are the prolog, <tt>, <head>; <body> starts line 5.
  EXPECT_EQ(subtitles.cues[0].source_line, 7);
  EXPECT_EQ(subtitles.cues[1].source_line, 6);
  EXPECT_EQ(subtitles.cues[2].source_line, 8);
}

TEST(ParseTtml, ReadsThePrefixedForm) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseTtml(R"(<?xml version="1.0"?>
<tt:tt xmlns:tt="http://www.w3.org/ns/ttml" xmlns:s="http://www.w3.org/ns/ttml#styling">
  <tt:body><tt:div>
    <tt:p begin="1s" end="2s">a <tt:span s:fontStyle="italic">b</tt:span><tt:br/>c</tt:p>
  </tt:div></tt:body>
</tt:tt>
)",
                                                      "en.ttml"));
  EXPECT_THAT(subtitles.cues, ElementsAre(CueIs(1000, 2000, "a <i>b</i>\nc")));
}

TEST(ParseTtml, WarnsOnceAboutWhatItDrops) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles,
                       ParseTtml(Ttml("", R"(
    <p begin="0s" end="1s" tts:color="red">a <span tts:color="blue">b</span>
      <set begin="0.5s" tts:color="green"/>
      <span style="missing">c</span></p>)",
                                      R"(<styling><style xml:id="s" tts:fontFamily="serif"
      tts:textDecoration="lineThrough"/></styling>)"),
                                 "en.ttml"));
  EXPECT_THAT(subtitles.cues, ElementsAre(CueIs(0, 1000, "a b c")));
  EXPECT_THAT(
      subtitles.warnings,
      ElementsAre(AllOf(HasSubstr("en.ttml: left out what WebVTT cues do not carry: "),
                        HasSubstr("<set> animations (1 time)"), HasSubstr("tts:color (2 times)"),
                        HasSubstr("tts:fontFamily (1 time)"),
                        HasSubstr("tts:textDecoration lineThrough (1 time)")),
                  HasSubstr("styles that are not defined, ignored: missing (1 time)")));
}

// ---------------------------------------------------------------------------------------------
// Errors, each with the line it is on.

TEST(ParseTtml, RefusesDocumentTypeDeclarations) {
  EXPECT_THAT(ParseTtml(R"(<?xml version="1.0"?>
<!DOCTYPE tt>
<tt xmlns="http://www.w3.org/ns/ttml"><body/></tt>
)",
                        "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:2:"), HasSubstr("<!DOCTYPE"))));
}

TEST(ParseTtml, RefusesEntityDeclarations) {
  EXPECT_THAT(ParseTtml(R"(<?xml version="1.0"?>
<!DOCTYPE tt [
  <!ENTITY lol "lol">
]>
<tt xmlns="http://www.w3.org/ns/ttml"><body><p begin="0s" end="1s">&lol;</p></body></tt>
)",
                        "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:3:"), HasSubstr("<!ENTITY"))));
  // An entity nobody declared is refused too, and so is a bare '&'.
  EXPECT_THAT(ParseTtml(Ttml("", "\n<p begin=\"0s\" end=\"1s\">a&nbsp;b</p>"), "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:6:"), HasSubstr("'&nbsp;' is not defined"))));
  EXPECT_THAT(ParseTtml(Ttml("", "\n\n<p begin=\"0s\" end=\"1s\">Tom & Jerry</p>"), "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:7:"), HasSubstr("write &amp;"))));
  EXPECT_THAT(ParseTtml(Ttml("", "<p begin=\"0s\" end=\"1s\">&#0;</p>"), "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("en.ttml:5:")));
}

TEST(ParseTtml, RefusesMalformedXml) {
  EXPECT_THAT(ParseTtml(R"(<?xml version="1.0"?>
<tt xmlns="http://www.w3.org/ns/ttml">
  <body>
    <div>
      <p begin="0s" end="1s">a</p>
      <p begin="1s" end="2s">b</span>
    </div>
  </body>
</tt>
)",
                        "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:6:"), HasSubstr("not well-formed XML"))));
  EXPECT_THAT(ParseTtml("<tt xmlns=\"http://www.w3.org/ns/ttml\">\n<body>\n", "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not well-formed XML")));
}

TEST(ParseTtml, RefusesARootOutsideTheTtmlNamespace) {
  EXPECT_THAT(ParseTtml(R"(<?xml version="1.0"?>

<tt xmlns="http://www.w3.org/2006/10/ttaf1"><body/></tt>
)",
                        "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:3:"), HasSubstr("in the TTML namespace"),
                             HasSubstr("draft DFXP namespace"))));
  // The prefix "tt" does not make it TTML; the namespace does.
  EXPECT_THAT(ParseTtml("<tt:tt xmlns:tt=\"http://example.com/tt\"><tt:body/></tt:tt>", "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:1:"), HasSubstr("http://example.com/tt"))));
  EXPECT_THAT(ParseTtml("<tt><body/></tt>", "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("in no namespace")));
}

TEST(ParseTtml, RefusesTimesItCannotRead) {
  for (const std::string& bad :
       std::vector<std::string>{"1.5", "12.s", "5 s", "-1s", "10d", "1:00:00", "00:00:60",
                                "00:00:01:30", "00:00:01.", "1001:00:00", "3600001s"}) {
    EXPECT_THAT(ParseTtml(R"(<?xml version="1.0"?>
<tt xmlns="http://www.w3.org/ns/ttml">
  <head/>
  <body>
    <div>

      <p end="2s"
         begin=")" + bad + R"(">a</p>
    </div>
  </body>
</tt>
)",
                          "en.ttml"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("en.ttml:8:"), HasSubstr("begin=\"" + bad + "\""))))
        << bad;
  }
}

TEST(ParseTtml, RefusesAnEndBeforeTheBegin) {
  EXPECT_THAT(ParseTtml(R"(<?xml version="1.0"?>
<tt xmlns="http://www.w3.org/ns/ttml">
  <head/>
  <body>
    <div>
      <p begin="1s" end="2s">fine</p>
      <p begin="5s" end="3s">backwards</p>
    </div>
  </body>
</tt>
)",
                        "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:7:"), HasSubstr("not after it begins"),
                             HasSubstr("begin=\"5s\" end=\"3s\""))));
  EXPECT_THAT(ParseTtml(Ttml("", "<p begin=\"5s\" dur=\"0s\">zero</p>"), "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("en.ttml:5:")));
}

TEST(ParseTtml, RefusesWhatItDoesNotSupport) {
  EXPECT_THAT(ParseTtml(Ttml("", "<p begin=\"1s\">no end</p>"), "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:5:"), HasSubstr("has no end"))));
  EXPECT_THAT(
      ParseTtml(Ttml("", "<div timeContainer=\"seq\"><p dur=\"1s\">a</p></div>"), "en.ttml"),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          AllOf(HasSubstr("en.ttml:5:"), HasSubstr("timeContainer=\"seq\" is not supported"))));
  EXPECT_THAT(ParseTtml(Ttml("ttp:timeBase=\"smpte\"", ""), "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:3:"), HasSubstr("ttp:timeBase=\"smpte\""))));
  EXPECT_THAT(ParseTtml(Ttml("ttp:frameRate=\"0\"", ""), "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ttp:frameRate=\"0\"")));
  EXPECT_THAT(ParseTtml("<tt xmlns=\"http://www.w3.org/ns/ttml\">\n<head/>\n</tt>", "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("en.ttml:1:"), HasSubstr("has no <body>"))));
  EXPECT_THAT(ParseTtml(Ttml("", "<p begin=\"0s\" end=\"1s\" style=\"a\">x</p>",
                             "<styling><style xml:id=\"a\" style=\"b\"/>"
                             "<style xml:id=\"b\" style=\"a\"/></styling>"),
                        "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("refers back to itself")));
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<div>";
  for (int i = 0; i < 100; ++i) deep += "</div>";
  EXPECT_THAT(ParseTtml(Ttml("", deep), "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nest deeper than 64")));
  EXPECT_THAT(ParseTtml(std::string("\xFF\xFE<\0t\0t\0", 8), "en.ttml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-16LE")));
}

// ---------------------------------------------------------------------------------------------
// A document as a streaming partner delivers it.

constexpr char kImsc1Document[] = R"(<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
    xmlns:tts="http://www.w3.org/ns/ttml#styling" xmlns:ttm="http://www.w3.org/ns/ttml#metadata"
    xmlns:ittp="http://www.w3.org/ns/ttml/profile/imsc1#parameter"
    xmlns:itts="http://www.w3.org/ns/ttml/profile/imsc1#styling"
    ttp:profile="http://www.w3.org/ns/ttml/profile/imsc1/text" ttp:timeBase="media"
    ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001" ttp:cellResolution="40 24"
    tts:extent="1920px 1080px" ittp:aspectRatio="16 9" xml:lang="en">
  <head>
    <metadata>
      <ttm:title>Episode 1: The Beginning</ttm:title>
      <ttm:copyright>Studio</ttm:copyright>
    </metadata>
    <styling>
      <style xml:id="s_default" tts:fontFamily="proportionalSansSerif" tts:fontSize="100%"
             tts:color="white" tts:textOutline="black 0.05c" tts:textAlign="center"
             tts:lineHeight="125%"/>
      <style xml:id="s_italic" tts:fontStyle="italic"/>
      <style xml:id="s_emphasis" style="s_italic" tts:fontWeight="bold"/>
    </styling>
    <layout>
      <region xml:id="r_bottom" tts:origin="10% 10%" tts:extent="80% 80%"
              tts:displayAlign="after" tts:showBackground="whenActive"/>
      <region xml:id="r_top" tts:origin="192px 108px" tts:extent="1536px 864px"
              tts:displayAlign="before"/>
    </layout>
  </head>
  <body style="s_default" region="r_bottom">
    <div>
      <p xml:id="sub1" begin="00:00:05:06" end="00:00:07:00">Where are you going?</p>
      <p xml:id="sub2" begin="00:00:07:18" end="00:00:10:00">
        <span style="s_italic">(whispering)</span> To the station.<br/>
        Don't tell anyone.
      </p>
      <p xml:id="sub3" begin="00:00:12:00" end="00:00:14:06" region="r_top">
        <span tts:color="yellow">[TRAIN WHISTLE]</span>
      </p>
      <p xml:id="sub4" begin="00:01:00:00" end="00:01:02:18" tts:textAlign="left">
        <span style="s_emphasis">Now</span> or never &amp; <span
          tts:textDecoration="underline">forever</span>.
      </p>
    </div>
  </body>
</tt>
)";

TEST(ParseTtml, ReadsAnImsc1DocumentAsPartnersDeliverIt) {
  ASSERT_OK_AND_ASSIGN(Subtitles subtitles, ParseTtml(kImsc1Document, "ep1.en.ttml"));
  // Frames at 24000/1001 a second: frame 6 is 0.25025 s, frame 18 0.75075 s.
  EXPECT_THAT(
      subtitles.cues,
      ElementsAre(
          CueIs(5250, 7000, "Where are you going?"),
          CueIs(7751, 10000, "<i>(whispering)</i> To the station.\nDon't tell anyone."),
          CueIs(12000, 14250, "[TRAIN WHISTLE]", "line:10%,start"),
          CueIs(60000, 62751, "<i><b>Now</b></i> or never &amp; <u>forever</u>.", "align:left")));
  std::vector<std::string> identifiers;
  std::vector<int> lines;
  for (const Cue& cue : subtitles.cues) {
    identifiers.push_back(cue.identifier);
    lines.push_back(cue.source_line);
  }
  EXPECT_THAT(identifiers, ElementsAre("sub1", "sub2", "sub3", "sub4"));
  EXPECT_THAT(lines, ElementsAre(30, 31, 35, 38));
  EXPECT_THAT(subtitles.warnings,
              ElementsAre("ep1.en.ttml: left out what WebVTT cues do not carry: tts:color (2 "
                          "times), tts:fontFamily (1 time), tts:fontSize (1 time), "
                          "tts:lineHeight (1 time), tts:showBackground (1 time), "
                          "tts:textOutline (1 time)"));
}

}  // namespace
}  // namespace atp::subtitle
