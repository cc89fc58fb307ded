#include "atp/subtitle/ass_reader.h"

#include <string>
#include <string_view>
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

constexpr std::string_view kPlayRes720 = "PlayResX: 1280\nPlayResY: 720\n";

// A script whose events start on line 14: styles Default (margins 64, 64, 36), Thoughts
// (italic) and Sign (bold, top centre, margins 10), then `events`.
std::string Script(std::string_view events, std::string_view play_res = kPlayRes720) {
  return std::string("[Script Info]\nScriptType: v4.00+\n") + std::string(play_res) +
         "\n"
         "[V4+ Styles]\n"
         "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
         "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
         "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
         "Style: Default,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,"
         "0,0,1,2,2,2,64,64,36,1\n"
         "Style: Thoughts,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,-1,0,0,100,100,"
         "0,0,1,2,2,2,64,64,36,1\n"
         "Style: Sign,Arial,40,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,"
         "1,0,0,8,10,10,10,1\n"
         "\n"
         "[Events]\n"
         "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n" +
         std::string(events);
}

std::string Event(std::string_view text, std::string_view style = "Default",
                  std::string_view name = "") {
  return "Dialogue: 0,0:00:01.00,0:00:03.00," + std::string(style) + "," + std::string(name) +
         ",0,0,0,," + std::string(text) + "\n";
}

// The cue one event with `text` makes (all in dialogue); a cue with text "(none)" when it
// makes none.
Cue OnlyCue(std::string_view text, std::string_view style = "Default",
            std::string_view play_res = kPlayRes720) {
  absl::StatusOr<AssConversion> conversion =
      ConvertAss(Script(Event(text, style), play_res), "ep1.ass", /*split_signs=*/false);
  if (!conversion.ok()) return Cue{.text = conversion.status().ToString()};
  if (conversion->dialogue.cues.size() != 1) return Cue{.text = "(none)"};
  return conversion->dialogue.cues[0];
}

std::vector<std::string> Texts(const Subtitles& subtitles) {
  std::vector<std::string> texts;
  for (const Cue& cue : subtitles.cues) texts.push_back(cue.text);
  return texts;
}

TEST(ConvertAss, ReadsEventsWithTheirTimesAndTheRestOfTheLineAsText) {
  ASSERT_OK_AND_ASSIGN(
      AssConversion conversion,
      ConvertAss(Script("Comment: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,not shown\n"
                        "Dialogue: 0,0:00:01.50,0:01:02.07,Default,,0,0,0,,Well, well, well\n"
                        "Dialogue: 0,1:00:00.00,1:00:00.01,Default,,0,0,0,,An hour in\n"),
                 "ep1.ass", /*split_signs=*/true));
  EXPECT_THAT(
      conversion.dialogue.cues,
      ElementsAre(
          Cue{.start_ms = 1500, .end_ms = 62070, .text = "Well, well, well", .source_line = 15},
          Cue{.start_ms = 3600000, .end_ms = 3600010, .text = "An hour in", .source_line = 16}));
  EXPECT_THAT(conversion.dialogue.warnings, IsEmpty());
  EXPECT_EQ(conversion.signs, Subtitles());
}

