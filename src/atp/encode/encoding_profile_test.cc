#include "atp/encode/encoding_profile.h"

#include <sched.h>

#include <algorithm>

#include "atp/encode/transcoder.h"
#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::encode {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(EncodingProfile, DefaultsFollowTheDesign) {
  EncodingProfile profile;
  EXPECT_OK(ValidateProfile(profile));
  EXPECT_EQ(profile.h264.rungs,
            (std::vector<RungFigure>{{1080, 6000}, {720, 3500}, {480, 1800}, {360, 800}}));
  EXPECT_EQ(profile.h265.rungs, (std::vector<RungFigure>{{1080, 4500}, {720, 2500}}));
  EXPECT_EQ(profile.h264.tune, "animation");
  EXPECT_FALSE(profile.enable_h265);
  EXPECT_FALSE(profile.enable_av1);
  EXPECT_EQ(profile.av1.rungs, (std::vector<RungFigure>{{1080, 3000}, {720, 1800}, {480, 900}}));
  EXPECT_EQ(profile.av1.crf, 35);
  EXPECT_EQ(profile.av1.preset, "10");
  EXPECT_TRUE(profile.enable_dash);
}

TEST(ApplyProfileToml, ReadsTheAv1SectionWithANumericPreset) {
  ASSERT_OK_AND_ASSIGN(EncodingProfile profile, ApplyProfileToml(R"(
enable_av1 = true
[av1]
crf = 40
preset = 12
tune = "0"
rungs = [ { height = 720, bitrate_kbps = 1500 } ]
)",
                                                                 EncodingProfile{}));
  EncodingProfile expected;
  expected.enable_av1 = true;
  expected.av1 = {{{720, 1500}}, /*crf=*/40, /*preset=*/"12", /*tune=*/"0"};
  EXPECT_EQ(profile, expected);
  ASSERT_OK_AND_ASSIGN(EncodingProfile text_preset,
                       ApplyProfileToml("[av1]\npreset = \"8\"", EncodingProfile{}));
  EXPECT_EQ(text_preset.av1.preset, "8");
}

TEST(ApplyProfileToml, OverridesOnlyWhatItNames) {
  ASSERT_OK_AND_ASSIGN(EncodingProfile profile, ApplyProfileToml(R"(
version = "2"
enable_h265 = true
[h264]
crf = 19
rungs = [ { height = 720, bitrate_kbps = 3000 }, { height = 360, bitrate_kbps = 700 } ]
[video]
segment_seconds = 4
[audio]
bitrate_kbps = 96
)",
                                                                 EncodingProfile{}));
  EncodingProfile expected;
  expected.version = "2";
  expected.enable_h265 = true;
  expected.h264.crf = 19;
  expected.h264.rungs = {{720, 3000}, {360, 700}};
  expected.segment_seconds = 4;
  expected.audio_bitrate_kbps = 96;
  EXPECT_EQ(profile, expected);
}

