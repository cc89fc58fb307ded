#include "atp/manifest/manifest_warnings.h"

#include "atp/manifest/manifest_parser.h"
#include "atp/manifest/manifest_test_data.h"
#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::manifest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> WarningsOf(const std::string& xml) {
  absl::StatusOr<ParsedManifest> parsed = ParseManifest(xml);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? parsed->warnings : std::vector<std::string>{};
}

TEST(ContentWarnings, TheExampleHasNone) { EXPECT_THAT(WarningsOf(kExampleManifest), IsEmpty()); }

TEST(ContentWarnings, EachFindingHasItsOwnWarning) {
  struct Case {
    std::string name;
    std::string xml;
    std::string warning;
  };
  const std::string kJapanese = "<Language>ja</Language><Label>日本語</Label>";
  for (const Case& c : std::vector<Case>{
           {"no japanese", ExampleWith(kJapanese, "<Language>fr</Language><Label>Français</Label>"),
            "AudioTracks: no Japanese (ja) audio track"},
           {"duplicate language",
            ExampleWith("<Language>en</Language><Label>English</Label>",
                        "<Language>ja</Language><Label>Japanese 2</Label>"),
            "AudioTracks/AudioTrack[2]/Language: 'ja' is given to more than one audio track"},
           {"no subtitles", ExampleWithout("<SubtitleTracks>", "</SubtitleTracks>"),
            "SubtitleTracks: no subtitle tracks"},
           {"no default subtitle",
            ExampleWith("<IsDefault>true</IsDefault></SubtitleTrack>", "</SubtitleTrack>"),
            "SubtitleTracks: no subtitle track has IsDefault=true"},
           {"small source", ExampleWith("<ResolutionWidth>1920<", "<ResolutionWidth>640<"),
            "640x1080 is below 720x480"},
           {"large source", ExampleWith("<ResolutionWidth>1920<", "<ResolutionWidth>4096<"),
            "4096x1080 is above 3840x2160"},
           {"unusual frame rate", ExampleWith("<FrameRate>23.976<", "<FrameRate>12<"),
            "Mezzanine/FrameRate: 12 fps is unusual"},
           {"unusual codec", ExampleWith("ProRes 422 HQ", "Cinepak"),
            "Mezzanine/VideoCodec: 'Cinepak' is not a usual mezzanine codec"},
           {"low bitrate", ExampleWith("<BitrateKbps>220000<", "<BitrateKbps>8000<"),
            "Mezzanine/BitrateKbps: 8000 kbps is low"},
           {"season", ExampleWith("<SeasonNumber>1<", "<SeasonNumber>51<"),
            "Episode/SeasonNumber: 51 is over 50"},
           {"episode", ExampleWith("<EpisodeNumber>1<", "<EpisodeNumber>501<"),
            "Episode/EpisodeNumber: 501 is over 500"},
           {"series not in path", ExampleWith("mezzanines/attack-on-titan/", "mezzanines/aot/"),
            "Mezzanine/FilePath: does not contain the SeriesId 'attack-on-titan'"},
           {"unknown element",
            ExampleWith("<ContentRating>", "<Studio>MAPPA</Studio><ContentRating>"),
            "Episode/Studio: unknown element, ignored"},
       }) {
    EXPECT_THAT(WarningsOf(c.xml), ElementsAre(HasSubstr(c.warning))) << c.name;
  }
}

TEST(ContentWarnings, ShortAndLongContent) {
  std::string xml = kExampleManifest;
  for (int i = 0; i < 2; ++i) xml.replace(xml.find("1440.5"), 6, "30");
  EXPECT_THAT(WarningsOf(xml),
              ElementsAre(HasSubstr("Episode/DurationSeconds: 30 s is under 60 s")));
  xml = kExampleManifest;
  for (int i = 0; i < 2; ++i) xml.replace(xml.find("1440.5"), 6, "9000");
  EXPECT_THAT(WarningsOf(xml), ElementsAre(HasSubstr("9000 s is over 2 hours")));
}

TEST(ContentWarnings, DubbedWithOnlyJapaneseAudio) {
  std::string xml = ExampleWithout("<AudioTrack><Language>en", "</AudioTrack>");
  xml.replace(xml.find("<ContentRating>"), 15, "<IsDubbed>yes</IsDubbed><ContentRating>");
  EXPECT_THAT(WarningsOf(xml),
              ElementsAre(HasSubstr("Episode/IsDubbed: true, but the only audio is Japanese")));
}

}  // namespace
}  // namespace atp::manifest