TEST(ConvertAss, MapsTextTagsToCueSpansAndLineBreaks) {
  struct Case {
    std::string_view ass;
    std::string_view webvtt;
    std::string_view style = "Default";
  };
  for (const Case& c : std::vector<Case>{
           // \i \b \u nest properly and close at the end of the cue.
           {R"({\i1}a{\b1}b{\i0}c{\b0}d)", "<i>a<b>b</b></i><b>c</b>d"},
           {R"({\u1}under)", "<u>under</u>"},
           {R"({\i1}one\Ntwo{\i0})", "<i>one\ntwo</i>"},
           {R"({\i1}one{\i0}\Ntwo)", "<i>one</i>\ntwo"},
           {R"(Hi {\i1}there{\i0} !)", "Hi <i>there</i> !"},
           {R"({\b700}heavy{\b400}light)", "<b>heavy</b>light"},
           {R"({\b1}x{\b}y)", "<b>x</b>y"},  // No value: the style's.
           // The style's flags are the starting state; \r and \rStyle reset.
           {R"(Hello {\i0}world)", "<i>Hello </i>world", "Thoughts"},
           {R"({\b1\i1}both{\r}plain)", "<i><b>both</b></i>plain"},
           {R"(a{\rThoughts}b)", "a<i>b</i>"},
           {R"({\i0}a{\r}b)", "a<i>b</i>", "Thoughts"},
           // Line breaks, spaces.
           {R"(one\Ntwo)", "one\ntwo"},
           {R"( one \N\N  two  )", "one\ntwo"},
           {R"({\i1}a\N{\i0}\N{\i1}b)", "<i>a\nb</i>"},
           {R"(soft\nbreak)", "soft break"},
           {R"(10\h%)", "10\xC2\xA0%"},
           // Escaping, comments, a brace that opens nothing.
           {R"(a < b && c > d --> e)", "a &lt; b &amp;&amp; c &gt; d --&gt; e"},
           {R"({TL note: a pun}Hello)", "Hello"},
           {R"({Hello)", "{Hello"},
           // Dropped tags leave their text; \t's own tags are dropped with it.
           {R"({\fs20\c&H0000FF&\bord2}Coloured)", "Coloured"},
           {R"({\t(0,500,\fs80\i1)}grow)", "grow"},
           {R"({\fnComic Sans MS\i1}font)", "<i>font</i>"},
           // A drawing's commands go with it.
           {R"({\p1}m 0 0 l 10 0 10 10{\p0}Text after)", "Text after"},
       }) {
    EXPECT_EQ(OnlyCue(c.ass, c.style).text, c.webvtt) << c.ass;
  }
}

TEST(ConvertAss, MakesNoCueOfNothingVisible) {
  for (const std::string_view text :
       {"", "   ", R"(\h)", R"({\i1}{\i0})", R"({\p1}m 0 0 l 100 0 100 100{\p0})", R"(\N\N)"}) {
    EXPECT_EQ(OnlyCue(text).text, "(none)") << text;
  }
}

TEST(ConvertAss, SoftBreaksAreLineBreaksWithWrapStyle2) {
  EXPECT_EQ(
      OnlyCue(R"(soft\nbreak)", "Default", "WrapStyle: 2\nPlayResX: 1280\nPlayResY: 720\n").text,
      "soft\nbreak");
}

TEST(ConvertAss, PlacesCuesFromAlignmentMarginsAndPos) {
  struct Case {
    std::string_view ass;
    std::string_view settings;
    std::string_view style = "Default";
  };
  // PlayRes 1280x720; Default's margins are 64 (5%) and 36 (5%), Sign's are 10.
  for (const Case& c : std::vector<Case>{
           {"x", ""},
           {R"({\an2}x)", ""},
           {R"({\an8}x)", "line:5%"},
           {R"({\an5}x)", "line:50%,center"},
           {R"({\an1}x)", "position:5% align:left"},
           {R"({\an3}x)", "position:95% align:right"},
           {R"({\an7}x)", "line:5% position:5% align:left"},
           {R"({\an9}x)", "line:5% position:95% align:right"},
           {R"({\an4}x)", "line:50%,center position:5% align:left"},
           {"x", "line:1.39%", "Sign"},
           // \pos scales by PlayRes; the row aligns the line, the column the position.
           {R"({\pos(640,648)}x)", "line:90%,end position:50%"},
           {R"({\an8\pos(640,36)}x)", "line:5% position:50%"},
           {R"({\an5\pos(320,360)}x)", "line:50%,center position:25%"},
           {R"({\an7\pos(100,50)}x)", "line:6.94% position:7.81% align:left"},
           {R"({\an9\pos(1200.5,72)}x)", "line:10% position:93.79% align:right"},
           {R"({\pos(-10,800)}x)", "line:100%,end position:0%"},
           {R"({\move(640,648,0,0)}x)", "line:90%,end position:50%"},
           // The first \pos and the first \an win, as in libass.
           {R"({\pos(640,648)}x{\pos(0,0)})", "line:90%,end position:50%"},
           {R"({\an8\an2}x)", "line:5%"},
           // Legacy \a: 1-3 bottom, 5-7 top, 9-11 middle.
           {R"({\a6}x)", "line:5%"},
           {R"({\a9}x)", "line:50%,center position:5% align:left"},
           {R"({\a3}x)", "position:95% align:right"},
       }) {
    EXPECT_EQ(OnlyCue(c.ass, c.style).settings, c.settings) << c.ass << " " << c.style;
  }
}

