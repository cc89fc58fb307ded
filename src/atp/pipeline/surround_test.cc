// 5.1 renditions end to end (audio.surround), judged on what the package decodes to: a
// mezzanine with a 5.1 track whose six channels carry tones at six distinct levels, a 7.1
// track and a stereo one goes through the transcode and package steps; the ffmpeg
// command-line tool then reads the 5.1 rendition's channel layout and per-channel levels, and
// the validator reads both manifests.
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "atp/encode/ladder_planner.h"
#include "atp/media/probe.h"
#include "atp/pipeline/transcode_and_package.h"
#include "atp/storage/local_blob_store.h"
#include "atp/storage/pinned_file.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "atp/validate/package_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

// A 4 s 256x144 H.264 mezzanine with three 48 kHz PCM audio streams: 1 5.1 (FL FR FC LFE SL SR:
// sines of amplitude 0.2, 0.1, 0.4, 0.2 at 60 Hz, 0.05, 0.025: each channel 6 dB from the
// next, so a swapped or mixed channel shows), 2 7.1, 3 stereo.
constexpr char kMezzanineCommand[] =
    "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=256x144:rate=24 -filter_complex "
    "\"aevalsrc='0.2*sin(2*PI*440*t)|0.1*sin(2*PI*550*t)|0.4*sin(2*PI*660*t)|"
    "0.2*sin(2*PI*60*t)|0.05*sin(2*PI*770*t)|0.025*sin(2*PI*880*t)':c=5.1:s=48000:d=4[surround];"
    "aevalsrc='0.2*sin(2*PI*440*t)|0.2*sin(2*PI*550*t)|0.2*sin(2*PI*660*t)|0|"
    "0.1*sin(2*PI*770*t)|0.1*sin(2*PI*880*t)|0.1*sin(2*PI*990*t)|0.1*sin(2*PI*330*t)':"
    "c=7.1:s=48000:d=4[wide];"
    "aevalsrc='0.1*sin(2*PI*440*t)|0.1*sin(2*PI*550*t)':c=stereo:s=48000:d=4[stereo]\" "
    "-map 0:v -map [surround] -map [wide] -map [stereo] -t 4 -c:v libx264 -preset ultrafast "
    "-g 24 -pix_fmt yuv420p -c:a pcm_s24le ";

// The RMS level of each channel of `file`'s first audio stream, in dBFS, as ffmpeg's astats
// filter measures the decoded samples.
std::vector<double> ChannelRmsLevels(const fs::path& file) {
  const testing::CommandResult result = testing::RunCommand(
      "ffmpeg -nostdin -hide_banner -nostats -i " + file.string() +
      " -af astats=measure_overall=none:measure_perchannel=RMS_level -f null - 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::vector<double> levels;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find("RMS level dB: ");
    if (at == std::string::npos) continue;
    double level = 0;
    EXPECT_TRUE(absl::SimpleAtod(line.substr(at + 14), &level)) << line;
    levels.push_back(level);
  }
  return levels;
}

class SurroundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path mezzanine_path = dir_.path() / "mezzanine.mov";
    const testing::CommandResult made =
        testing::RunCommand(kMezzanineCommand + mezzanine_path.string() + " 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    ASSERT_OK_AND_ASSIGN(mezzanine_, storage::PinnedFile::Open(mezzanine_path));
    ASSERT_OK_AND_ASSIGN(request_.source, media::ProbeMedia(mezzanine_path));
    request_.mezzanine = mezzanine_.get();
    request_.spec.audio_tracks = {
        {.language = "ja", .label = "日本語", .is_default = true, .channels = 6, .track_index = 1},
        {.language = "en", .label = "English", .channels = 8, .track_index = 2},
        {.language = "fr", .label = "Français", .track_index = 3}};
    request_.profile.keyframe_interval_seconds = 1;
    request_.profile.segment_seconds = 2;
    request_.profile.h264.rungs = {{144, 200}};
    request_.profile.audio_surround = true;
    ASSERT_OK_AND_ASSIGN(request_.ladder, encode::PlanLadder(request_.profile, 256, 144));
  }

  // Encodes and packages `request_` (HLS and DASH) into out_.
  absl::StatusOr<PackagedMedia> Package() {
    fs::create_directories(out_);
    ATP_ASSIGN_OR_RETURN(std::unique_ptr<storage::BlobStore> store,
                         storage::OpenLocalBlobStore(out_));
    std::vector<std::vector<PackagedTrack>> units;
    for (const TranscodeUnit& unit : PlanTranscodeUnits(request_)) {
      ATP_ASSIGN_OR_RETURN(units.emplace_back(), EncodeUnit(request_, unit, *store, "", nullptr));
    }
    ATP_ASSIGN_OR_RETURN(PackagedMedia media, AssembleMedia(request_, units, *store, ""));
    ATP_RETURN_IF_ERROR(WritePackageManifests(media, /*enable_dash=*/true, *store, ""));
    return media;
  }

  // The rendition `track` as one file: its init segment, then its segments.
  fs::path Joined(const PackagedTrack& track) const {
    const fs::path joined = dir_.path() / (track.name + ".mp4");
    std::ofstream file(joined, std::ios::binary);
    file << testing::ReadFile(out_ / track.name / track.init_uri);
    for (const MediaSegment& segment : track.segments) {
      file << testing::ReadFile(out_ / track.name / segment.uri);
    }
    return joined;
  }

  // What ffprobe says of `file`'s first audio stream: "channels=6 channel_layout=5.1".
  static std::string ProbeLayout(const fs::path& file) {
    const testing::CommandResult probe = testing::RunCommand(
        "ffprobe -v error -select_streams a:0 -show_entries stream=channels,channel_layout "
        "-of default=noprint_wrappers=1 " +
        file.string());
    EXPECT_EQ(probe.exit_code, 0) << probe.output;
    return absl::StrReplaceAll(probe.output, {{"\n", " "}});
  }

  // The validator's findings on out_ as "RULE where", with the source's duration.
  std::vector<std::string> Findings() const {
    validate::ValidateOptions options;
    options.source_duration_seconds = request_.source.duration_seconds();
    options.loudness = validate::LoudnessTarget{.target_lufs = -24, .ceiling_dbtp = -2};
    absl::StatusOr<validate::ValidationReport> report = validate::ValidatePackage(out_, options);
    EXPECT_OK(report.status());
    std::vector<std::string> findings;
    if (!report.ok()) return findings;
    for (const validate::Finding& finding : report->findings()) {
      findings.push_back(absl::StrCat(finding.rule, " ", finding.where, ": ", finding.message));
    }
    return findings;
  }

  testing::TempDir dir_;
  fs::path out_ = dir_.path() / "out";
  std::unique_ptr<storage::PinnedFile> mezzanine_;
  PackageRequest request_;
};

