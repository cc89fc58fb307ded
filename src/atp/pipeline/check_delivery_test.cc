#include "atp/pipeline/check_delivery.h"

#include <fstream>

#include "atp/pipeline/job_key.h"
#include "atp/pipeline/sample_delivery.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

class CheckDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SampleDeliveryOptions options;
    options.media.codec = media::SampleCodec::kProRes;
    options.media.duration_seconds = 2;
    options.media.width = 640;
    options.media.height = 360;
    options.media.audio_languages = {"ja", "en", "fr"};
    ASSERT_OK_AND_ASSIGN(delivery_, CreateSampleDelivery(options, dir_.path()));
  }

  void ReplaceInManifest(const std::string& from, const std::string& to) {
    std::ifstream in(delivery_.manifest_file);
    std::string xml((std::istreambuf_iterator<char>(in)), {});
    const size_t at = xml.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    xml.replace(at, from.size(), to);
    std::ofstream(delivery_.manifest_file, std::ios::trunc) << xml;
  }

  testing::TempDir dir_;
  SampleDelivery delivery_;
};

TEST_F(CheckDeliveryTest, GeneratedProResSamplePassesEveryStep) {
  CheckReport report =
      CheckDelivery(delivery_.manifest_file, dir_.path(), encode::EncodingProfile{});
  ASSERT_TRUE(report.ok()) << report.status;
  EXPECT_EQ(report.mezzanine->source.video_codec_name, "prores");
  EXPECT_EQ(report.mezzanine->source.audio_streams.size(), 3u);
  ASSERT_EQ(report.ladder->size(), 1u);
  EXPECT_EQ((*report.ladder)[0].name, "h264_360p");
  EXPECT_EQ(report.job_key, ComputeJobKey(report.manifest->spec, encode::EncodingProfile{}));
  EXPECT_EQ(report.job_key.size(), 64u);
}

TEST_F(CheckDeliveryTest, InvalidManifestStopsAtIngest) {
  ReplaceInManifest("<SeasonNumber>1</SeasonNumber>", "<SeasonNumber>one</SeasonNumber>");
  CheckReport report =
      CheckDelivery(delivery_.manifest_file, dir_.path(), encode::EncodingProfile{});
  EXPECT_EQ(report.failed_step, Step::kIngest);
  EXPECT_THAT(report.status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Episode/SeasonNumber")));
  EXPECT_FALSE(report.mezzanine.has_value());
}

TEST_F(CheckDeliveryTest, SymlinkOutOfTheInputRootStopsAtIngest) {
  testing::TempDir elsewhere;
  const fs::path moved = elsewhere.path() / "moved.mov";
  fs::copy_file(delivery_.mezzanine_file, moved);
  fs::remove(delivery_.mezzanine_file);
  fs::create_symlink(moved, delivery_.mezzanine_file);
  CheckReport report =
      CheckDelivery(delivery_.manifest_file, dir_.path(), encode::EncodingProfile{});
  EXPECT_EQ(report.failed_step, Step::kIngest);
  EXPECT_THAT(report.status, StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("Mezzanine/FilePath: 'mezzanines/atp-sample/"
                                                "s01e01.mov' resolves to")));
}

TEST_F(CheckDeliveryTest, MismatchedFileStopsAtVerify) {
  std::ofstream(delivery_.mezzanine_file, std::ios::app) << "trailing junk";
  CheckReport report =
      CheckDelivery(delivery_.manifest_file, dir_.path(), encode::EncodingProfile{});
  EXPECT_EQ(report.failed_step, Step::kVerify);
  EXPECT_THAT(report.status, StatusIs(absl::StatusCode::kFailedPrecondition,
                                      HasSubstr("Mezzanine/FileSizeBytes")));
  EXPECT_TRUE(report.manifest.has_value());
}

}  // namespace
}  // namespace atp::pipeline