TEST(ConvertAss, EventMarginsOverrideTheStyles) {
  ASSERT_OK_AND_ASSIGN(
      AssConversion conversion,
      ConvertAss(Script("Dialogue: 0,0:00:01.00,0:00:03.00,Default,,128,0,72,,{\\an7}x\n"
                        "Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,256,0,,{\\an9}x\n"),
                 "ep1.ass", /*split_signs=*/false));
  EXPECT_THAT(conversion.dialogue.cues,
              ElementsAre(Field(&Cue::settings, "line:10% position:10% align:left"),
                          Field(&Cue::settings, "line:5% position:80% align:right")));
}

TEST(ConvertAss, DerivesAMissingPlayResAsLibassDoes) {
  struct Case {
    std::string_view play_res;
    std::string_view pos;  // The centre of the derived PlayRes.
  };
  for (const Case& c : std::vector<Case>{{"", R"({\pos(192,144)}x)"},
                                         {"PlayResX: 1280\n", R"({\pos(640,512)}x)"},
                                         {"PlayResX: 640\n", R"({\pos(320,240)}x)"},
                                         {"PlayResY: 1024\n", R"({\pos(640,512)}x)"},
                                         {"PlayResY: 720\n", R"({\pos(480,360)}x)"}}) {
    ASSERT_OK_AND_ASSIGN(AssConversion conversion,
                         ConvertAss(Script(Event(c.pos), c.play_res), "ep1.ass", false));
    ASSERT_EQ(conversion.dialogue.cues.size(), 1u);
    EXPECT_EQ(conversion.dialogue.cues[0].settings, "line:50%,end position:50%") << c.play_res;
    EXPECT_THAT(conversion.dialogue.warnings, ElementsAre(HasSubstr("lacks PlayResX or PlayResY")))
        << c.play_res;
  }
}

TEST(ConvertAss, ReadsLegacySsaStylesAndAlignment) {
  constexpr std::string_view kSsa =
      "[Script Info]\n"
      "ScriptType: v4.00\n"
      "PlayResX: 640\n"
      "PlayResY: 480\n"
      "\n"
      "[V4 Styles]\n"
      "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, TertiaryColour, "
      "BackColour, Bold, Italic, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, "
      "MarginV, AlphaLevel, Encoding\n"
      "Style: Default,Arial,28,16777215,65535,65535,-2147483640,-1,0,1,3,0,2,30,30,24,0,0\n"
      "Style: Left,Arial,28,16777215,65535,65535,-2147483640,0,-1,1,3,0,9,32,30,24,0,0\n"
      "\n"
      "[Events]\n"
      "Format: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
      "Dialogue: Marked=0,0:00:01.00,0:00:02.00,Default,,0000,0000,0000,,{\\a6}Top centre\n"
      "Dialogue: Marked=0,0:00:03.00,0:00:04.00,Left,,0000,0000,0000,,Middle left\n"
      "Dialogue: Marked=0,0:00:05.00,0:00:06.00,Default,,0000,0000,0000,,Bottom, bold\n";
  ASSERT_OK_AND_ASSIGN(AssConversion conversion, ConvertAss(kSsa, "old.ssa", true));
  EXPECT_THAT(
      conversion.dialogue.cues,
      ElementsAre(
          Cue{.start_ms = 1000,
              .end_ms = 2000,
              .text = "<b>Top centre</b>",
              .settings = "line:5%",
              .source_line = 13},
          Cue{.start_ms = 3000,
              .end_ms = 4000,
              .text = "<i>Middle left</i>",
              .settings = "line:50%,center position:5% align:left",
              .source_line = 14},
          Cue{.start_ms = 5000, .end_ms = 6000, .text = "<b>Bottom, bold</b>", .source_line = 15}));
}

