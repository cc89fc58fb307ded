// The loudness check on packages the ffmpeg command-line tool writes, so nothing of atp's
// writers is trusted: a 997 Hz sine of peak amplitude A in both channels reads 20·log10(A)
// LUFS (BS.1770-4), before and after AAC.
#include "atp/validate/audio_loudness.h"

#include <cmath>
#include <cstdlib>
#include <fstream>

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

class LoudnessPackageTest : public ::testing::Test {
 protected:
  // Video v.m3u8 and two audio renditions: ja at -30 LUFS (off an ATSC target) and en at -24.
  void SetUp() override {
    const fs::path root = dir_.path();
    RunShell(
        "cd " + root.string() +
        " && ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=160x120:rate=24 -t 4 "
        "-c:v libx264 -g 24 -keyint_min 24 -sc_threshold 0 -pix_fmt yuv420p -f hls -hls_time 2 "
        "-hls_playlist_type vod -hls_segment_type fmp4 -hls_segment_filename 'v_%03d.m4s' "
        "v.m3u8");
    WriteAudioRendition(root / "ja", -30);
    WriteAudioRendition(root / "en", -24);
    std::ofstream(root / "master.m3u8")
        << "#EXTM3U\n#EXT-X-VERSION:7\n"
           "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"ja\",NAME=\"Japanese\","
           "DEFAULT=YES,URI=\"ja/a.m3u8\"\n"
           "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"en\",NAME=\"English\","
           "DEFAULT=NO,URI=\"en/a.m3u8\"\n"
           "#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=160x120,AUDIO=\"aud\"\n"
           "v.m3u8\n";
  }

  std::vector<Finding> LoudnessFindings(const ValidateOptions& options) {
    absl::StatusOr<ValidationReport> report = ValidatePackage(dir_.path(), options);
    EXPECT_TRUE(report.ok()) << report.status();
    std::vector<Finding> findings;
    if (!report.ok()) return findings;
    for (const Finding& finding : report->findings()) {
      if (finding.rule == "AUDIO-LOUDNESS") findings.push_back(finding);
    }
    return findings;
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

}  // namespace
}  // namespace atp::validate
