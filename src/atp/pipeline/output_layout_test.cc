#include "atp/pipeline/output_layout.h"

#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

TEST(OutputPlaceOf, SplitsTheOutputRootFromTheJobsKeys) {
  JobSpec spec;
  spec.episode.series_id = "attack-on-titan";
  spec.episode.season_number = 1;
  spec.episode.episode_number = 12;
  const OutputPlace place = OutputPlaceOf(JobOutputDir("/srv/out", spec, "e19f533d00000000"));
  EXPECT_EQ(place.root, "/srv/out");
  EXPECT_EQ(place.published, "attack-on-titan/s01/e012/e19f533d00000000");
  EXPECT_EQ(place.staging, "attack-on-titan/s01/e012/.staging-e19f533d00000000");
}

}  // namespace
}  // namespace atp::pipeline
