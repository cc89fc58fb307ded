// Characters XML 1.0 forbids, raw or as character references: refused with the field path of
// the element they are in (or the line, outside every field); allowed ones decode as written.
#include "atp/manifest/xml_guard.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "atp/manifest/manifest_parser.h"
#include "atp/manifest/manifest_test_data.h"
#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::manifest {
namespace {

using ::atp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;

const std::string kMezzaninePath = "mezzanines/attack-on-titan/s01e01.mov";

struct RefusedCase {
  std::string name;
  std::string xml;
  std::string message;  // The whole message: the one problem line.
};

// The example manifest with `text` inserted inside Episode/SeriesTitle ("Attack on Titan").
std::string SeriesTitleWith(const std::string& text) {
  return ExampleWith("Attack on Titan<", "Attack " + text + "on Titan<");
}

std::vector<RefusedCase> ForbiddenReferences() {
  const std::string kRule = " is not allowed in XML 1.0";
  std::vector<RefusedCase> cases = {
      {"NUL cutting a path", ExampleWith(kMezzaninePath, "a.mov&#0;.txt"),
       "Mezzanine/FilePath: character reference &#0;" + kRule},
      {"audio label", ExampleWith("<Label>English<", "<Label>Eng&#x1F;lish<"),
       "AudioTracks/AudioTrack[2]/Label: character reference &#x1F;" + kRule},
      {"subtitle path", ExampleWith("subs/s01e01.en.vtt", "subs/&#8;.vtt"),
       "SubtitleTracks/SubtitleTrack[1]/FilePath: character reference &#8;" + kRule},
      {"unknown element", ExampleWith("<Episode>", "<Episode><Studio>&#1;</Studio>"),
       "Episode/Studio: character reference &#1;" + kRule},
      {"field attribute", ExampleWith("<FilePath>", "<FilePath note='a&#x0;b'>"),
       "Mezzanine/FilePath: character reference &#x0; in attribute 'note'" + kRule},
      {"root attribute",
       ExampleWith("<AnimeTranscodeManifest version=\"1.0\"",
                   "<AnimeTranscodeManifest version=\"1&#x7;0\""),
       "manifest: line 2: character reference &#x7; in attribute 'version' of "
       "<AnimeTranscodeManifest>" +
           kRule},
      {"text of the root", ExampleWith("  <ManifestId>", "&#2;<ManifestId>"),
       "manifest: line 3: character reference &#2; in the text of <AnimeTranscodeManifest>" +
           kRule},
      {"beyond unicode, hex", SeriesTitleWith("&#x110000;"),
       "Episode/SeriesTitle: character reference &#x110000;" + kRule + " (beyond U+10FFFF)"},
      {"beyond unicode, decimal", SeriesTitleWith("&#99999999999;"),
       "Episode/SeriesTitle: character reference &#99999999999;" + kRule + " (beyond U+10FFFF)"},
      // 2^32 + 65: a parser summing digits in 32 bits reads 'A'.
      {"wraps to A in 32 bits", SeriesTitleWith("&#4294967361;"),
       "Episode/SeriesTitle: character reference &#4294967361;" + kRule + " (beyond U+10FFFF)"},
      {"long reference shown cut", SeriesTitleWith("&#x" + std::string(40, 'F') + ";"),
       "Episode/SeriesTitle: character reference &#x" + std::string(18, 'F') + "..." + kRule +
           " (beyond U+10FFFF)"},
  };
  // Each code point outside Char at the edges of the ranges, in both notations.
  for (const char* code :
       {"0", "1", "8", "B", "C", "E", "1F", "D800", "DBFF", "DC00", "DFFF", "FFFE", "FFFF"}) {
    const std::string hex = absl::StrCat("&#x", code, ";");
    cases.push_back(
        {hex, SeriesTitleWith(hex), "Episode/SeriesTitle: character reference " + hex + kRule});
    const std::string decimal = absl::StrCat("&#", std::stoul(code, nullptr, 16), ";");
    cases.push_back({decimal, SeriesTitleWith(decimal),
                     "Episode/SeriesTitle: character reference " + decimal + kRule});
  }
  return cases;
}

std::vector<RefusedCase> MalformedReferences() {
  std::vector<RefusedCase> cases;
  for (const char* reference : {"&#;", "&#x;", "&#X41;", "&#12a;", "&#xG1;", "&#-1;"}) {
    cases.push_back({reference, SeriesTitleWith(reference),
                     absl::StrCat("Episode/SeriesTitle: character reference ", reference,
                                  " is malformed; write &#DIGITS; or &#xHEXDIGITS;")});
  }
  cases.push_back({"no semicolon", SeriesTitleWith("&#65 "),
                   "Episode/SeriesTitle: character reference &#65 is malformed; write &#DIGITS; "
                   "or &#xHEXDIGITS;"});
  return cases;
}

std::vector<RefusedCase> RawCharacters() {
  const std::string kRule = " is not allowed in XML 1.0";
  std::vector<RefusedCase> cases;
  for (const auto& [bytes, code] :
       std::vector<std::pair<std::string, std::string>>{{"\x01", "U+0001"},
                                                        {"\x08", "U+0008"},
                                                        {"\x0B", "U+000B"},
                                                        {"\x0C", "U+000C"},
                                                        {"\x1F", "U+001F"},
                                                        {"\xEF\xBF\xBE", "U+FFFE"},
                                                        {"\xEF\xBF\xBF", "U+FFFF"}}) {
    cases.push_back(
        {"raw " + code, SeriesTitleWith(bytes), "Episode/SeriesTitle: character " + code + kRule});
  }
  cases.push_back({"raw in a path", ExampleWith(kMezzaninePath, "a.mov\x01.txt"),
                   "Mezzanine/FilePath: character U+0001" + kRule});
  cases.push_back({"raw in an attribute",
                   ExampleWith("<Label>English<", "<Label n='\x02'>English<"),
                   "AudioTracks/AudioTrack[2]/Label: character U+0002 in attribute 'n'" + kRule});
  cases.push_back({"raw in CDATA", SeriesTitleWith("<![CDATA[\x03]]>"),
                   "Episode/SeriesTitle: character U+0003 in a CDATA section" + kRule});
  cases.push_back({"raw in a field's comment", SeriesTitleWith("<!--\x04-->"),
                   "Episode/SeriesTitle: character U+0004 in a comment" + kRule});
  cases.push_back({"raw in a tag", ExampleWith("<SeriesTitle>", "<SeriesTitle\x05>"),
                   "Episode/SeriesTitle: character U+0005 in a tag" + kRule});
  cases.push_back({"raw in the XML declaration",
                   ExampleWith("version=\"1.0\" encoding", "version=\"1.0\"\x06 encoding"),
                   "manifest: line 1: character U+0006 in the XML declaration" + kRule});
  cases.push_back({"raw in a prolog comment",
                   ExampleWith("<AnimeTranscodeManifest", "<!-- \x0E -->\n<AnimeTranscodeManifest"),
                   "manifest: line 2: character U+000E in a comment" + kRule});
  cases.push_back(
      {"raw in the text of the root", ExampleWith("  <ManifestId>", "\x07<ManifestId>"),
       "manifest: line 3: character U+0007 in the text of <AnimeTranscodeManifest>" + kRule});
  cases.push_back({"raw after the root",
                   ExampleWith("</AnimeTranscodeManifest>", "</AnimeTranscodeManifest>\x10"),
                   "manifest: line 35: character U+0010 outside the root element" + kRule});
  return cases;
}

TEST(GuardManifestBytes, RefusesReferencesToCharactersOutsideXmlChar) {
  for (const RefusedCase& c : ForbiddenReferences()) {
    EXPECT_THAT(GuardManifestBytes(c.xml),
                StatusIs(absl::StatusCode::kInvalidArgument, Eq(c.message)))
        << c.name;
    EXPECT_THAT(ParseManifest(c.xml), StatusIs(absl::StatusCode::kInvalidArgument, Eq(c.message)))
        << c.name;
  }
}

TEST(GuardManifestBytes, RefusesMalformedCharacterReferences) {
  for (const RefusedCase& c : MalformedReferences()) {
    EXPECT_THAT(ParseManifest(c.xml), StatusIs(absl::StatusCode::kInvalidArgument, Eq(c.message)))
        << c.name;
  }
}

TEST(GuardManifestBytes, RefusesRawCharactersOutsideXmlChar) {
  for (const RefusedCase& c : RawCharacters()) {
    EXPECT_THAT(ParseManifest(c.xml), StatusIs(absl::StatusCode::kInvalidArgument, Eq(c.message)))
        << c.name;
  }
}

TEST(GuardManifestBytes, DecodesAllowedCharacterReferencesExactly) {
  struct Case {
    std::string reference;
    std::string decoded;
  };
  for (const Case& c : std::vector<Case>{
           {"&#9;", "\t"},
           {"&#xA;", "\n"},
           {"&#xD;", "\r"},
           {"&#x20;", " "},
           {"&#32;", " "},
           {"&#65;", "A"},
           {"&#x0000000041;", "A"},
           {"&#0000000065;", "A"},
           {"&#x7F;", "\x7F"},
           {"&#xD7FF;", "\xED\x9F\xBF"},
           {"&#xE000;", "\xEE\x80\x80"},
           {"&#xFFFD;", "\xEF\xBF\xBD"},
           {"&#x10000;", "\xF0\x90\x80\x80"},
           {"&#65536;", "\xF0\x90\x80\x80"},
           {"&#x10FFFF;", "\xF4\x8F\xBF\xBF"},
       }) {
    ASSERT_OK_AND_ASSIGN(
        ParsedManifest parsed,
        ParseManifest(ExampleWith("<Label>English<", "<Label>Eng" + c.reference + "lish<")));
    EXPECT_EQ(parsed.spec.audio_tracks[1].label, "Eng" + c.decoded + "lish") << c.reference;
  }
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed,
                       ParseManifest(ExampleWith("version=\"1.0\">", "version=\"1&#x2E;0&#9;\">")));
  EXPECT_EQ(parsed.spec.manifest_version, "1.0");
}

