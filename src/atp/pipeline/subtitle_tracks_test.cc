#include "atp/pipeline/subtitle_tracks.h"

#include <filesystem>

#include "atp/storage/local_blob_store.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// A 12.012 s video in two 6.006 s segments at 1/24000 s.
PackagedTrack Video() {
  PackagedTrack video;
  video.timescale = 24000;
  video.segments = {{.uri = "seg_00001.m4s", .start_ticks = 0, .duration_ticks = 144144},
                    {.uri = "seg_00002.m4s", .start_ticks = 144144, .duration_ticks = 144144}};
  return video;
}

subtitle::Cue CueOf(int64_t start_ms, int64_t end_ms, std::string text) {
  return {.start_ms = start_ms, .end_ms = end_ms, .text = std::move(text)};
}

class PackageSubtitlesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, storage::OpenLocalBlobStore(dir_.path()));
    spec_.subtitle_tracks = {{.language = "es-419", .label = "Español", .is_default = true}};
    subtitle::SubtitleFile ass;
    ass.dialogue.cues = {CueOf(1000, 3000, "Hola"), CueOf(5000, 7000, "Across the cut")};
    ass.signs.cues = {CueOf(2000, 4000, "Shibuya Station")};
    files_ = {ass};
  }

  std::string Read(const std::string& key) { return testing::ReadFile(dir_.path() / key); }

  testing::TempDir dir_;
  std::unique_ptr<storage::BlobStore> store_;
  JobSpec spec_;
  std::vector<subtitle::SubtitleFile> files_;
};

// The full rendition has every cue, signs included; the forced one the signs alone; a cue
// across the 6.006 s boundary is in both segments with its own times.
TEST_F(PackageSubtitlesTest, TheFullTrackKeepsTheSignsAndTheForcedTrackHasThemAlone) {
  ASSERT_OK_AND_ASSIGN(const std::vector<PackagedSubtitle> packaged,
                       PackageSubtitles(spec_, files_, /*split_signs=*/true, Video(), *store_, ""));
  ASSERT_EQ(packaged.size(), 2u);
  EXPECT_EQ(packaged[0].name, "subs_es-419");
  EXPECT_EQ(packaged[0].cue_count, 3);
  EXPECT_TRUE(packaged[0].is_default);
  EXPECT_FALSE(packaged[0].is_forced);
  EXPECT_EQ(packaged[1].name, "subs_es-419_forced");
  EXPECT_EQ(packaged[1].label, "Español (Signs & Songs)");
  EXPECT_EQ(packaged[1].cue_count, 1);
  EXPECT_TRUE(packaged[1].is_forced);
  EXPECT_FALSE(packaged[1].is_default);
  ASSERT_EQ(packaged[0].segments.size(), 2u);
  EXPECT_EQ(packaged[0].segments[1].start_ticks, 6006);
  EXPECT_EQ(packaged[0].segments[1].duration_ticks, 6006);

  const std::string first = Read("subs_es-419/seg_00001.vtt");
  EXPECT_THAT(first, HasSubstr("00:00:02.000 --> 00:00:04.000\nShibuya Station"));
  EXPECT_THAT(first, HasSubstr("00:00:05.000 --> 00:00:07.000\nAcross the cut"));
  const std::string second = Read("subs_es-419/seg_00002.vtt");
  EXPECT_THAT(second, HasSubstr("00:00:05.000 --> 00:00:07.000\nAcross the cut"));
  EXPECT_THAT(second, Not(HasSubstr("Hola")));
  EXPECT_THAT(Read("subs_es-419_forced/subtitles.vtt"), Not(HasSubstr("Hola")));
}

// A track the manifest marks forced is not split again; without split_signs nothing is.
TEST_F(PackageSubtitlesTest, NoSecondForcedTrackForAForcedTrackOrWithoutSplitting) {
  ASSERT_OK_AND_ASSIGN(std::vector<PackagedSubtitle> packaged,
                       PackageSubtitles(spec_, files_, /*split_signs=*/false, Video(), *store_, ""));
  ASSERT_EQ(packaged.size(), 1u);
  EXPECT_EQ(packaged[0].cue_count, 3);
  spec_.subtitle_tracks[0].is_forced = true;
  ASSERT_OK_AND_ASSIGN(packaged,
                       PackageSubtitles(spec_, files_, /*split_signs=*/true, Video(), *store_, ""));
  ASSERT_EQ(packaged.size(), 1u);
  EXPECT_TRUE(packaged[0].is_forced);
}

// Two renditions may not share a NAME in one HLS group; cues past the programme's end are
// dropped or cut, with warnings.
TEST_F(PackageSubtitlesTest, LabelsAreMadeUniqueAndCuesStayInsideTheProgramme) {
  spec_.subtitle_tracks.push_back({.language = "es-419", .label = "Español"});
  subtitle::SubtitleFile late;
  late.dialogue.cues = {CueOf(11000, 13000, "cut at the end"), CueOf(12500, 14000, "after")};
  files_.push_back(late);
  ASSERT_OK_AND_ASSIGN(const std::vector<PackagedSubtitle> packaged,
                       PackageSubtitles(spec_, files_, /*split_signs=*/true, Video(), *store_, ""));
  ASSERT_EQ(packaged.size(), 3u);
  EXPECT_EQ(packaged[2].name, "subs_es-419_2");
  EXPECT_EQ(packaged[2].label, "Español (2)");
  EXPECT_EQ(packaged[2].cue_count, 1);
  EXPECT_THAT(Read("subs_es-419_2/subtitles.vtt"), HasSubstr("00:00:11.000 --> 00:00:12.012"));
  EXPECT_EQ(packaged[2].warnings.size(), 2u);
}

}  // namespace
}  // namespace atp::pipeline