TEST(ApplyProfileToml, ReportsEveryBadKeyWithItsPath) {
  struct Case {
    std::string toml;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"crf = 20", "crf: unknown key"},
           {"[h264]\ncrf = \"high\"", "h264.crf: expected an integer, got a string"},
           {"[h264]\nrungs = [ { height = 720 } ]", "h264.rungs: rung 1: expected exactly"},
           {"[h264]\nrungs = [ { height = 360, bitrate_kbps = 800 }, { height = 720, "
            "bitrate_kbps = 3500 } ]",
            "h264.rungs[2].height: rungs must be listed highest first"},
           {"[h264]\nrungs = [ { height = 721, bitrate_kbps = 800 } ]",
            "h264.rungs[1].height: expected an even number"},
           {"enable_dash = \"yes\"", "enable_dash: expected true or false"},
           {"[video]\nsegment_seconds = 5", "must be a whole multiple"},
           {"[video]\nchunk_seconds = 9", "video.chunk_seconds: must be a whole multiple"},
           {"[video]\ndeinterlace = \"yes\"",
            "video.deinterlace: expected \"auto\", \"on\" or \"off\", got \"yes\""},
           {"[video]\ndeinterlace_rate = \"double\"",
            "video.deinterlace_rate: expected \"frame\" or \"field\""},
           {"[video]\ninverse_telecine = \"yes\"",
            "video.inverse_telecine: expected true or false"},
           {"[audio]\nsample_rate_hz = 22050", "audio.sample_rate_hz: expected 44100 or 48000"},
           {"[audio]\nloudness = 3", "audio.loudness: expected a string, got an integer"},
           {"[audio]\nloudness = \"loud\"",
            "audio.loudness: expected atsc, ebu, streaming or off, got 'loud'"},
           {"[audio]\nloudness_target = -5", "audio.loudness_target: expected -40 to -10 LUFS"},
           {"[audio]\nloudness_target = -41.5", "audio.loudness_target: expected -40 to -10"},
           {"[audio]\nloudness_target = \"-23\"", "audio.loudness_target: expected a number"},
           {"[audio]\ntrue_peak_ceiling = 0.5", "audio.true_peak_ceiling: expected -9 to 0 dBTP"},
           {"[audio]\ntrue_peak_ceiling = -10", "audio.true_peak_ceiling: expected -9 to 0"},
           {"[audio]\nloudness_range = 7", "audio.loudness_range: unknown key"},
           {"[av1]\ncrf = 64", "av1.crf: expected 0-63, got 64"},
           {"[h265]\ncrf = 52", "h265.crf: expected 0-51, got 52"},
           {"[av1]\npreset = 14", "av1.preset: expected 0 (slowest) to 13 (fastest), got \"14\""},
           {"[av1]\npreset = \"fast\"", "av1.preset: expected 0 (slowest) to 13"},
           {"[av1]\npreset = true", "av1.preset: expected a string or an integer, got a boolean"},
           {"[av1]\ntune = 2", "av1.tune: expected \"\", \"0\" (visual quality) or \"1\""},
           {"enable_av1 = true\n[av1]\nrungs = []", "av1.rungs: AV1 is enabled but has no rungs"},
           {"enable_av1 = 1", "enable_av1: expected true or false"},
           {"video = 3", "video: expected a table [video]"},
           {"[h264\ncrf = 1", "profile line 1"},
       }) {
    EXPECT_THAT(ApplyProfileToml(c.toml, EncodingProfile{}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.toml;
  }
}

TEST(ApplyEnvironmentSwitches, ReadsBooleanSpellings) {
  ASSERT_OK_AND_ASSIGN(EncodingProfile on,
                       ApplyEnvironmentSwitches(
                           {{"ENABLE_H265", "YES"}, {"ENABLE_AV1", "true"}, {"ENABLE_DASH", "0"}},
                           EncodingProfile{}));
  EXPECT_TRUE(on.enable_h265);
  EXPECT_TRUE(on.enable_av1);
  EXPECT_FALSE(on.enable_dash);
  ASSERT_OK_AND_ASSIGN(EncodingProfile unchanged, ApplyEnvironmentSwitches({}, EncodingProfile{}));
  EXPECT_EQ(unchanged, EncodingProfile{});
  EXPECT_THAT(ApplyEnvironmentSwitches({{"ENABLE_H265", "maybe"}}, EncodingProfile{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ENABLE_H265")));
  EXPECT_THAT(ApplyEnvironmentSwitches({{"ENABLE_AV1", "on"}}, EncodingProfile{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ENABLE_AV1")));
}

TEST(CanonicalProfileText, IsStableAndSeesEverySetting) {
  const std::string defaults = CanonicalProfileText(EncodingProfile{});
  EXPECT_EQ(defaults,
            "version=1\n"
            "h264.rungs=1080:6000,720:3500,480:1800,360:800\n"
            "h264.crf=21\n"
            "h264.preset=veryfast\n"
            "h264.tune=animation\n"
            "h265.rungs=1080:4500,720:2500\n"
            "h265.crf=24\n"
            "h265.preset=fast\n"
            "h265.tune=\n"
            "enable_h265=false\n"
            "enable_dash=true\n"
            "video.maxrate_factor=1.5\n"
            "video.bufsize_factor=2\n"
            "video.keyframe_interval_seconds=2\n"
            "video.segment_seconds=6\n"
            "video.chunk_seconds=60\n"
            "video.deinterlace=auto\n"
            "video.deinterlace_rate=frame\n"
            "video.inverse_telecine=false\n"
            "audio.bitrate_kbps=128\n"
            "audio.sample_rate_hz=48000\n"
            "audio.channels=2\n"
            "audio.surround=false\n"
            "audio.surround_bitrate_kbps=320\n"
            "audio.loudness=atsc\n"
            "audio.loudness_target=-24\n"
            "audio.true_peak_ceiling=-2\n"
            "subtitles.split_signs=true\n");
  EncodingProfile changed;
  changed.h265.tune = "animation";
  EXPECT_NE(CanonicalProfileText(changed), defaults);
  EncodingProfile quieter;
  quieter.audio_loudness_target = -27;
  EXPECT_NE(CanonicalProfileText(quieter), defaults);
}

// Without AV1 the text is the one from before atp had AV1 (the job keys of existing jobs
// stand); with it, every av1 setting is seen.
TEST(CanonicalProfileText, ShowsTheAv1SettingsOnlyWhenAv1IsEnabled) {
  EncodingProfile off;
  off.av1.crf = 20;
  EXPECT_EQ(CanonicalProfileText(off), CanonicalProfileText(EncodingProfile{}));
  EncodingProfile on;
  on.enable_av1 = true;
  const std::string text = CanonicalProfileText(on);
  EXPECT_THAT(text, HasSubstr("enable_h265=false\n"
                              "av1.rungs=1080:3000,720:1800,480:900\n"
                              "av1.crf=35\n"
                              "av1.preset=10\n"
                              "av1.tune=\n"
                              "enable_av1=true\n"
                              "enable_dash=true\n"));
  EncodingProfile other_crf = on;
  other_crf.av1.crf = 36;
  EXPECT_NE(CanonicalProfileText(other_crf), text);
}

// The per-title ladder is a different job; the fixed one keeps the job keys it always had.
TEST(CanonicalProfileText, ShowsThePerTitleLadderOnlyWhenItIsAuto) {
  EncodingProfile fixed;
  EXPECT_THAT(CanonicalProfileText(fixed), Not(HasSubstr("ladder")));
  ASSERT_OK_AND_ASSIGN(EncodingProfile automatic,
                       ApplyProfileToml("[video]\nladder = \"auto\"\n", {}));
  EXPECT_EQ(automatic.ladder, "auto");
  EXPECT_THAT(CanonicalProfileText(automatic), HasSubstr("video.ladder=auto\n"));
  const absl::StatusOr<EncodingProfile> bad = ApplyProfileToml("[video]\nladder = \"best\"\n", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("video.ladder"));
}

// The stored form of a job's profile: read back into the same profile even by an atp whose
// defaults differ (here: the base it is read onto differs in every setting it could inherit).
TEST(ProfileToml, ReadsBackIntoAnEqualProfile) {
  EncodingProfile custom;
  custom.version = "3";
  custom.enable_h265 = true;
  custom.enable_dash = false;
  custom.h264.rungs = {{720, 3100}, {360, 700}};
  custom.h264.crf = 19;
  custom.h265.tune = "animation";
  custom.enable_av1 = true;
  custom.av1 = {{{720, 1500}, {360, 500}}, /*crf=*/38, /*preset=*/"12", /*tune=*/"0"};
  custom.maxrate_factor = 1.25;
  custom.keyframe_interval_seconds = 1;
  custom.segment_seconds = 4;
  custom.chunk_seconds = 8;
  custom.deinterlace = "off";
  custom.deinterlace_rate = "field";
  custom.inverse_telecine = true;
  custom.ladder = "auto";
  custom.audio_sample_rate_hz = 44100;
  custom.audio_channels = 1;
  custom.audio_loudness = "ebu";
  custom.audio_loudness_target = -20.5;  // Overrides EBU R128's -23.
  custom.audio_true_peak_ceiling = -1;
  EncodingProfile other_defaults;
  other_defaults.h264.tune = "film";
  other_defaults.h265.rungs = {{480, 900}};
  other_defaults.enable_av1 = true;
  other_defaults.av1.preset = "8";
  other_defaults.bufsize_factor = 3;
  other_defaults.deinterlace = "on";
  other_defaults.ladder = "auto";
  other_defaults.audio_bitrate_kbps = 96;
  other_defaults.audio_loudness = "streaming";
  other_defaults.audio_loudness_target = -16;
  other_defaults.audio_true_peak_ceiling = -1;
  for (const EncodingProfile& profile : {EncodingProfile{}, custom}) {
    const std::string toml = ProfileToml(profile);
    ASSERT_OK_AND_ASSIGN(EncodingProfile read, ApplyProfileToml(toml, other_defaults));
    EXPECT_EQ(read, profile) << toml;
    EXPECT_EQ(CanonicalProfileText(read), CanonicalProfileText(profile));
  }
}

TEST(ApplyProfileToml, LoudnessDefaultsToAtscAndAStandardSetsBothFigures) {
  const EncodingProfile defaults;
  EXPECT_EQ(defaults.audio_loudness, "atsc");
  EXPECT_EQ(defaults.audio_loudness_target, -24);
  EXPECT_EQ(defaults.audio_true_peak_ceiling, -2);
  EXPECT_TRUE(NormalizesLoudness(defaults));
  struct Case {
    std::string toml;
    std::string standard;
    double target;
    double ceiling;
  };
  for (const Case& c : std::vector<Case>{
           {"[audio]\nloudness = \"ebu\"", "ebu", -23, -1},
           {"[audio]\nloudness = \"streaming\"", "streaming", -16, -1},
           {"[audio]\nloudness = \"atsc\"", "atsc", -24, -2},
           // The document's figures override its standard's, whatever the order of the keys.
           {"[audio]\nloudness_target = -18\nloudness = \"ebu\"", "ebu", -18, -1},
           {"[audio]\ntrue_peak_ceiling = -3.5\nloudness = \"streaming\"", "streaming", -16, -3.5},
           {"[audio]\nloudness_target = -31", "atsc", -31, -2},
           {"[audio]\nloudness = \"off\"", "off", -24, -2},
       }) {
    ASSERT_OK_AND_ASSIGN(EncodingProfile profile, ApplyProfileToml(c.toml, EncodingProfile{}));
    EXPECT_EQ(profile.audio_loudness, c.standard) << c.toml;
    EXPECT_EQ(profile.audio_loudness_target, c.target) << c.toml;
    EXPECT_EQ(profile.audio_true_peak_ceiling, c.ceiling) << c.toml;
    EXPECT_EQ(NormalizesLoudness(profile), c.standard != "off") << c.toml;
  }
  // A standard chosen on a base with its own figures replaces them.
  EncodingProfile base;
  base.audio_loudness_target = -30;
  ASSERT_OK_AND_ASSIGN(EncodingProfile ebu, ApplyProfileToml("[audio]\nloudness = \"ebu\"", base));
  EXPECT_EQ(ebu.audio_loudness_target, -23);
}

// The thread count is the machine's business: neither the job key nor a job's stored profile
// carries it.
TEST(EncodingProfile, ThreadsAreNotPartOfWhatAJobIs) {
  ASSERT_OK_AND_ASSIGN(EncodingProfile eight, ApplyProfileToml("[video]\nthreads = 8\n", {}));
  EXPECT_EQ(eight.threads, 8);
  EXPECT_EQ(CanonicalProfileText(eight), CanonicalProfileText(EncodingProfile{}));
  EXPECT_EQ(ProfileToml(eight), ProfileToml(EncodingProfile{}));
  EXPECT_EQ(EncoderThreads(3, eight), 3);
  EXPECT_EQ(EncoderThreads(0, eight), 8);
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
  EXPECT_EQ(EncoderThreads(0, EncodingProfile{}), CPU_COUNT(&allowed));
  // Limited to one CPU (as by taskset), the default is one thread.
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  EXPECT_EQ(EncoderThreads(0, EncodingProfile{}), 1);
  ASSERT_EQ(sched_setaffinity(0, sizeof(allowed), &allowed), 0);
  EXPECT_FALSE(ApplyProfileToml("[video]\nthreads = -1\n", {}).ok());
}

TEST(FrameGridFor, RoundsTheKeyframeIntervalToFramesAndMultipliesUp) {
  EncodingProfile profile;  // 2 s GOPs, 6 s segments, 60 s chunks.
  const FrameGrid grid = FrameGridFor(profile, {24000, 1001});
  EXPECT_EQ(grid.gop_frames, 48);
  EXPECT_EQ(grid.segment_frames, 144);
  EXPECT_EQ(grid.chunk_frames, 1440);
}

TEST(EstimatedFrameCount, RoundsDurationTimesFrameRateToTheNearestFrame) {
  const Rational film{24000, 1001};
  EXPECT_EQ(EstimatedFrameCount(5'005'000, film), 120);  // 120 frames exactly.
  EXPECT_EQ(EstimatedFrameCount(5'026'000, film), 121);  // 120.503 frames.
  EXPECT_EQ(EstimatedFrameCount(5'025'000, film), 120);  // 120.480 frames.
  EXPECT_EQ(EstimatedFrameCount(5'005'000, {0, 1}), 0);  // Unknown.
  EXPECT_EQ(EstimatedFrameCount(5'005'000, {25, 0}), 0);
}

TEST(PlanVideoChunks, CoversEveryFrameWithTheLastChunkOpenEnded) {
  const FrameGrid grid{.gop_frames = 2, .segment_frames = 4, .chunk_frames = 8};
  EXPECT_EQ(PlanVideoChunks(grid, 0), (std::vector<FrameRange>{{0, kUntilEnd}}));
  EXPECT_EQ(PlanVideoChunks(grid, 15), (std::vector<FrameRange>{{0, kUntilEnd}}));
  EXPECT_EQ(PlanVideoChunks(grid, 16), (std::vector<FrameRange>{{0, 8}, {8, kUntilEnd}}));
  // A long estimate still leaves the last chunk at least a chunk of frames to start in.
  EXPECT_EQ(PlanVideoChunks(grid, 25), (std::vector<FrameRange>{{0, 8}, {8, 16}, {16, kUntilEnd}}));
}

}  // namespace
}  // namespace atp::encode
