// The loudness check on packages the ffmpeg command-line tool writes, so nothing of atp's
// writers is trusted: a 997 Hz sine of peak amplitude A in both channels reads 20·log10(A)
// LUFS (BS.1770-4), before and after AAC.
#include "atp/validate/audio_loudness.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "atp/validate/package_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

namespace fs = std::filesystem;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

void RunShell(const std::string& command) { ASSERT_EQ(std::system(command.c_str()), 0) << command; }

// An fMP4 HLS audio rendition `dir`/a.m3u8 (init.mp4, a_NNN.m4s): 4 s of a stereo 997 Hz
// sine peaking at `dbfs`, AAC-LC 128 kbps.
void WriteAudioRendition(const fs::path& dir, double dbfs) {
  fs::create_directories(dir);
  const std::string sine = absl::StrFormat("%.6f*sin(2*PI*997*t)", std::pow(10, dbfs / 20));
  RunShell(
      absl::StrCat("cd ", dir.string(),
                   " && ffmpeg -nostdin -loglevel error -f lavfi -i \"aevalsrc='", sine, "|", sine,
                   "':s=48000:d=4\" -c:a aac -b:a 128k -f hls -hls_time 2 -hls_playlist_type vod "
                   "-hls_segment_type fmp4 -hls_segment_filename 'a_%03d.m4s' a.m3u8"));
}

// init.mp4 and the segments of the rendition in `dir`, joined.
std::string TrackBytes(const fs::path& dir) {
  std::string bytes = testing::ReadFile(dir / "init.mp4");
  for (int i = 0; fs::exists(dir / absl::StrFormat("a_%03d.m4s", i)); ++i) {
    bytes += testing::ReadFile(dir / absl::StrFormat("a_%03d.m4s", i));
  }
  return bytes;
}

TEST(MeasureFmp4AudioLoudness, MetersWhatTheTrackDecodesTo) {
  testing::TempDir dir;
  WriteAudioRendition(dir.path() / "a", -20);
  ASSERT_OK_AND_ASSIGN(LoudnessMeasurement measured,
                       MeasureFmp4AudioLoudness(TrackBytes(dir.path() / "a")));
  ASSERT_TRUE(measured.integrated_lufs.has_value());
  EXPECT_NEAR(*measured.integrated_lufs, -20.0, 0.3);
  ASSERT_TRUE(measured.true_peak_dbtp.has_value());
  // AAC rings where the sine starts abruptly: ffmpeg's ebur128 reads the same -18.8 dBTP.
  EXPECT_NEAR(*measured.true_peak_dbtp, -18.8, 0.3);
}

