#include "atp/pipeline/job_key.h"

#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

JobSpec ExampleSpec() {
  JobSpec spec;
  spec.manifest_id = "aot-s01e01-2024-001";
  spec.mezzanine.checksum_md5 = "d41d8cd98f00b204e9800998ecf8427e";
  spec.mezzanine.file_size_bytes = 15728640000;
  spec.audio_tracks = {{"ja", "日本語", true, 2, 1}, {"en", "English", false, 2, 2}};
  return spec;
}

// Pinned vectors: changing the canonical form or the profile text changes every job key in
// every deployed database, so these must only change together with docs/job-key.md.
TEST(JobKey, CanonicalTextIsPinned) {
  EXPECT_EQ(CanonicalJobKeyText(ExampleSpec(), encode::EncodingProfile{}),
            "atp-job-key/v1\n"
            "manifest_id=aot-s01e01-2024-001\n"
            "md5=d41d8cd98f00b204e9800998ecf8427e\n"
            "size_bytes=15728640000\n"
            "audio_languages=en,ja\n"
            "profile_version=1\n"
            "profile_sha256=41f6703e5a768a0824924842c5c2eb79dc45cf154e089c3456b138bb88cc778f\n");
}

TEST(JobKey, KeyIsPinned) {
  EXPECT_EQ(ComputeJobKey(ExampleSpec(), encode::EncodingProfile{}),
            "f33f7de8b005da350158c5dded92300cdf374e0f3ea7baf1994ee91e3e6f3573");
}

TEST(JobKey, IgnoresWhatDoesNotChangeTheOutputAndSeesWhatDoes) {
  const encode::EncodingProfile profile;
  const std::string key = ComputeJobKey(ExampleSpec(), profile);

  JobSpec reordered = ExampleSpec();
  std::swap(reordered.audio_tracks[0], reordered.audio_tracks[1]);
  reordered.mezzanine.checksum_md5 = "D41D8CD98F00B204E9800998ECF8427E";
  reordered.episode.episode_title = "Another title";
  reordered.priority = 7;
  EXPECT_EQ(ComputeJobKey(reordered, profile), key);

  JobSpec other_id = ExampleSpec();
  other_id.manifest_id = "aot-s01e01-2024-002";
  JobSpec other_file = ExampleSpec();
  other_file.mezzanine.file_size_bytes += 1;
  JobSpec other_audio = ExampleSpec();
  other_audio.audio_tracks.pop_back();
  encode::EncodingProfile h265 = profile;
  h265.enable_h265 = true;
  EXPECT_NE(ComputeJobKey(other_id, profile), key);
  EXPECT_NE(ComputeJobKey(other_file, profile), key);
  EXPECT_NE(ComputeJobKey(other_audio, profile), key);
  EXPECT_NE(ComputeJobKey(ExampleSpec(), h265), key);
}

}  // namespace
}  // namespace atp::pipeline
