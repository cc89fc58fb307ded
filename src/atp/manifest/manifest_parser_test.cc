#include "atp/manifest/manifest_parser.h"

#include "absl/strings/str_split.h"
#include "atp/manifest/manifest_test_data.h"
#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::manifest {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(ParseManifest, ReadsTheExampleOfTheFormatDocument) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, ParseManifest(kExampleManifest));
  const JobSpec& spec = parsed.spec;
  EXPECT_EQ(spec.manifest_version, "1.0");
  EXPECT_EQ(spec.manifest_id, "aot-s01e01-2024-001");
  EXPECT_EQ(spec.episode.series_id, "attack-on-titan");
  EXPECT_EQ(spec.episode.episode_title, "To You, in 2000 Years");
  EXPECT_EQ(spec.episode.season_number, 1);
  EXPECT_DOUBLE_EQ(spec.episode.duration_seconds, 1440.5);
  EXPECT_EQ(spec.episode.content_rating, "TV-14");
  EXPECT_EQ(spec.mezzanine.file_path, "mezzanines/attack-on-titan/s01e01.mov");
  EXPECT_EQ(spec.mezzanine.checksum_md5, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(spec.mezzanine.checksum_xxh64, "ef46db3751d8e999");
  EXPECT_EQ(spec.mezzanine.file_size_bytes, 15728640000);
  EXPECT_EQ(spec.mezzanine.width, 1920);
  EXPECT_DOUBLE_EQ(spec.mezzanine.frame_rate, 23.976);
  EXPECT_EQ(spec.mezzanine.bitrate_kbps, 220000);
  EXPECT_FALSE(spec.mezzanine.bit_depth.has_value());
  ASSERT_EQ(spec.audio_tracks.size(), 2u);
  EXPECT_EQ(spec.audio_tracks[0], (AudioTrackSpec{"ja", "日本語", true, 2, 1}));
  EXPECT_EQ(spec.audio_tracks[1], (AudioTrackSpec{"en", "English", false, 2, 2}));
  ASSERT_EQ(spec.subtitle_tracks.size(), 1u);
  EXPECT_EQ(spec.subtitle_tracks[0].format, "WebVTT");
  EXPECT_TRUE(spec.subtitle_tracks[0].is_default);
  EXPECT_EQ(spec.priority, 5);
  EXPECT_EQ(spec.callback_url, "https://partner.example/hooks/transcode");
  EXPECT_THAT(parsed.warnings, IsEmpty());
}

TEST(ParseManifest, AppliesDefaultsTrimsAndNormalises) {
  std::string xml = ExampleWith("<ContentRating>TV-14</ContentRating>", "");
  xml.replace(xml.find("<Priority>5</Priority>"), 22, "");
  xml.replace(xml.find("d41d8cd98f00b204e9800998ecf8427e"), 32,
              "  D41D8CD98F00B204E9800998ECF8427E \n");
  xml.replace(xml.find("<TrackIndex>2</TrackIndex>"), 26,
              "<TrackIndex> 2 </TrackIndex><IsDefault> No </IsDefault>");
  xml.replace(xml.find("<TrackIndex>1</TrackIndex>"), 26, "");
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, ParseManifest(xml));
  EXPECT_EQ(parsed.spec.mezzanine.checksum_md5, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(parsed.spec.episode.content_rating, "TV-14");
  EXPECT_EQ(parsed.spec.priority, 0);
  EXPECT_EQ(parsed.spec.audio_tracks[0].track_index, 1);
  EXPECT_EQ(parsed.spec.audio_tracks[0].channels, 2);
  EXPECT_FALSE(parsed.spec.audio_tracks[1].is_default);
}