TEST(MeasureFmp4AudioLoudness, RefusesWhatIsNotAnAudioTrack) {
  EXPECT_THAT(MeasureFmp4AudioLoudness("not an mp4 at all"),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LoudnessProblems, NamesTheLanguageTheFigureAndTheTarget) {
  const LoudnessTarget atsc{.target_lufs = -24, .ceiling_dbtp = -2};
  EXPECT_THAT(LoudnessProblems("ja", {.integrated_lufs = -30.24, .true_peak_dbtp = -9}, atsc),
              ElementsAre("audio ja: integrated loudness -30.2 LUFS, expected -24 ±1"));
  EXPECT_THAT(LoudnessProblems("en", {.integrated_lufs = -24.9, .true_peak_dbtp = -1.6}, atsc),
              IsEmpty());
  EXPECT_THAT(LoudnessProblems("en", {.integrated_lufs = -23.5, .true_peak_dbtp = -1.2}, atsc),
              ElementsAre(HasSubstr("audio en: true peak -1.2 dBTP, above the ceiling of -2")));
  EXPECT_THAT(LoudnessProblems("fr", {}, atsc), IsEmpty());  // Silence.
}

// A package in `root`: video v.m3u8 and one audio rendition LANGUAGE/a.m3u8 per track, a
// sine at the track's level (dBFS, which it reads in LUFS), the first the default.
void WritePackage(const fs::path& root,
                  const std::vector<std::pair<std::string, double>>& audio_tracks) {
  RunShell("cd " + root.string() +
           " && ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=160x120:rate=24 -t 4 "
           "-c:v libx264 -g 24 -keyint_min 24 -sc_threshold 0 -pix_fmt yuv420p -f hls -hls_time 2 "
           "-hls_playlist_type vod -hls_segment_type fmp4 -hls_segment_filename 'v_%03d.m4s' "
           "v.m3u8");
  std::ofstream master(root / "master.m3u8");
  master << "#EXTM3U\n#EXT-X-VERSION:7\n";
  for (const auto& [language, dbfs] : audio_tracks) {
    WriteAudioRendition(root / language, dbfs);
    master << "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"" << language << "\",NAME=\""
           << language << "\",DEFAULT=" << (language == audio_tracks.front().first ? "YES" : "NO")
           << ",URI=\"" << language << "/a.m3u8\"\n";
  }
  master << "#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=160x120,AUDIO=\"aud\"\nv.m3u8\n";
}

// The AUDIO-LOUDNESS findings of the package in `root`.
std::vector<Finding> LoudnessFindings(const fs::path& root, const ValidateOptions& options) {
  absl::StatusOr<ValidationReport> report = ValidatePackage(root, options);
  EXPECT_TRUE(report.ok()) << report.status();
  std::vector<Finding> findings;
  if (!report.ok()) return findings;
  for (const Finding& finding : report->findings()) {
    if (finding.rule == "AUDIO-LOUDNESS") findings.push_back(finding);
  }
  return findings;
}

class LoudnessPackageTest : public ::testing::Test {
 protected:
  // Two audio renditions: ja at -30 LUFS (off an ATSC target) and en at -24.
  void SetUp() override { WritePackage(dir_.path(), {{"ja", -30}, {"en", -24}}); }

  std::vector<Finding> LoudnessFindings(const ValidateOptions& options) {
    return validate::LoudnessFindings(dir_.path(), options);
  }

  testing::TempDir dir_;
};

TEST_F(LoudnessPackageTest, AnOffTargetTrackIsAnErrorNamingItsLanguage) {
  ValidateOptions options;
  options.loudness = LoudnessTarget{.target_lufs = -24, .ceiling_dbtp = -2};
  const std::vector<Finding> findings = LoudnessFindings(options);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::kError);
  EXPECT_EQ(findings[0].where, "ja/a.m3u8");
  EXPECT_THAT(findings[0].message, HasSubstr("audio ja: integrated loudness -30."));
  EXPECT_THAT(findings[0].message, HasSubstr("LUFS, expected -24 ±1"));
}

TEST_F(LoudnessPackageTest, NoTargetNoCheck) {
  EXPECT_THAT(LoudnessFindings(ValidateOptions{}), IsEmpty());
}

// More audio renditions than this machine has CPUs are metered side by side, at most one per
// CPU at a time: each finding names its own track's language and level, in the playlist's order.
TEST(LoudnessPackage, EveryTrackOfManyIsMeteredAsItself) {
  testing::TempDir dir;
  WritePackage(
      dir.path(),
      {{"ja", -30}, {"en", -24}, {"fr", -18}, {"de", -24}, {"es", -36}, {"it", -24}, {"pt", -12}});
  ValidateOptions options;
  options.loudness = LoudnessTarget{.target_lufs = -24, .ceiling_dbtp = 0};
  const std::vector<Finding> findings = LoudnessFindings(dir.path(), options);
  ASSERT_EQ(findings.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"ja/a.m3u8", "audio ja: integrated loudness -30."},
      {"fr/a.m3u8", "audio fr: integrated loudness -18."},
      {"es/a.m3u8", "audio es: integrated loudness -36."},
      {"pt/a.m3u8", "audio pt: integrated loudness -12."}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(findings[i].where, expected[i].first);
    EXPECT_THAT(findings[i].message, HasSubstr(expected[i].second));
  }
}

}  // namespace
}  // namespace atp::validate
