#include "atp/manifest/manifest_writer.h"

#include "atp/manifest/manifest_parser.h"
#include "atp/manifest/manifest_test_data.h"
#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::manifest {
namespace {

TEST(FormatManifest, RoundTripsTheExample) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest example, ParseManifest(kExampleManifest));
  ASSERT_OK_AND_ASSIGN(ParsedManifest again, ParseManifest(FormatManifest(example.spec)));
  EXPECT_EQ(again.spec, example.spec);
}

TEST(FormatManifest, RoundTripsEveryOptionalField) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest example, ParseManifest(kExampleManifest));
  JobSpec spec = example.spec;
  spec.manifest_version = "1.1";
  spec.episode.series_title_ja = "進撃の巨人";
  spec.episode.episode_title_ja = "二千年後の君へ";
  spec.episode.description = "Humanity <fights> back & \"wins\"?";
  spec.episode.release_date = "2013-04-07T01:58:00+09:00";
  spec.episode.content_rating = "TV-MA";
  spec.episode.is_simulcast = true;
  spec.episode.is_dubbed = true;
  spec.episode.duration_seconds = 1440.48;
  spec.mezzanine.duration_seconds = 1440.4791666;
  spec.mezzanine.frame_rate = 24000.0 / 1001.0;
  spec.mezzanine.color_space = "BT.709";
  spec.mezzanine.bit_depth = 10;
  spec.audio_tracks[1].channels = 6;
  spec.subtitle_tracks[0].is_forced = true;
  spec.subtitle_tracks[0].format = "ASS";
  spec.priority = 0;
  ASSERT_OK_AND_ASSIGN(ParsedManifest again, ParseManifest(FormatManifest(spec)));
  EXPECT_EQ(again.spec, spec);
}

TEST(FormatManifest, RoundTripsAMinimalSpec) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest example, ParseManifest(kExampleManifest));
  JobSpec spec = example.spec;
  spec.mezzanine.checksum_xxh64.clear();
  spec.subtitle_tracks.clear();
  spec.callback_url.clear();
  spec.audio_tracks.pop_back();
  ASSERT_OK_AND_ASSIGN(ParsedManifest again, ParseManifest(FormatManifest(spec)));
  EXPECT_EQ(again.spec, spec);
}

}  // namespace
}  // namespace atp::manifest
