// The subtitle rules on a package laid out as atp writes one (package/testdata/master_subs.m3u8,
// subs_en.m3u8, manifest_subs.mpd; package/webvtt_writer.h): 14.014 s of video in three
// segments (6.006, 6.006, 2.002 s) that ffmpeg writes, and three WebVTT renditions written here
// in the writers' formats. The unchanged package has no finding at all; each test breaks one
// thing. These also run in the sanitizer build.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "atp/validate/init_segment.h"
#include "atp/validate/m3u8_parser.h"
#include "atp/validate/package_validator.h"
#include "atp/validate/webvtt_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

namespace fs = std::filesystem;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

void WriteFile(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

// Replaces the first `from` in `file` by `to`.
void Replace(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = testing::ReadFile(file);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << file;
  WriteFile(file, text.replace(at, from.size(), to));
}

// The 1-based number of the first line of `file` that holds `part`; 0 when none does.
int LineOf(const fs::path& file, const std::string& part) {
  const std::string text = testing::ReadFile(file);
  const size_t at = text.find(part);
  return at == std::string::npos
             ? 0
             : 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

struct TestCue {
  int64_t start_ms;
  int64_t end_ms;
  std::string text;
  std::string identifier;
  std::string settings;
};

std::string Timestamp(int64_t ms) {
  return absl::StrFormat("%02d:%02d:%02d.%03d", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
                         ms % 1000);
}

// As package/webvtt_writer.cc writes them.
std::string Blocks() { return "STYLE\n::cue { color: yellow; }\n\nREGION\nid:top\n\n"; }
std::string CueText(const TestCue& cue) {
  std::string out = cue.identifier.empty() ? "" : cue.identifier + "\n";
  absl::StrAppend(&out, Timestamp(cue.start_ms), " --> ", Timestamp(cue.end_ms));
  if (!cue.settings.empty()) absl::StrAppend(&out, " ", cue.settings);
  absl::StrAppend(&out, "\n", cue.text, "\n\n");
  return out;
}
std::string WebVttFile(const std::vector<TestCue>& cues) {
  std::string out = "WEBVTT\n\n" + Blocks();
  for (const TestCue& cue : cues) out += CueText(cue);
  return out;
}
std::string WebVttSegment(const std::vector<TestCue>& cues, int64_t start_ms, int64_t end_ms) {
  std::string out = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n" + Blocks();
  for (const TestCue& cue : cues) {
    if (cue.start_ms < end_ms && cue.end_ms > start_ms) out += CueText(cue);
  }
  return out;
}

// The video's segments, as the subtitle segments follow them.
constexpr int64_t kSegmentMs[] = {6006, 6006, 2002};

struct Subtitle {
  std::string name;
  std::string language;
  std::string label;
  bool is_default;
  bool is_forced;
  std::vector<TestCue> cues;
};

const std::vector<Subtitle>& Subtitles() {
  static const auto* subtitles = new std::vector<Subtitle>{
      {"subs_en",
       "en",
       "English",
       true,
       false,
       {{1000, 3500, "Hello.", "1", "line:90% align:center"},
        {5500, 7000, "Across the first boundary.", "2", ""},
        {12500, 13900, "<i>The end.</i>", "", ""}}},
      {"subs_en_forced",
       "en",
       "English (Signs & Songs)",
       false,
       true,
       {{2000, 2500, "SIGN", "", "line:10%"}}},
      {"subs_ja", "ja", "日本語", false, false, {{500, 13000, "長い字幕", "", ""}}},  // In every
                                                                                      // segment.
  };
  return *subtitles;
}

// The package, in `dir`: video/ (ffmpeg), subs_*/ (playlist.m3u8, seg_0000N.vtt,
// subtitles.vtt), master.m3u8 and manifest.mpd with every declared value right.
void WriteSubtitlePackage(const fs::path& dir) {
  fs::create_directories(dir / "video");
  const std::string command =
      "cd " + (dir / "video").string() +
      " && ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=160x120:rate=24000/1001 "
      "-t 14.014 -c:v libx264 -bf 0 -g 144 -keyint_min 144 -sc_threshold 0 -pix_fmt yuv420p "
      "-f hls -hls_time 6 -hls_playlist_type vod -hls_segment_type fmp4 "
      "-hls_fmp4_init_filename init.mp4 -hls_segment_filename 'seg_%03d.m4s' playlist.m3u8";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  ASSERT_OK_AND_ASSIGN(InitSegmentInfo init,
                       ParseInitSegment(testing::ReadFile(dir / "video/init.mp4")));
  ASSERT_OK_AND_ASSIGN(M3u8Playlist video,
                       ParseM3u8(testing::ReadFile(dir / "video/playlist.m3u8")));
  ASSERT_EQ(video.segments.size(), 3u);
  double peak = 0;
  double bits = 0;
  double seconds = 0;
  for (const M3u8Segment& segment : video.segments) {
    const double segment_bits = 8.0 * fs::file_size(dir / "video" / segment.uri);
    peak = std::max(peak, segment_bits / segment.duration_seconds);
    bits += segment_bits;
    seconds += segment.duration_seconds;
  }
  const int64_t bandwidth = static_cast<int64_t>(std::ceil(peak));
  const int64_t average = static_cast<int64_t>(bits / seconds);

  std::string master = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\n";
  std::string text_sets;
  int set_id = 1;
  for (const Subtitle& subtitle : Subtitles()) {
    const fs::path folder = dir / subtitle.name;
    std::string playlist =
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n";
    int64_t start_ms = 0;
    for (int i = 0; i < 3; ++i) {
      const std::string uri = absl::StrFormat("seg_%05d.vtt", i + 1);
      absl::StrAppendFormat(&playlist, "#EXTINF:%.3f,\n%s\n", kSegmentMs[i] / 1000.0, uri);
      WriteFile(folder / uri, WebVttSegment(subtitle.cues, start_ms, start_ms + kSegmentMs[i]));
      start_ms += kSegmentMs[i];
    }
    WriteFile(folder / "playlist.m3u8", playlist + "#EXT-X-ENDLIST\n");
    WriteFile(folder / "subtitles.vtt", WebVttFile(subtitle.cues));
    absl::StrAppend(&master, "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"",
                    subtitle.language, "\",NAME=\"", subtitle.label,
                    "\",DEFAULT=", subtitle.is_default ? "YES" : "NO",
                    ",AUTOSELECT=YES,FORCED=", subtitle.is_forced ? "YES" : "NO", ",URI=\"",
                    subtitle.name, "/playlist.m3u8\"\n");
    absl::StrAppend(&text_sets, "    <AdaptationSet id=\"", set_id++,
                    "\" contentType=\"text\" mimeType=\"text/vtt\" lang=\"", subtitle.language,
                    "\">\n      <Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"",
                    subtitle.is_forced ? "forced-subtitle" : "subtitle",
                    "\" />\n      <Representation id=\"", subtitle.name,
                    "\" bandwidth=\"1000\">\n        <BaseURL>", subtitle.name,
                    "/subtitles.vtt</BaseURL>\n      </Representation>\n    </AdaptationSet>\n");
  }
  absl::StrAppend(&master, "\n#EXT-X-STREAM-INF:BANDWIDTH=", bandwidth,
                  ",AVERAGE-BANDWIDTH=", average, ",CODECS=\"", init.codecs,
                  "\",RESOLUTION=160x120,FRAME-RATE=23.976,SUBTITLES=\"subs\","
                  "CLOSED-CAPTIONS=NONE\nvideo/playlist.m3u8\n");
  WriteFile(dir / "master.m3u8", master);

  const int64_t timescale = init.timescale;
  WriteFile(
      dir / "manifest.mpd",
      absl::StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
                   "profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" type=\"static\" "
                   "mediaPresentationDuration=\"PT14.014S\" minBufferTime=\"PT7S\">\n"
                   "  <Period id=\"0\" start=\"PT0S\">\n"
                   "    <AdaptationSet id=\"0\" contentType=\"video\" mimeType=\"video/mp4\">\n"
                   "      <Representation id=\"video\" codecs=\"",
                   init.codecs, "\" bandwidth=\"", bandwidth,
                   "\" width=\"160\" height=\"120\" sar=\"1:1\">\n"
                   "        <SegmentTemplate timescale=\"",
                   timescale,
                   "\" initialization=\"video/init.mp4\" media=\"video/seg_$Number%03d$.m4s\" "
                   "startNumber=\"0\">\n          <SegmentTimeline>\n            <S t=\"0\" d=\"",
                   6006 * timescale / 1000, "\" r=\"1\" />\n            <S d=\"",
                   2002 * timescale / 1000,
                   "\" />\n          </SegmentTimeline>\n        </SegmentTemplate>\n"
                   "      </Representation>\n    </AdaptationSet>\n",
                   text_sets, "  </Period>\n</MPD>\n"));
}

ValidateOptions DefaultOptions() {
  return {.subtitle_languages = std::vector<std::string>{"en", "ja"}};
}

class SubtitleValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    original_ = new testing::TempDir();
    WriteSubtitlePackage(original_->path());
  }
  static void TearDownTestSuite() { delete original_; }

  void SetUp() override { fs::copy(original_->path(), package(), fs::copy_options::recursive); }

  fs::path package() const { return dir_.path() / "pkg"; }

  // "RULE where" of every finding about the package; with `messages`, ": message" too.
  std::vector<std::string> Findings(const ValidateOptions& options = DefaultOptions(),
                                    bool messages = false) {
    absl::StatusOr<ValidationReport> report = ValidatePackage(package(), options);
    EXPECT_OK(report.status());
    std::vector<std::string> findings;
    if (!report.ok()) return findings;
    for (const Finding& finding : report->findings()) {
      findings.push_back(
          absl::StrCat(finding.rule, " ", finding.where, messages ? ": " + finding.message : ""));
    }
    return findings;
  }
  std::vector<std::string> Messages(const ValidateOptions& options = DefaultOptions()) {
    return Findings(options, /*messages=*/true);
  }

  static testing::TempDir* original_;
  testing::TempDir dir_;
};
testing::TempDir* SubtitleValidationTest::original_ = nullptr;