TEST(ParseManifest, AcceptsADefaultNamespaceAndEveryBooleanSpelling) {
  EXPECT_OK(ParseManifest(
      ExampleWith("<AnimeTranscodeManifest version=\"1.0\">",
                  "<AnimeTranscodeManifest xmlns=\"urn:partner:manifest\" version=\"1.0\">")));
  for (const std::string spelling : {"true", "TRUE", "Yes", "1", " true "}) {
    ASSERT_OK_AND_ASSIGN(
        ParsedManifest parsed,
        ParseManifest(ExampleWith("<IsDefault>true</IsDefault><TrackIndex>1",
                                  "<IsDefault>" + spelling + "</IsDefault><TrackIndex>1")));
    EXPECT_TRUE(parsed.spec.audio_tracks[0].is_default) << spelling;
  }
}

struct BadCase {
  std::string name;
  std::string xml;
  std::string message;
};

std::vector<BadCase> BadManifests() {
  const std::string kSeries = "<SeriesId>attack-on-titan</SeriesId>";
  return {
      {"malformed", ExampleWith("</ManifestId>", "</ManifestID>"), "not well-formed XML"},
      {"truncated", kExampleManifest.substr(0, 300), "not well-formed XML"},
      {"not xml", "hello", "not well-formed XML"},
      {"empty", "", "not well-formed XML"},
      {"wrong root", "<Manifest><ManifestId>a</ManifestId></Manifest>",
       "the root element must be <AnimeTranscodeManifest>"},
      {"prefixed root",
       "<x:AnimeTranscodeManifest xmlns:x=\"urn:x\"><ManifestId>a</ManifestId>"
       "</x:AnimeTranscodeManifest>",
       "got <x:AnimeTranscodeManifest>"},
      {"dtd", "<!DOCTYPE m [<!ELEMENT m ANY>]>" + kExampleManifest, "has a DTD"},
      {"external entity",
       "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
       "<AnimeTranscodeManifest><ManifestId>&x;</ManifestId></AnimeTranscodeManifest>",
       "has a DTD or entity declaration"},
      {"billion laughs",
       "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>"
       "<AnimeTranscodeManifest><ManifestId>&lol2;</ManifestId></AnimeTranscodeManifest>",
       "has a DTD or entity declaration"},
      {"undeclared entity", ExampleWith("Attack on Titan<", "Attack &xxe; Titan<"),
       "entity reference '&xxe;'"},
      {"over 1 MiB",
       ExampleWith("<Priority>", "<!--" + std::string(1 << 20, 'x') + "--><Priority>"),
       "over the limit of 1048576 bytes"},
      {"latin-1 bytes", ExampleWith("Attack on Titan", "Attack on Tit\xE1n"), "not valid UTF-8"},
      {"utf-16", "\xFF\xFE<\0A\0", "UTF-16 byte order mark"},
      {"other encoding", ExampleWith("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""),
       "declares encoding 'ISO-8859-1'"},
      {"missing id", ExampleWith("<ManifestId>aot-s01e01-2024-001</ManifestId>", ""),
       "ManifestId: is required but missing"},
      {"bad id chars", ExampleWith("aot-s01e01-2024-001", "aot s01e01"),
       "ManifestId: expected 1-100 characters of [A-Za-z0-9_-], got 'aot s01e01'"},
      {"id too long", ExampleWith("aot-s01e01-2024-001", std::string(101, 'a')),
       "ManifestId: expected 1-100 characters"},
      {"duplicate id", ExampleWith("<Episode>", "<ManifestId>x</ManifestId><Episode>"),
       "ManifestId: appears more than once"},
      {"missing episode", ExampleWithout("<Episode>", "</Episode>"),
       "Episode: is required but missing"},
      {"missing mezzanine", ExampleWithout("<Mezzanine>", "</Mezzanine>"),
       "Mezzanine: is required but missing"},
      {"uppercase series", ExampleWith(kSeries, "<SeriesId>Attack</SeriesId>"),
       "Episode/SeriesId: expected 1-50 characters of [a-z0-9-], got 'Attack'"},
      {"empty series", ExampleWith(kSeries, "<SeriesId>  </SeriesId>"),
       "Episode/SeriesId: expected 1-50 characters"},
      {"empty title", ExampleWith("Attack on Titan<", "<"),
       "Episode/SeriesTitle: expected 1-200 characters, got 0 (empty)"},
      {"long episode title", ExampleWith("To You, in 2000 Years", std::string(301, 'x')),
       "Episode/EpisodeTitle: expected 1-300 characters, got 301"},
      {"season not a number", ExampleWith("<SeasonNumber>1<", "<SeasonNumber>one<"),
       "Episode/SeasonNumber: expected a whole number from 1 to 100, got 'one'"},
      {"season zero", ExampleWith("<SeasonNumber>1<", "<SeasonNumber>0<"),
       "Episode/SeasonNumber: expected a whole number from 1 to 100, got '0'"},
      {"season fraction", ExampleWith("<SeasonNumber>1<", "<SeasonNumber>1.5<"),
       "Episode/SeasonNumber: expected a whole number"},
      {"episode too big", ExampleWith("<EpisodeNumber>1<", "<EpisodeNumber>10000<"),
       "Episode/EpisodeNumber: expected a whole number from 1 to 9999, got '10000'"},
      {"episode overflow", ExampleWith("<EpisodeNumber>1<", "<EpisodeNumber>99999999999999999999<"),
       "Episode/EpisodeNumber: expected a whole number"},
      {"duration text",
       ExampleWith("<DurationSeconds>1440.5</DurationSeconds>\n    <Content",
                   "<DurationSeconds>long</DurationSeconds>\n    <Content"),
       "Episode/DurationSeconds: expected a number greater than 0"},
      {"duration exponent",
       ExampleWith("<DurationSeconds>1440.5</DurationSeconds>\n    <Content",
                   "<DurationSeconds>1e3</DurationSeconds>\n    <Content"),
       "Episode/DurationSeconds: expected a number greater than 0 and at most 1e+07, got '1e3'"},
      {"duration nan",
       ExampleWith("<DurationSeconds>1440.5</DurationSeconds>\n    <Content",
                   "<DurationSeconds>nan</DurationSeconds>\n    <Content"),
       "got 'nan'"},
      {"durations disagree",
       ExampleWith("<DurationSeconds>1440.5</DurationSeconds>\n    <Content",
                   "<DurationSeconds>1442</DurationSeconds>\n    <Content"),
       "Episode/DurationSeconds: 1442 differs from Mezzanine/DurationSeconds 1440.5 by more than "
       "1.0 s"},
      {"bad rating", ExampleWith("TV-14", "R"),
       "Episode/ContentRating: expected one of TV-Y, "
       "TV-Y7, TV-G, TV-PG, TV-14, TV-MA, got 'R'"},
      {"bad date",
       ExampleWith("<ContentRating>", "<ReleaseDate>2024-02-30</ReleaseDate><ContentRating>"),
       "Episode/ReleaseDate: expected an ISO-8601 date"},
      {"bad date-time",
       ExampleWith("<ContentRating>",
                   "<ReleaseDate>2024-04-07T25:00:00Z</ReleaseDate><ContentRating>"),
       "got '2024-04-07T25:00:00Z'"},
      {"bad bool",
       ExampleWith("<ContentRating>", "<IsSimulcast>maybe</IsSimulcast><ContentRating>"),
       "Episode/IsSimulcast: expected true/yes/1 or false/no/0, got 'maybe'"},
      {"missing mezzanine path",
       ExampleWith("<FilePath>mezzanines/attack-on-titan/s01e01.mov</FilePath>", ""),
       "Mezzanine/FilePath: is required but missing"},
      {"absolute path", ExampleWith("mezzanines/attack-on-titan/s01e01.mov", "/etc/passwd"),
       "Mezzanine/FilePath: must be relative to the input root, got '/etc/passwd'"},
      {"escaping path",
       ExampleWith("mezzanines/attack-on-titan/s01e01.mov", "mezzanines/../../x.mov"),
       "Mezzanine/FilePath: must stay inside the input root"},
      {"short md5", ExampleWith("d41d8cd98f00b204e9800998ecf8427e", "xyz"),
       "Mezzanine/ChecksumMD5: expected 32 hex digits, got 'xyz'"},
      {"non-hex md5",
       ExampleWith("d41d8cd98f00b204e9800998ecf8427e", "g41d8cd98f00b204e9800998ecf8427e"),
       "Mezzanine/ChecksumMD5: expected 32 hex digits"},
      {"long xxhash", ExampleWith("ef46db3751d8e999", "ef46db3751d8e9990"),
       "Mezzanine/ChecksumXXHash: expected 16 hex digits, got 'ef46db3751d8e9990'"},
      {"zero size", ExampleWith("<FileSizeBytes>15728640000<", "<FileSizeBytes>0<"),
       "Mezzanine/FileSizeBytes: expected a whole number from 1"},
      {"negative size", ExampleWith("<FileSizeBytes>15728640000<", "<FileSizeBytes>-5<"),
       "Mezzanine/FileSizeBytes: expected a whole number from 1"},
      {"empty codec", ExampleWith("<VideoCodec>ProRes 422 HQ</VideoCodec>", "<VideoCodec/>"),
       "Mezzanine/VideoCodec: expected 1-50 characters, got 0 (empty)"},
      {"narrow", ExampleWith("<ResolutionWidth>1920<", "<ResolutionWidth>100<"),
       "Mezzanine/ResolutionWidth: expected a whole number from 320 to 7680, got '100'"},
      {"tall", ExampleWith("<ResolutionHeight>1080<", "<ResolutionHeight>5000<"),
       "Mezzanine/ResolutionHeight: expected a whole number from 240 to 4320"},
      {"frame rate too high", ExampleWith("<FrameRate>23.976<", "<FrameRate>240<"),
       "Mezzanine/FrameRate: expected a number greater than 0 and at most 120, got '240'"},
      {"frame rate zero", ExampleWith("<FrameRate>23.976<", "<FrameRate>0<"),
       "Mezzanine/FrameRate: expected a number greater than 0"},
      {"bitrate text", ExampleWith("<BitrateKbps>220000<", "<BitrateKbps>fast<"),
       "Mezzanine/BitrateKbps: expected a whole number"},
      {"bit depth", ExampleWith("<BitrateKbps>", "<BitDepth>4</BitDepth><BitrateKbps>"),
       "Mezzanine/BitDepth: expected a whole number from 8 to 16, got '4'"},
      {"no audio tracks", ExampleWithout("<AudioTracks>", "</AudioTracks>"),
       "AudioTracks: at least one AudioTrack is required"},
      {"two default audio",
       ExampleWith("<Label>English</Label><TrackIndex>2",
                   "<Label>English</Label><IsDefault>yes</IsDefault><TrackIndex>2"),
       "AudioTracks: exactly one AudioTrack must have IsDefault=true, got 2"},
      {"no default audio", ExampleWith("<IsDefault>true</IsDefault><TrackIndex>1", "<TrackIndex>1"),
       "AudioTracks: exactly one AudioTrack must have IsDefault=true, got 0"},
      {"bad audio language",
       ExampleWith("<Language>en</Language><Label>English</Label><Track",
                   "<Language>english</Language><Label>English</Label><Track"),
       "AudioTracks/AudioTrack[2]/Language: expected one of ja, en, es"},
      {"empty audio label", ExampleWith("<Label>日本語</Label>", "<Label></Label>"),
       "AudioTracks/AudioTrack[1]/Label: expected 1-100 characters"},
      {"channels",
       ExampleWith("<TrackIndex>2</TrackIndex>",
                   "<TrackIndex>2</TrackIndex><Channels>9</Channels>"),
       "AudioTracks/AudioTrack[2]/Channels: expected a whole number from 1 to 8, got '9'"},
      {"duplicate track index",
       ExampleWith("<TrackIndex>2</TrackIndex>", "<TrackIndex>1</TrackIndex>"),
       "AudioTracks/AudioTrack[2]/TrackIndex: 1 is already used by AudioTrack[1]"},
      {"bad subtitle language",
       ExampleWith("<SubtitleTrack><Language>en<", "<SubtitleTrack><Language>es<"),
       "SubtitleTracks/SubtitleTrack[1]/Language: expected one of en, es-419"},
      {"subtitle path escape", ExampleWith("subs/s01e01.en.vtt", "../subs/s01e01.en.vtt"),
       "SubtitleTracks/SubtitleTrack[1]/FilePath: must stay inside the input root"},
      {"subtitle format",
       ExampleWith("<IsDefault>true</IsDefault></SubtitleTrack>",
                   "<IsDefault>true</IsDefault><Format>DOCX</Format></SubtitleTrack>"),
       "SubtitleTracks/SubtitleTrack[1]/Format: expected one of WebVTT, SRT, TTML, ASS, got "
       "'DOCX'"},
      {"two default subtitles",
       ExampleWith("</SubtitleTracks>",
                   "<SubtitleTrack><Language>fr</Language><Label>Français</Label><FilePath>s.vtt"
                   "</FilePath><IsDefault>1</IsDefault></SubtitleTrack></SubtitleTracks>"),
       "SubtitleTracks: at most one SubtitleTrack may have IsDefault=true, got 2"},
      {"priority", ExampleWith("<Priority>5<", "<Priority>11<"),
       "Priority: expected a whole number from 0 to 10, got '11'"},
      {"ftp callback",
       ExampleWith("https://partner.example/hooks/transcode", "ftp://partner.example/x"),
       "CallbackUrl: expected an http:// or https:// URL with a host, got "
       "'ftp://partner.example/x'"},
      {"hostless callback", ExampleWith("https://partner.example/hooks/transcode", "https:///x"),
       "CallbackUrl: expected an http:// or https:// URL with a host"},
      {"nested element as text",
       ExampleWith("<SeriesTitle>Attack on Titan</SeriesTitle>",
                   "<SeriesTitle><b>Attack</b></SeriesTitle>"),
       "Episode/SeriesTitle: expected text, got child elements"},
  };
}

TEST(ParseManifest, NamesTheFieldAndTheRuleOfEveryBadManifest) {
  const std::vector<BadCase> cases = BadManifests();
  EXPECT_GE(cases.size(), 60u);
  for (const BadCase& c : cases) {
    EXPECT_THAT(ParseManifest(c.xml),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.name;
  }
}

TEST(ParseManifest, ReportsEveryProblemAtOnce) {
  std::string xml = ExampleWith("<SeasonNumber>1<", "<SeasonNumber>x<");
  xml.replace(xml.find("TV-14"), 5, "R");
  xml.replace(xml.find("d41d8cd98f00b204e9800998ecf8427e"), 32, "xyz");
  xml.replace(xml.find("<Language>en</Language><Label>English</Label><Track"), 23,
              "<Language>xx</Language>");
  absl::StatusOr<ParsedManifest> parsed = ParseManifest(xml);
  ASSERT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<std::string> lines =
      absl::StrSplit(std::string(parsed.status().message()), '\n');
  EXPECT_EQ(lines.size(), 4u) << parsed.status();
  EXPECT_THAT(lines[0], HasSubstr("Episode/SeasonNumber"));
  EXPECT_THAT(lines[1], HasSubstr("Episode/ContentRating"));
  EXPECT_THAT(lines[2], HasSubstr("Mezzanine/ChecksumMD5"));
  EXPECT_THAT(lines[3], HasSubstr("AudioTracks/AudioTrack[2]/Language"));
}

}  // namespace
}  // namespace atp::manifest
