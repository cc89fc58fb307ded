// Loudness normalization end to end, judged on what the package decodes to: a generated
// mezzanine with a quiet track (pink noise below 8 kHz near -35 LUFS with two one-sample
// clicks at -1 dBFS, which the gain pushes far over the ceiling), a loud one (near -10 LUFS,
// peaks at 0 dBFS), a 5.1 one and a mono one go through the transcode and package steps; the ffmpeg
// command-line tool's ebur128 filter (peak=true) then measures each audio rendition
// (init + segments) as a player would hear it.
#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "atp/core/status_macros.h"
#include "atp/encode/ladder_planner.h"
#include "atp/encode/loudness_normalizer.h"
#include "atp/media/probe.h"
#include "atp/pipeline/transcode_and_package.h"
#include "atp/storage/local_blob_store.h"
#include "atp/storage/pinned_file.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "atp/validate/package_validator.h"
#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

namespace fs = std::filesystem;

// A 6 s 256x144 H.264 mezzanine with four 48 kHz PCM audio streams: 1 quiet stereo, 2 loud
// stereo, 3 5.1 with a 997 Hz sine peaking at -20 dBFS in the centre only and a loud 60 Hz
// tone in the LFE, 4 mono with the same sine.
constexpr char kMezzanineCommand[] =
    "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=256x144:rate=24 -filter_complex "
    "\"anoisesrc=c=pink:a=0.08:r=48000:d=6:seed=3,lowpass=f=8000[noise];"
    "aevalsrc='if(eq(mod(n\\,144000)\\,100)\\,0.9\\,0)':s=48000:d=6[clicks];"
    "[noise][clicks]amix=inputs=2:normalize=0,pan=stereo|c0=c0|c1=c0[quiet];"
    "anoisesrc=c=pink:a=1:r=48000:d=6:seed=7,lowpass=f=8000,pan=stereo|c0=c0|c1=c0,volume=3dB,"
    "alimiter=limit=0.97:level=0[loud];"
    "aevalsrc='0|0|0.1*sin(2*PI*997*t)|0.5*sin(2*PI*60*t)|0|0':c=5.1:s=48000:d=6[surround];"
    "aevalsrc='0.1*sin(2*PI*997*t)':c=mono:s=48000:d=6[mono]\" "
    "-map 0:v -map [quiet] -map [loud] -map [surround] -map [mono] -t 6 -c:v libx264 -preset "
    "ultrafast "
    "-g 24 -pix_fmt yuv420p -c:a pcm_s24le ";

struct Measured {
  double integrated_lufs = 0;
  double true_peak_dbtp = 0;
};

// What `ffmpeg -i file [input_options] -af ebur128=peak=true` prints in its summary.
Measured MeasureWithFfmpeg(const std::string& input) {
  const testing::CommandResult result =
      testing::RunCommand("ffmpeg -nostdin -hide_banner -nostats -i " + input +
                          " -af ebur128=peak=true -f null - 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  Measured measured;
  const size_t summary = result.output.find("Summary:");
  EXPECT_NE(summary, std::string::npos) << result.output;
  std::istringstream lines(result.output.substr(summary == std::string::npos ? 0 : summary));
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.size() < 2) continue;
    if (words[0] == "I:") {
      EXPECT_TRUE(absl::SimpleAtod(words[1], &measured.integrated_lufs)) << line;
    } else if (words[0] == "Peak:") {
      EXPECT_TRUE(absl::SimpleAtod(words[1], &measured.true_peak_dbtp)) << line;
    }
  }
  return measured;
}

class LoudnessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    mezzanine_path_ = new fs::path(dir_->path() / "mezzanine.mov");
    const testing::CommandResult made =
        testing::RunCommand(kMezzanineCommand + mezzanine_path_->string() + " 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    absl::StatusOr<std::unique_ptr<storage::PinnedFile>> file =
        storage::PinnedFile::Open(*mezzanine_path_);
    ASSERT_TRUE(file.ok()) << file.status();
    mezzanine_ = file->release();
    absl::StatusOr<SourceInfo> source = media::ProbeMedia(*mezzanine_path_);
    ASSERT_TRUE(source.ok()) << source.status();
    request_ = new PackageRequest();
    request_->mezzanine = mezzanine_;
    request_->source = *source;
    request_->spec.audio_tracks = {
        {.language = "ja", .label = "quiet", .is_default = true, .track_index = 1},
        {.language = "en", .label = "loud", .track_index = 2},
        {.language = "fr", .label = "5.1", .channels = 6, .track_index = 3},
        {.language = "de", .label = "mono", .channels = 1, .track_index = 4}};
    request_->profile.keyframe_interval_seconds = 1;
    request_->profile.segment_seconds = 2;
    request_->profile.h264.rungs = {{144, 200}};
    absl::StatusOr<Ladder> ladder = encode::PlanLadder(request_->profile, 256, 144);
    ASSERT_TRUE(ladder.ok()) << ladder.status();
    request_->ladder = *ladder;
  }
  static void TearDownTestSuite() {
    delete request_;
    delete mezzanine_;
    delete mezzanine_path_;
    delete dir_;
  }
  void SetUp() override { ASSERT_NE(request_, nullptr); }

  // Encodes the audio unit of `request` into `out`; its tracks.
  static absl::StatusOr<std::vector<PackagedTrack>> EncodeAudio(const PackageRequest& request,
                                                                const fs::path& out) {
    fs::create_directories(out);
    ATP_ASSIGN_OR_RETURN(std::unique_ptr<storage::BlobStore> store,
                         storage::OpenLocalBlobStore(out));
    for (const TranscodeUnit& unit : PlanTranscodeUnits(request)) {
      if (unit.part == encode::TranscodePart::kAudio) {
        return EncodeUnit(request, unit, *store, "", nullptr);
      }
    }
    return absl::NotFoundError("no audio unit");
  }

  // The rendition `track` in `folder`, init and segments joined into one file, measured.
  static Measured MeasureRendition(const fs::path& folder, const PackagedTrack& track) {
    const fs::path joined = folder / (track.name + "-joined.mp4");
    std::ofstream file(joined, std::ios::binary);
    file << testing::ReadFile(folder / track.name / track.init_uri);
    for (const MediaSegment& segment : track.segments) {
      file << testing::ReadFile(folder / track.name / segment.uri);
    }
    file.close();
    return MeasureWithFfmpeg(joined.string());
  }

  static testing::TempDir* dir_;
  static fs::path* mezzanine_path_;
  static storage::PinnedFile* mezzanine_;
  static PackageRequest* request_;
};
testing::TempDir* LoudnessTest::dir_ = nullptr;
fs::path* LoudnessTest::mezzanine_path_ = nullptr;
storage::PinnedFile* LoudnessTest::mezzanine_ = nullptr;
PackageRequest* LoudnessTest::request_ = nullptr;

// The default profile (ATSC A/85: -24 LKFS, -2 dBTP), the whole package: every audio rendition
// decodes to -24 ±1 LUFS with its true peak at most -2 dBTP (+0.5 dB for AAC), and the
// validator, holding it to the same target, finds nothing.
TEST_F(LoudnessTest, EveryAudioRenditionDecodesToTheTargetLoudness) {
  const fs::path out = dir_->path() / "atsc";
  fs::create_directories(out);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::BlobStore> store, storage::OpenLocalBlobStore(out));
  std::vector<std::vector<PackagedTrack>> units;
  for (const TranscodeUnit& unit : PlanTranscodeUnits(*request_)) {
    ASSERT_OK_AND_ASSIGN(units.emplace_back(), EncodeUnit(*request_, unit, *store, "", nullptr));
  }
  ASSERT_OK_AND_ASSIGN(PackagedMedia media, AssembleMedia(*request_, units, *store, ""));
  ASSERT_OK(WritePackageManifests(media, /*enable_dash=*/false, *store, ""));

  ASSERT_EQ(media.audio.size(), 4u);
  for (const PackagedTrack& track : media.audio) {
    SCOPED_TRACE(track.name);
    const Measured output = MeasureRendition(out, track);
    std::cout << track.name << ": ffmpeg measures " << output.integrated_lufs << " LUFS, "
              << output.true_peak_dbtp << " dBTP\n";
    EXPECT_NEAR(output.integrated_lufs, -24, 1.0);
    EXPECT_LE(output.true_peak_dbtp, -2 + 0.5);
    // atp's own records agree with what the output measures.
    ASSERT_TRUE(track.loudness.has_value());
    const AudioLoudness& loudness = *track.loudness;
    EXPECT_EQ(loudness.standard, "atsc");
    ASSERT_TRUE(loudness.before.integrated_lufs.has_value());
    EXPECT_NEAR(loudness.gain_db, -24 - *loudness.before.integrated_lufs, 1e-9);
    ASSERT_TRUE(loudness.after.integrated_lufs.has_value());
    EXPECT_NEAR(*loudness.after.integrated_lufs, -24, 1.0);
    ASSERT_TRUE(loudness.after.true_peak_dbtp.has_value());
    EXPECT_LE(*loudness.after.true_peak_dbtp, -2.0);
    if (!encode::LimiterActs(loudness.before.true_peak_dbtp, loudness.gain_db, -2)) {
      // The gain alone (all but the quiet track): the true peak atp records without measuring
      // it again, before's plus the gain, is what the output measures (AAC adds a little).
      EXPECT_NEAR(*loudness.after.true_peak_dbtp, output.true_peak_dbtp, 0.5);
    }
    std::cout << track.name << ": atp measured before " << *loudness.before.integrated_lufs
              << " LUFS " << loudness.before.true_peak_dbtp.value_or(-999) << " dBTP, gain "
              << loudness.gain_db << " dB, after " << *loudness.after.integrated_lufs << " LUFS "
              << *loudness.after.true_peak_dbtp << " dBTP\n";
  }
  // The quiet track's clicks went far over the ceiling with its gain: the limiter held them.
  const AudioLoudness& quiet = *media.audio[0].loudness;
  EXPECT_GT(quiet.gain_db + quiet.before.true_peak_dbtp.value_or(-999), 5.0);
  // The loud track was turned down by more than 10 dB.
  EXPECT_LT(media.audio[1].loudness->gain_db, -10);
  // 5.1 → stereo by ITU-R BS.775: the centre's -20 dBFS sine at -3 dB in both channels reads
  // -23 LUFS; the LFE's loud 60 Hz tone is dropped (it would read far louder).
  const AudioLoudness& surround = *media.audio[2].loudness;
  EXPECT_NEAR(*surround.before.integrated_lufs, -23.0, 0.2);
  EXPECT_NEAR(surround.before.true_peak_dbtp.value_or(-999), -23.0, 0.2);
  // Mono goes to both channels at -3 dB each: the same -23 LUFS (one channel alone: -26).
  const AudioLoudness& mono = *media.audio[3].loudness;
  EXPECT_NEAR(*mono.before.integrated_lufs, -23.0, 0.2);

  validate::ValidateOptions options;
  options.source_duration_seconds = request_->source.duration_seconds();
  options.loudness = validate::LoudnessTarget{.target_lufs = -24, .ceiling_dbtp = -2};
  ASSERT_OK_AND_ASSIGN(validate::ValidationReport report, validate::ValidatePackage(out, options));
  for (const validate::Finding& finding : report.findings()) {
    ADD_FAILURE() << finding.rule << " " << finding.where << ": " << finding.message;
  }
}