TEST(GuardManifestBytes, AcceptsAllowedRawCharactersAndReferenceLookalikes) {
  // Raw tab, CR and LF, U+FFFD and a plane-1 noncharacter (U+1FFFE) are all in Char; in CDATA
  // sections, comments and processing instructions "&#0;" is text, not a reference.
  std::string xml = ExampleWith("Attack on Titan<",
                                "Attack\ton\r\nTitan \xEF\xBF\xBD \xF0\x9F\xBF\xBE<!-- &#1; --><");
  xml.replace(xml.find("To You, in 2000 Years"), 21, "<![CDATA[a&#0;b]]>");
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, ParseManifest(xml));
  EXPECT_EQ(parsed.spec.episode.series_title, "Attack\ton\nTitan \xEF\xBF\xBD \xF0\x9F\xBF\xBE");
  EXPECT_EQ(parsed.spec.episode.episode_title, "a&#0;b");
  EXPECT_OK(ParseManifest(ExampleWith("<AnimeTranscodeManifest",
                                      "<?note &#0; ?><!-- &#xFFFE; -->\n<AnimeTranscodeManifest")));
}

TEST(GuardManifestBytes, ReportsEveryForbiddenCharacterAtOnceInDocumentOrder) {
  std::string xml = SeriesTitleWith("&#1;");
  xml.replace(xml.find(kMezzaninePath), kMezzaninePath.size(), "a.mov&#0;\x02.txt");
  xml.replace(xml.find("<Label>English<"), 15, "<Label>Eng&#xFFFF;lish<");
  const absl::Status status = ParseManifest(xml).status();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  const std::vector<std::string> lines = absl::StrSplit(std::string(status.message()), '\n');
  EXPECT_THAT(lines,
              ElementsAre("Episode/SeriesTitle: character reference &#1; is not allowed in XML 1.0",
                          "Mezzanine/FilePath: character reference &#0; is not allowed in XML 1.0",
                          "Mezzanine/FilePath: character U+0002 is not allowed in XML 1.0",
                          "AudioTracks/AudioTrack[2]/Label: character reference &#xFFFF; is not "
                          "allowed in XML 1.0"));
}

TEST(GuardManifestBytes, ListsTwentyProblemsThenSaysMoreFollow) {
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "&#1;";
  const absl::Status status = GuardManifestBytes(SeriesTitleWith(many));
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  const std::vector<std::string> lines = absl::StrSplit(std::string(status.message()), '\n');
  ASSERT_EQ(lines.size(), 21u);
  EXPECT_EQ(lines[19], "Episode/SeriesTitle: character reference &#1; is not allowed in XML 1.0");
  EXPECT_EQ(lines[20], "manifest: more characters not allowed in XML 1.0 follow, not listed");
}

}  // namespace
}  // namespace atp::manifest