TEST(ConvertAss, OverlappingEventsAreSeparateCuesByStartLayerAndFileOrder) {
  ASSERT_OK_AND_ASSIGN(
      AssConversion conversion,
      ConvertAss(Script("Dialogue: 1,0:00:01.00,0:00:05.00,Default,,0,0,0,,Upper layer\n"
                        "Dialogue: 0,0:00:02.00,0:00:04.00,Default,,0,0,0,,Second\n"
                        "Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,Lower layer\n"
                        "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Later in file\n"),
                 "ep1.ass", false));
  EXPECT_THAT(Texts(conversion.dialogue),
              ElementsAre("Lower layer", "Later in file", "Upper layer", "Second"));
  EXPECT_THAT(conversion.dialogue.cues,
              ElementsAre(Field(&Cue::source_line, 16), Field(&Cue::source_line, 17),
                          Field(&Cue::source_line, 14), Field(&Cue::source_line, 15)));
}

TEST(ConvertAss, KeepsOnceAnEventRepeatedOnAnotherLayer) {
  ASSERT_OK_AND_ASSIGN(
      AssConversion conversion,
      ConvertAss(Script("Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,"
                        "{\\pos(100,100)\\bord4\\blur3}EXIT\n"
                        "Dialogue: 1,0:00:01.00,0:00:03.00,Default,,0,0,0,,{\\pos(100,100)}EXIT\n"
                        "Dialogue: 0,0:00:05.00,0:00:05.00,Default,,0,0,0,,Zero length\n"),
                 "ep1.ass", false));
  EXPECT_THAT(Texts(conversion.dialogue), ElementsAre("EXIT"));
  EXPECT_THAT(conversion.dialogue.warnings,
              ElementsAre("ep1.ass: dropped from 1 cue: \\blur \\be (blur) 1, "
                          "\\bord \\shad (border, shadow) 1 (WebVTT has no equivalent)",
                          "ep1.ass:16: 1 event lasts 0 ms (the first here): left out",
                          "ep1.ass: 1 event repeats another's time, text and placement (a "
                          "sign's border and fill layers): kept once"));
}

TEST(ConvertAss, SplitsSignsByStyleNameAndByPosWithoutSpeaker) {
  const std::string script =
      Script(Event("Dialogue line", "Default", "Haruka") + Event("SHOP", "Sign") +
             Event(R"({\pos(640,100)}Positioned, no speaker)") +
             Event(R"({\pos(640,100)}Positioned speaker)", "Default", "Haruka") +
             Event("Undefined, but a sign by name", "Sign2"));
  ASSERT_OK_AND_ASSIGN(AssConversion split, ConvertAss(script, "ep1.ass", true));
  EXPECT_THAT(Texts(split.dialogue), ElementsAre("Dialogue line", "Positioned speaker"));
  EXPECT_THAT(split.dialogue.warnings, IsEmpty());
  EXPECT_THAT(Texts(split.signs), ElementsAre("<b>SHOP</b>", "Positioned, no speaker",
                                              "Undefined, but a sign by name"));
  EXPECT_THAT(split.signs.warnings,
              ElementsAre("ep1.ass:18: no style named \"Sign2\" (1 event): used Default"));

  ASSERT_OK_AND_ASSIGN(AssConversion together, ConvertAss(script, "ep1.ass", false));
  EXPECT_THAT(Texts(together.dialogue),
              ElementsAre("Dialogue line", "<b>SHOP</b>", "Positioned, no speaker",
                          "Positioned speaker", "Undefined, but a sign by name"));
  EXPECT_EQ(together.signs, Subtitles());
}

TEST(IsSignsAndSongsStyle, MatchesKeywordsAsWordsOrPrefixes) {
  for (const std::string_view name :
       {"Sign",    "sign",       "Signs",   "SIGNS",       "Sign-Top", "SignTop",
        "Sign 2",  "OP",         "op",      "OP_Romaji",   "OPRomaji", "Op-Kanji",
        "ED2",     "ed_english", "Songs",   "Insert Song", "Title",    "Episode Title",
        "TL Note", "Notes",      "Karaoke", "Typesetting", "Opening",  "Ending"}) {
    EXPECT_TRUE(IsSignsAndSongsStyle(name)) << name;
  }
  for (const std::string_view name :
       {"Default", "Dialogue", "Alt", "Italics", "Top", "Default - Top", "Flashback", "Operator",
        "Opera", "Editor", "Edward", "Thoughts", "Narrator", ""}) {
    EXPECT_FALSE(IsSignsAndSongsStyle(name)) << name;
  }
}