// What each subtitle playlist's segment N is called where a finding names it.
std::string SegmentWhere(const std::string& rendition, int n) {
  return absl::StrFormat("%s/playlist.m3u8:%d -> seg_%05d.vtt", rendition, 5 + 2 * n, n);
}

TEST_F(SubtitleValidationTest, TheUnchangedPackageHasNoFinding) {
  EXPECT_THAT(Messages(), IsEmpty());
  EXPECT_THAT(Messages(ValidateOptions{}), IsEmpty());
  // BCP 47 tags compare case-insensitively; the source's duration is the video's.
  EXPECT_THAT(Messages({.source_duration_seconds = 14.014,
                        .subtitle_languages = std::vector<std::string>{"EN", "ja"}}),
              IsEmpty());
}

TEST_F(SubtitleValidationTest, AVariantWithoutSubtitlesIsAGroupFinding) {
  const int variant = LineOf(package() / "master.m3u8", "#EXT-X-STREAM-INF:");
  Replace(package() / "master.m3u8", ",SUBTITLES=\"subs\"", "");
  EXPECT_THAT(Messages(), ElementsAre(absl::StrCat(
                              "SUBS-GROUP master.m3u8:", variant,
                              ": no SUBTITLES attribute although the playlist has SUBTITLES "
                              "group(s) subs: players of this variant offer no subtitles")));
}