// Each 5.1 channel decodes where it was, at its level: the six levels keep their 6 dB steps
// (the normalization's one gain moves them together), so no channel was swapped, dropped or
// mixed into another; the stereo rendition of the same track is a downmix.
TEST_F(SurroundTest, A51SourceGetsA51RenditionWithEveryChannelInPlace) {
  ASSERT_OK_AND_ASSIGN(const PackagedMedia media, Package());
  std::vector<std::string> names;
  for (const PackagedTrack& track : media.audio) names.push_back(track.name);
  ASSERT_THAT(names, ElementsAre("audio_ja", "audio_ja_51", "audio_en", "audio_en_51", "audio_fr"));
  const PackagedTrack& ja_51 = media.audio[1];
  EXPECT_EQ(ja_51.channels, 6);
  EXPECT_EQ(ja_51.codecs, "mp4a.40.2");
  EXPECT_EQ(ProbeLayout(Joined(ja_51)), "channels=6 channel_layout=5.1 ");
  EXPECT_EQ(ProbeLayout(Joined(media.audio[0])), "channels=2 channel_layout=stereo ");
  EXPECT_EQ(ProbeLayout(Joined(media.audio[3])), "channels=6 channel_layout=5.1 ");

  const std::vector<double> source = {-17.0, -23.0, -11.0, -17.0, -29.0, -35.0};  // 20·log10(a/√2)
  const std::vector<double> decoded = ChannelRmsLevels(Joined(ja_51));
  ASSERT_EQ(decoded.size(), 6u);
  const double gain = decoded[0] - source[0];
  for (size_t channel = 0; channel < 6; ++channel) {
    EXPECT_NEAR(decoded[channel] - source[channel], gain, 1.0) << "channel " << channel;
  }
  std::cout << "5.1 levels after a gain of " << gain << " dB:";
  for (const double level : decoded) std::cout << " " << level;
  std::cout << "\n";
  // The loudness of the 5.1 rendition is its own (BS.1770 over five channels, LFE left out),
  // normalized to the target like the stereo one's.
  ASSERT_TRUE(ja_51.loudness.has_value());
  EXPECT_NEAR(ja_51.loudness->after.integrated_lufs.value_or(0), -24, 1.0);
  EXPECT_NE(ja_51.loudness->before.integrated_lufs,
            media.audio[0].loudness->before.integrated_lufs);

  // Both manifests declare it, and the validator, reading them against the files, agrees.
  const std::string master = testing::ReadFile(out_ / "master.m3u8");
  EXPECT_NE(master.find("GROUP-ID=\"aac-51\",LANGUAGE=\"ja\",NAME=\"日本語 5.1\",DEFAULT=YES,"
                        "AUTOSELECT=YES,CHANNELS=\"6\",URI=\"audio_ja_51/playlist.m3u8\""),
            std::string::npos)
      << master;
  EXPECT_NE(master.find("GROUP-ID=\"aac-51\",LANGUAGE=\"fr\",NAME=\"Français\",DEFAULT=NO,"
                        "AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio_fr/playlist.m3u8\""),
            std::string::npos)
      << master;
  const std::string mpd = testing::ReadFile(out_ / "manifest.mpd");
  EXPECT_NE(mpd.find("<Representation id=\"audio_ja_51\" codecs=\"mp4a.40.2\""), std::string::npos)
      << mpd;
  EXPECT_NE(mpd.find("audio_channel_configuration:2011\" value=\"6\""), std::string::npos) << mpd;
  EXPECT_THAT(Findings(), ElementsAre());
}

// A manifest that declares other channel counts than the files have is caught, in HLS and in
// DASH.
TEST_F(SurroundTest, TheValidatorComparesDeclaredChannelsWithTheStreams) {
  request_.spec.audio_tracks.resize(1);
  ASSERT_OK(Package().status());
  for (const auto& [file, from, to] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"master.m3u8", "CHANNELS=\"6\"", "CHANNELS=\"2\""},
           {"manifest.mpd", "value=\"6\"", "value=\"2\""}}) {
    const std::string text = testing::ReadFile(out_ / file);
    ASSERT_NE(text.find(from), std::string::npos) << text;
    std::ofstream(out_ / file, std::ios::trunc) << absl::StrReplaceAll(text, {{from, to}});
  }
  const std::vector<std::string> findings = Findings();
  ASSERT_EQ(findings.size(), 2u) << ::testing::PrintToString(findings);
  EXPECT_THAT(findings[0], ::testing::StartsWith("HLS-CHANNELS master.m3u8:"));
  EXPECT_THAT(findings[0], ::testing::HasSubstr("audio_ja_51/playlist.m3u8 has 6 channel(s)"));
  EXPECT_THAT(findings[1], ::testing::StartsWith("DASH-CHANNELS manifest.mpd"));
}

// With audio.surround off (the default) a 5.1 source gets its stereo rendition only.
TEST_F(SurroundTest, OffByDefault) {
  request_.profile.audio_surround = false;
  ASSERT_OK_AND_ASSIGN(const PackagedMedia media, Package());
  ASSERT_EQ(media.audio.size(), 3u);
  for (const PackagedTrack& track : media.audio) EXPECT_EQ(track.channels, 2) << track.name;
  EXPECT_EQ(testing::ReadFile(out_ / "master.m3u8").find("aac-51"), std::string::npos);
}

}  // namespace
}  // namespace atp::pipeline