TEST(ConvertAss, WarnsOncePerTrackOfTheTagsItDropped) {
  std::string events;
  for (int i = 0; i < 12; ++i) {
    events += "Dialogue: 0,0:00:" + std::to_string(10 + i) + ".00,0:00:" + std::to_string(11 + i) +
              ".00,Default,,0,0,0,," +
              (i < 10 ? R"({\k20}la{\k30}la)" : R"({\move(0,0,100,100)}moving)") + "\n";
  }
  ASSERT_OK_AND_ASSIGN(AssConversion conversion, ConvertAss(Script(events), "ep1.ass", false));
  EXPECT_EQ(conversion.dialogue.cues.size(), 12u);
  EXPECT_THAT(conversion.dialogue.warnings,
              ElementsAre("ep1.ass: dropped from 12 cues: \\k (karaoke) 10, \\move 2 (WebVTT "
                          "has no equivalent)"));

  ASSERT_OK_AND_ASSIGN(conversion, ConvertAss(Script(Event(R"({\k20}ka{\K30}ra)") +
                                                     Event(R"({\move(0,0,10,10)}moving)") +
                                                     Event(R"({\kf10}a{\fad(100,200)}b)") +
                                                     Event(R"({\p1}m 0 0 l 100 0 100 100{\p0})")),
                                              "ep1.ass", false));
  EXPECT_THAT(Texts(conversion.dialogue), ElementsAre("kara", "moving", "ab"));
  EXPECT_THAT(conversion.dialogue.warnings,
              ElementsAre("ep1.ass: dropped from 4 cues: \\k (karaoke) 2, \\p (drawing) 1, "
                          "\\move 1, \\fad (fade) 1 (WebVTT has no equivalent)"));
}

TEST(ConvertAss, AcceptsByteOrderMarkCrlfAndUnknownSections) {
  const std::string script =
      "\xEF\xBB\xBF[Script Info]\r\n"
      "; a comment\r\n"
      "PlayResX: 1280\r\n"
      "PlayResY: 720\r\n"
      "[Aegisub Project Garbage]\r\n"
      "Video File: ep01.mkv\r\n"
      "[V4+ Styles]\r\n"
      "Format: Alignment, Name\r\n"
      "Style: 8,*Default\r\n"
      "[Fonts]\r\n"
      "fontname: font_0.ttf\r\n"
      "[!`M)#@8`2SE<P``@]\r\n"
      "[Events]\r\n"
      "Format: Start, End, Text\r\n"
      "Dialogue: 0:00:01.00,0:00:02.00,Top\\Nof the screen\r\n";
  ASSERT_OK_AND_ASSIGN(AssConversion conversion, ConvertAss(script, "ep1.ass", true));
  EXPECT_THAT(conversion.dialogue.cues, ElementsAre(Cue{.start_ms = 1000,
                                                        .end_ms = 2000,
                                                        .text = "Top\nof the screen",
                                                        .settings = "line:0%",
                                                        .source_line = 15}));
}