// atp measures the source as the ffmpeg tool does: the quiet track's loudness before
// normalization is what ebur128 reads on the mezzanine's first audio stream.
TEST_F(LoudnessTest, TheMeasurementBeforeIsTheSourcesLoudness) {
  ASSERT_OK_AND_ASSIGN(std::vector<PackagedTrack> tracks,
                       EncodeAudio(*request_, dir_->path() / "before"));
  const Measured source = MeasureWithFfmpeg(mezzanine_path_->string() + " -map 0:a:0");
  ASSERT_TRUE(tracks[0].loudness->before.integrated_lufs.has_value());
  EXPECT_NEAR(*tracks[0].loudness->before.integrated_lufs, source.integrated_lufs, 0.2);
  EXPECT_NEAR(tracks[0].loudness->before.true_peak_dbtp.value_or(-999), source.true_peak_dbtp, 0.3);
}

// "streaming" (-16 LUFS, -1 dBTP) and a profile's own figures.
TEST_F(LoudnessTest, StandardsAndOverridesSetTheTarget) {
  struct Case {
    std::string toml;
    double target;
    double ceiling;
  };
  for (const Case& c : std::vector<Case>{
           {"[audio]\nloudness = \"streaming\"", -16, -1},
           {"[audio]\nloudness = \"ebu\"\nloudness_target = -30\ntrue_peak_ceiling = -6", -30, -6},
       }) {
    SCOPED_TRACE(c.toml);
    PackageRequest request = *request_;
    ASSERT_OK_AND_ASSIGN(request.profile, encode::ApplyProfileToml(c.toml, request.profile));
    const fs::path out = dir_->path() / absl::StrCat("target", -c.target);
    ASSERT_OK_AND_ASSIGN(std::vector<PackagedTrack> tracks, EncodeAudio(request, out));
    for (const PackagedTrack& track : tracks) {
      const Measured output = MeasureRendition(out, track);
      std::cout << track.name << " (" << c.target << "/" << c.ceiling << "): ffmpeg measures "
                << output.integrated_lufs << " LUFS, " << output.true_peak_dbtp << " dBTP\n";
      EXPECT_NEAR(output.integrated_lufs, c.target, 1.0) << track.name;
      EXPECT_LE(output.true_peak_dbtp, c.ceiling + 0.5) << track.name;
    }
  }
}

// "off": measured and reported, not changed.
TEST_F(LoudnessTest, OffLeavesTheLevelAlone) {
  PackageRequest request = *request_;
  ASSERT_OK_AND_ASSIGN(request.profile,
                       encode::ApplyProfileToml("[audio]\nloudness = \"off\"", request.profile));
  const fs::path out = dir_->path() / "off";
  ASSERT_OK_AND_ASSIGN(std::vector<PackagedTrack> tracks, EncodeAudio(request, out));
  const Measured source = MeasureWithFfmpeg(mezzanine_path_->string() + " -map 0:a:1");
  const Measured output = MeasureRendition(out, tracks[1]);
  EXPECT_NEAR(output.integrated_lufs, source.integrated_lufs, 1.0);
  const AudioLoudness& loudness = *tracks[1].loudness;
  EXPECT_EQ(loudness.standard, "off");
  EXPECT_EQ(loudness.gain_db, 0);
  EXPECT_EQ(loudness.before, loudness.after);
  EXPECT_NEAR(loudness.before.integrated_lufs.value_or(0), source.integrated_lufs, 0.2);
}

}  // namespace
}  // namespace atp::pipeline