TEST_F(SubtitleValidationTest, GroupFaultsAreFindingsOnTheirLines) {
  const fs::path master = package() / "master.m3u8";
  const int variant = LineOf(master, "#EXT-X-STREAM-INF:");
  const int forced = LineOf(master, "FORCED=YES");
  const int ja = LineOf(master, "LANGUAGE=\"ja\"");
  Replace(master, "SUBTITLES=\"subs\",CLOSED", "SUBTITLES=\"subtitles\",CLOSED");
  Replace(master, "NAME=\"日本語\",", "");
  Replace(master, "NAME=\"English (Signs & Songs)\",DEFAULT=NO", "NAME=\"Signs\",DEFAULT=YES");
  EXPECT_THAT(
      Messages(),
      ElementsAre(absl::StrCat("SUBS-GROUP master.m3u8:", forced,
                               ": second DEFAULT=YES in SUBTITLES group 'subs'"),
                  absl::StrCat("SUBS-GROUP master.m3u8:", ja, ": subtitle rendition without NAME"),
                  absl::StrCat("SUBS-GROUP master.m3u8:", variant,
                               ": SUBTITLES=\"subtitles\" names no TYPE=SUBTITLES group "
                               "of this playlist")));
}

// FORCED is for subtitles only (RFC 8216 4.3.4.1). Audio without a URI is in the variant, so
// nothing else is read.
TEST_F(SubtitleValidationTest, ForcedOnAudioIsAGroupFinding) {
  Replace(package() / "master.m3u8", "\n\n#EXT-X-MEDIA:TYPE=SUBTITLES",
          "\n\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",LANGUAGE=\"en\",NAME=\"English\","
          "DEFAULT=YES,AUTOSELECT=YES,FORCED=YES\n#EXT-X-MEDIA:TYPE=SUBTITLES");
  const int audio = LineOf(package() / "master.m3u8", "#EXT-X-MEDIA:TYPE=AUDIO");
  EXPECT_THAT(Messages(), ElementsAre(absl::StrCat(
                              "SUBS-GROUP master.m3u8:", audio,
                              ": FORCED=YES on TYPE=AUDIO: FORCED is for TYPE=SUBTITLES only "
                              "(RFC 8216 4.3.4.1)")));
}

