#include "atp/encode/audio_planner.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::encode {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Names(const std::vector<AudioRendition>& renditions) {
  std::vector<std::string> names;
  for (const AudioRendition& rendition : renditions) names.push_back(rendition.name);
  return names;
}

// A source whose audio streams have these channel counts, in order.
SourceInfo SourceWithChannels(const std::vector<int>& channels) {
  SourceInfo source;
  for (const int count : channels) source.audio_streams.push_back({.channels = count});
  return source;
}

const std::vector<AudioTrackSpec> kTracks = {
    {.language = "ja", .label = "日本語", .is_default = true, .track_index = 1},
    {.language = "en", .label = "English", .track_index = 2},
    {.language = "en", .label = "Commentary", .track_index = 3},
};

TEST(PlanAudioRenditions, OneRenditionPerTrackWhenSurroundIsOff) {
  const EncodingProfile profile;  // audio.surround defaults to off.
  const std::vector<AudioRendition> renditions =
      PlanAudioRenditions(profile, kTracks, SourceWithChannels({6, 8, 2}));
  EXPECT_THAT(Names(renditions), ElementsAre("audio_ja", "audio_en", "audio_en_2"));
  for (const AudioRendition& rendition : renditions) {
    EXPECT_EQ(rendition.channels, 2);
    EXPECT_EQ(rendition.bitrate_kbps, 128);
  }
  EXPECT_TRUE(renditions[0].is_default);
  EXPECT_EQ(renditions[2].track_index, 3);
}

TEST(PlanAudioRenditions, SurroundAddsA51RenditionForEverySourceOfSixChannelsOrMore) {
  EncodingProfile profile;
  profile.audio_surround = true;
  profile.audio_surround_bitrate_kbps = 384;
  const std::vector<AudioRendition> renditions =
      PlanAudioRenditions(profile, kTracks, SourceWithChannels({6, 8, 2}));
  EXPECT_THAT(Names(renditions),
              ElementsAre("audio_ja", "audio_ja_51", "audio_en", "audio_en_51", "audio_en_2"));
  const AudioRendition& ja_51 = renditions[1];
  EXPECT_EQ(ja_51.channels, 6);
  EXPECT_EQ(ja_51.bitrate_kbps, 384);
  EXPECT_EQ(ja_51.label, "日本語 5.1");
  EXPECT_EQ(ja_51.language, "ja");
  EXPECT_EQ(ja_51.track_index, 1);
  EXPECT_FALSE(ja_51.is_default);        // The default stays the stereo one: one default in all.
  EXPECT_EQ(renditions[3].channels, 6);  // 7.1 is downmixed to 5.1.
  EXPECT_EQ(renditions[4].channels, 2);  // A stereo source gets no 5.1.
}

TEST(PlanAudioRenditions, NoSurroundFromQuadOrFromAStreamTheSourceLacks) {
  EncodingProfile profile;
  profile.audio_surround = true;
  profile.audio_channels = 1;
  EXPECT_THAT(Names(PlanAudioRenditions(profile, kTracks, SourceWithChannels({4, 6}))),
              ElementsAre("audio_ja", "audio_en", "audio_en_51", "audio_en_2"));
  EXPECT_EQ(PlanAudioRenditions(profile, kTracks, SourceWithChannels({4}))[0].channels, 1);
}

}  // namespace
}  // namespace atp::encode