TEST(ConvertAss, RefusesMalformedScriptsNamingTheLine) {
  struct Case {
    std::string script;
    std::string_view where;
    std::string_view what;
  };
  for (const Case& c : std::vector<Case>{
           {"[Script Info]\nPlayResX: 1280\nPlayResY: 720\n\n[V4+ Styles]\nFormat: Name\n"
            "Style: Default\n",
            "ep1.ass:7:", "without an [Events] section"},
           {"", "ep1.ass:1:", "without an [Events] section"},
           {Script(Event("fine") + Event("fine") +
                   "Dialogue: 0,0:00:01.5,0:00:03.00,Default,,0,0,0,,x\n"),
            "ep1.ass:16:", "bad Start time \"0:00:01.5\": ASS times are H:MM:SS.cc"},
           {Script("Dialogue: 0,0:00:01.00,0:01:03.000,Default,,0,0,0,,x\n"),
            "ep1.ass:14:", "bad End time \"0:01:03.000\""},
           {Script("Dialogue: 0,0:00:01.00,0:60:00.00,Default,,0,0,0,,x\n"),
            "ep1.ass:14:", "bad End time"},
           {Script("Dialogue: 0,1:2:03.00,1:02:04.00,Default,,0,0,0,,x\n"),
            "ep1.ass:14:", "bad Start time"},
           {Script("Dialogue: 0,0:00:03.00,0:00:01.00,Default,,0,0,0,,x\n"),
            "ep1.ass:14:", "ends (0:00:01.00) before it starts (0:00:03.00)"},
           {"[Script Info]\nPlayResX: 1280\n[Events]\n"
            "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hi\n"
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n",
            "ep1.ass:4:", "Dialogue before the Format line of [Events]"},
           {Script("Dialogue: 0,0:00:01.00,0:00:03.00,Default,Hi\n"),
            "ep1.ass:14:", "Dialogue has 5 of the 10 fields its Format line names"},
           {Script("Dialogue: x,0:00:01.00,0:00:03.00,Default,,0,0,0,,Hi\n"),
            "ep1.ass:14:", "Layer \"x\" is not a whole number"},
           {"[Script Info]\r\nPlayResX: wide\r\n[Events]\r\n",
            "ep1.ass:2:", "PlayResX \"wide\" is not a whole number"},
           {"[V4+ Styles]\nStyle: Default,Arial\n[Events]\n",
            "ep1.ass:2:", "Style before the Format line"},
           {"[V4+ Styles]\nFormat: Name, Alignment\nStyle: Default,10\n[Events]\n",
            "ep1.ass:3:", "Alignment 10 is not a numpad alignment"},
           {"[V4 Styles]\nFormat: Name, Alignment\nStyle: Default,12\n[Events]\n",
            "ep1.ass:3:", "Alignment 12 is not an SSA alignment"},
           {"[V4+ Styles]\nFormat: Name, Alignment, MarginL\nStyle: Default,2\n[Events]\n",
            "ep1.ass:3:", "Style has 2 of the 3 fields"},
           {"[Events]\nFormat: Start, End, Style\n", "ep1.ass:2:", "no \"Text\" column"},
           {"[Events]\nFormat: Start, Text, End\n", "ep1.ass:2:", "must end with Text"},
       }) {
    EXPECT_THAT(ConvertAss(c.script, "ep1.ass", true),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(std::string(c.where)), HasSubstr(std::string(c.what)))))
        << c.script;
  }
}