TEST_F(SubtitleValidationTest, ASegmentWithoutTimestampMapIsAFinding) {
  Replace(package() / "subs_en/seg_00002.vtt", "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n", "");
  EXPECT_THAT(Findings(), ElementsAre("SUBS-TIMESTAMP-MAP " + SegmentWhere("subs_en", 2)));
}

TEST_F(SubtitleValidationTest, AMappingOtherThanTheFirstSegmentsIsAFinding) {
  // The same mapping written otherwise is no finding: cue time 10 s at MPEGTS 10 s.
  Replace(package() / "subs_en/seg_00002.vtt", "MPEGTS:0,LOCAL:00:00:00.000",
          "LOCAL:00:00:10.000,MPEGTS:900000");
  EXPECT_THAT(Findings(), IsEmpty());
  Replace(package() / "subs_en/seg_00003.vtt", "MPEGTS:0,", "MPEGTS:180000,");
  EXPECT_THAT(Messages(),
              ElementsAre("SUBS-TIMESTAMP-MAP " + SegmentWhere("subs_en", 3) +
                          ":2: X-TIMESTAMP-MAP=MPEGTS:180000,LOCAL:00:00:00.000 but " +
                          SegmentWhere("subs_en", 1) +
                          " has MPEGTS:0,LOCAL:00:00:00.000: its cues would jump by 2.000 s"));
  Replace(package() / "subs_en/seg_00003.vtt", "MPEGTS:180000,", "MPEGTS:x,");
  EXPECT_THAT(Findings(), ElementsAre("SUBS-TIMESTAMP-MAP " + SegmentWhere("subs_en", 3) + ":2"));
}

TEST_F(SubtitleValidationTest, ACueEndingBeforeItStartsIsAParseFindingWithItsLine) {
  const fs::path segment = package() / "subs_en/seg_00001.vtt";
  const int line = LineOf(segment, "00:00:05.500 --> 00:00:07.000");
  ASSERT_GT(line, 0);
  Replace(segment, "00:00:05.500 --> 00:00:07.000", "00:00:05.000 --> 00:00:04.000");
  EXPECT_THAT(Messages(),
              ElementsAre(absl::StrCat("SUBS-PARSE ", SegmentWhere("subs_en", 1), ":", line,
                                       ": the cue ends at 00:00:04.000, not after it starts "
                                       "(00:00:05.000): players never show it")));
}

TEST_F(SubtitleValidationTest, MalformedTimingLinesAreParseFindingsWithTheirLines) {
  const fs::path segment = package() / "subs_en/seg_00001.vtt";
  const int first = LineOf(segment, "00:00:01.000 -->");
  const int second = LineOf(segment, "00:00:05.500 -->");
  Replace(segment, "00:00:01.000 -->", "00:00:01,000 -->");
  Replace(segment, "00:00:05.500 --> 00:00:07.000", "00:00:05.500 --> 00:00:07.000x");
  EXPECT_THAT(Findings(),
              ElementsAre(absl::StrCat("SUBS-PARSE ", SegmentWhere("subs_en", 1), ":", first),
                          absl::StrCat("SUBS-PARSE ", SegmentWhere("subs_en", 1), ":", second)));
  EXPECT_THAT(Messages()[0], HasSubstr(": malformed cue timing line \"00:00:01,000 --> "
                                       "00:00:03.500 line:90% align:center\": expected "));
}