TEST(ConvertAss, RefusesWhatIsNotUtf8OrTooLarge) {
  EXPECT_THAT(ConvertAss(Script(Event("caf\xE9")), "ep1.ass", true),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Windows-1252")));
  EXPECT_THAT(ConvertAss(std::string(kMaxSubtitleFileBytes + 1, ' '), "ep1.ass", true),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ep1.ass")));
}

TEST(ConvertAss, ConvertsAFansubScript) {
  constexpr std::string_view kFansub =
      "[Script Info]\n"
      "; Script generated by Aegisub 3.2.2\n"
      "Title: Example Episode 01\n"
      "ScriptType: v4.00+\n"
      "WrapStyle: 0\n"
      "ScaledBorderAndShadow: yes\n"
      "YCbCr Matrix: TV.709\n"
      "PlayResX: 1920\n"
      "PlayResY: 1080\n"
      "\n"
      "[Aegisub Project Garbage]\n"
      "Audio File: ep01.mkv\n"
      "Video File: ep01.mkv\n"
      "\n"
      "[V4+ Styles]\n"
      "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
      "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
      "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
      "Style: Default,Open Sans Semibold,72,&H00FFFFFF,&H000000FF,&H00020713,&H00000000,0,0,0,0,"
      "100,100,0,0,1,3.6,1.5,2,168,168,54,1\n"
      "Style: Default - Flashback,Open Sans Semibold,72,&H00FFFFFF,&H000000FF,&H00020713,"
      "&H00000000,0,-1,0,0,100,100,0,0,1,3.6,1.5,2,168,168,54,1\n"
      "Style: Sign,Arial,60,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,0,"
      "0,8,30,30,30,1\n"
      "Style: OP_Romaji,Gandhi Sans,60,&H00FFFFFF,&H00FFD2A0,&H00000000,&H00000000,0,-1,0,0,"
      "100,100,0,0,1,2,0,8,45,45,40,1\n"
      "Style: OP_English,Gandhi Sans,60,&H00FFFFFF,&H00FFD2A0,&H00000000,&H00000000,0,0,0,0,"
      "100,100,0,0,1,2,0,2,45,45,40,1\n"
      "\n"
      "[Events]\n"
      "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
      "Comment: 0,0:00:00.00,0:00:00.00,Default,,0,0,0,,=== OP ===\n"
      "Dialogue: 0,0:00:01.00,0:00:04.50,OP_Romaji,,0,0,0,,"
      "{\\fad(200,200)\\k25}Ha{\\k30}ru{\\k40}ka {\\k50}ka{\\k20}na{\\k35}ta\n"
      "Dialogue: 0,0:00:01.00,0:00:04.50,OP_English,,0,0,0,,{\\fad(200,200)}Far beyond the sky\n"
      "Dialogue: 0,0:00:05.00,0:00:07.20,Default,Haruka,0,0,0,,"
      "Did you hear that?\\NSomething's {\\i1}outside{\\i0}.\n"
      "Dialogue: 0,0:00:07.30,0:00:09.00,Default - Flashback,Mother,0,0,0,,"
      "Don't forget your promise...\n"
      "Dialogue: 0,0:00:06.00,0:00:10.00,Sign,,0,0,0,,"
      "{\\an7\\pos(192,108)\\fscx90\\c&H1B1BAA&\\blur0.6}Tanaka Bakery\n"
      "Dialogue: 1,0:00:06.00,0:00:10.00,Default,,0,0,0,,{\\pos(960,540)\\frz12\\bord0}"
      "CLOSED & LOCKED\n"
      "Dialogue: 0,0:00:09.50,0:00:12.00,Default,Kenji,0,0,0,,{\\an8}Over here! Up on the roof!\n";
  ASSERT_OK_AND_ASSIGN(AssConversion conversion, ConvertAss(kFansub, "ep01.ass", true));
  EXPECT_THAT(conversion.dialogue.cues,
              ElementsAre(Cue{.start_ms = 5000,
                              .end_ms = 7200,
                              .text = "Did you hear that?\nSomething's <i>outside</i>.",
                              .source_line = 28},
                          Cue{.start_ms = 7300,
                              .end_ms = 9000,
                              .text = "<i>Don't forget your promise...</i>",
                              .source_line = 29},
                          Cue{.start_ms = 9500,
                              .end_ms = 12000,
                              .text = "Over here! Up on the roof!",
                              .settings = "line:5%",
                              .source_line = 32}));
  EXPECT_THAT(conversion.dialogue.warnings, IsEmpty());
  EXPECT_THAT(
      conversion.signs.cues,
      ElementsAre(
          Cue{.start_ms = 1000,
              .end_ms = 4500,
              .text = "<i>Haruka kanata</i>",
              .settings = "line:3.7%",
              .source_line = 26},
          Cue{.start_ms = 1000, .end_ms = 4500, .text = "Far beyond the sky", .source_line = 27},
          Cue{.start_ms = 6000,
              .end_ms = 10000,
              .text = "Tanaka Bakery",
              .settings = "line:10% position:10% align:left",
              .source_line = 30},
          Cue{.start_ms = 6000,
              .end_ms = 10000,
              .text = "CLOSED &amp; LOCKED",
              .settings = "line:50%,end position:50%",
              .source_line = 31}));
  EXPECT_THAT(conversion.signs.warnings,
              ElementsAre("ep01.ass: dropped from 4 cues: \\fad (fade) 2, \\k (karaoke) 1, "
                          "\\c (colour) 1, \\fn \\fs (font) 1, \\blur \\be (blur) 1, "
                          "\\bord \\shad (border, shadow) 1, \\fr (rotation) 1 "
                          "(WebVTT has no equivalent)"));

  ASSERT_OK_AND_ASSIGN(conversion, ConvertAss(kFansub, "ep01.ass", false));
  EXPECT_EQ(conversion.dialogue.cues.size(), 7u);
  EXPECT_EQ(conversion.signs, Subtitles());
}

}  // namespace
}  // namespace atp::subtitle