TEST_F(SubtitleValidationTest, ASegmentThatIsNotWebVttIsAParseFinding) {
  WriteFile(package() / "subs_ja/seg_00002.vtt", std::string("\x89PNG\r\n\x1a\n\0\xff", 10));
  EXPECT_THAT(Messages(), ElementsAre("SUBS-PARSE " + SegmentWhere("subs_ja", 2) +
                                      ": not WebVTT: the first line is not \"WEBVTT\" (alone or "
                                      "followed by a space or tab)"));
}

TEST_F(SubtitleValidationTest, ACueInASegmentItDoesNotOverlapIsACoverageFinding) {
  // The first cue (1 s to 3.5 s) also in the last segment, 12.012 s to 14.014 s.
  const fs::path segment = package() / "subs_en/seg_00003.vtt";
  Replace(segment, "REGION\nid:top\n\n",
          "REGION\nid:top\n\n00:00:01.000 --> 00:00:03.500\nHello.\n\n");
  const int line = LineOf(segment, "00:00:01.000 -->");
  EXPECT_THAT(Messages(), ElementsAre(absl::StrCat(
                              "SUBS-COVERAGE ", SegmentWhere("subs_en", 3), ":", line,
                              ": cue 00:00:01.000 --> 00:00:03.500 is not shown during this "
                              "segment (12.012 s to 14.014 s)")));
}

// A playlist missing its second segment: 6.006 s short, and its last segment's window moves
// to 6.006 s - 8.008 s, where its cue is not shown.
TEST_F(SubtitleValidationTest, APlaylistSixSecondsShortIsACoverageFinding) {
  Replace(package() / "subs_en/playlist.m3u8", "#EXTINF:6.006,\nseg_00002.vtt\n", "");
  const int line = LineOf(package() / "subs_en/seg_00003.vtt", "00:00:12.500 -->");
  EXPECT_THAT(
      Messages(),
      ElementsAre("SUBS-COVERAGE subs_en/playlist.m3u8: the EXTINFs add up to 8.008 s but the "
                  "video lasts 14.014 s (6.006 s missing)",
                  absl::StrCat("SUBS-COVERAGE subs_en/playlist.m3u8:9 -> seg_00003.vtt:", line,
                               ": cue 00:00:12.500 --> 00:00:13.900 is not shown during this "
                               "segment (6.006 s to 8.008 s)")));
  // Against the source's duration when it is given.
  EXPECT_THAT(Messages({.source_duration_seconds = 20.0}),
              ::testing::Contains("SUBS-COVERAGE subs_en/playlist.m3u8: the EXTINFs add up to "
                                  "8.008 s but the source lasts 20.000 s (11.992 s missing)"));
}

TEST_F(SubtitleValidationTest, CuesPastTheProgrammeAreCoverageFindings) {
  // The last cue runs to 15 s in the last HLS segment and in the DASH sidecar.
  Replace(package() / "subs_en/seg_00003.vtt", "00:00:13.900", "00:00:15.000");
  Replace(package() / "subs_en/subtitles.vtt", "00:00:13.900", "00:00:15.000");
  const int segment_line = LineOf(package() / "subs_en/seg_00003.vtt", "00:00:12.500");
  const int file_line = LineOf(package() / "subs_en/subtitles.vtt", "00:00:12.500");
  EXPECT_THAT(
      Messages(),
      ElementsAre(absl::StrCat("SUBS-COVERAGE ", SegmentWhere("subs_en", 3), ":", segment_line,
                               ": cue 00:00:12.500 --> 00:00:15.000 ends after the programme's "
                               "end (14.014 s)"),
                  absl::StrCat("SUBS-COVERAGE manifest.mpd Representation subs_en -> "
                               "subs_en/subtitles.vtt:",
                               file_line,
                               ": cue 00:00:12.500 --> 00:00:15.000 ends after the programme's "
                               "end (14.014 s)")));
}

TEST_F(SubtitleValidationTest, ALanguageNotInTheManifestIsALanguageFinding) {
  const int ja = LineOf(package() / "master.m3u8", "LANGUAGE=\"ja\"");
  Replace(package() / "master.m3u8", "LANGUAGE=\"ja\"", "LANGUAGE=\"fr\"");
  Replace(package() / "manifest.mpd", "lang=\"ja\"", "lang=\"fr\"");
  EXPECT_THAT(
      Messages(),
      ElementsAre(absl::StrCat("SUBS-LANGUAGE master.m3u8:", ja,
                               ": LANGUAGE=\"fr\" is not among the manifest's subtitle languages "
                               "(en, ja)"),
                  "SUBS-LANGUAGE master.m3u8: the manifest's subtitle language 'ja' has no "
                  "SUBTITLES rendition",
                  "SUBS-LANGUAGE manifest.mpd AdaptationSet 3: @lang=\"fr\" is not among the "
                  "manifest's subtitle languages (en, ja)",
                  "SUBS-LANGUAGE manifest.mpd: the manifest's subtitle language 'ja' has no text "
                  "AdaptationSet"));
  // Without the manifest's languages, any language is taken.
  EXPECT_THAT(Findings(ValidateOptions{}), IsEmpty());
}

TEST_F(SubtitleValidationTest, ATextAdaptationSetWithoutLangIsADashLangFinding) {
  Replace(package() / "manifest.mpd", " lang=\"ja\"", "");
  EXPECT_THAT(Messages(),
              ElementsAre("DASH-LANG manifest.mpd AdaptationSet 3: text AdaptationSet without "
                          "@lang",
                          "SUBS-LANGUAGE manifest.mpd: the manifest's subtitle language 'ja' has "
                          "no text AdaptationSet"));
}

TEST_F(SubtitleValidationTest, AMissingDashSidecarIsFileMissing) {
  fs::remove(package() / "subs_ja/subtitles.vtt");
  EXPECT_THAT(Findings(), ElementsAre("FILE-MISSING manifest.mpd Representation subs_ja -> "
                                      "subs_ja/subtitles.vtt"));
}

TEST_F(SubtitleValidationTest, ADashSidecarOfGarbageIsAParseFinding) {
  std::string garbage;
  uint32_t state = 12345;
  for (int i = 0; i < 4096; ++i) {
    state = state * 1103515245 + 12345;
    garbage.push_back(static_cast<char>(state >> 24));
  }
  WriteFile(package() / "subs_ja/subtitles.vtt", garbage);
  EXPECT_THAT(Messages(), ElementsAre("SUBS-PARSE manifest.mpd Representation subs_ja -> "
                                      "subs_ja/subtitles.vtt: not WebVTT: the first line is not "
                                      "\"WEBVTT\" (alone or followed by a space or tab)"));
  // Behind a WebVTT header the garbage is read line by line: problems with their lines, at
  // most kMaxWebVttProblems of them and one finding for the rest.
  WriteFile(package() / "subs_ja/subtitles.vtt", "WEBVTT\n\n" + garbage + "\n\n" + garbage);
  const std::vector<std::string> findings = Findings();
  ASSERT_FALSE(findings.empty());
  EXPECT_LE(findings.size(), static_cast<size_t>(kMaxWebVttProblems + 1));
  for (const std::string& finding : findings) {
    EXPECT_THAT(finding, ::testing::StartsWith("SUBS-PARSE manifest.mpd Representation subs_ja -> "
                                               "subs_ja/subtitles.vtt"));
  }
}

// Text in other formats (TTML, fMP4) is not read: no finding, not even for a missing file.
TEST_F(SubtitleValidationTest, OtherTextFormatsAreNotRead) {
  Replace(package() / "manifest.mpd", "mimeType=\"text/vtt\" lang=\"ja\"",
          "mimeType=\"application/ttml+xml\" lang=\"ja\"");
  fs::remove(package() / "subs_ja/subtitles.vtt");
  EXPECT_THAT(Messages(), IsEmpty());
}

}  // namespace
}  // namespace atp::validate
