#include "atp/pipeline/verify_mezzanine.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "atp/manifest/manifest_parser.h"
#include "atp/pipeline/read_manifest.h"
#include "atp/pipeline/sample_delivery.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

SourceInfo MatchingSource(const JobSpec& spec) {
  SourceInfo source;
  source.duration_us = static_cast<int64_t>(spec.mezzanine.duration_seconds * 1e6);
  source.width = spec.mezzanine.width;
  source.height = spec.mezzanine.height;
  source.frame_rate = {24000, 1001};
  source.audio_streams.resize(spec.audio_tracks.size());
  return source;
}

JobSpec SpecFor1080p() {
  JobSpec spec;
  spec.mezzanine.duration_seconds = 10;
  spec.mezzanine.width = 1920;
  spec.mezzanine.height = 1080;
  spec.mezzanine.frame_rate = 23.976;
  spec.audio_tracks = {{"ja", "日本語", true, 2, 1}, {"en", "English", false, 2, 2}};
  return spec;
}

TEST(CompareSourceWithManifest, AcceptsWhatIsWithinTolerance) {
  const JobSpec spec = SpecFor1080p();
  SourceInfo source = MatchingSource(spec);
  source.duration_us += 499'000;
  EXPECT_THAT(CompareSourceWithManifest(spec, source), IsEmpty());
}

TEST(CompareSourceWithManifest, NamesEachDisagreement) {
  struct Case {
    std::string name;
    std::function<void(SourceInfo&)> change;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"long", [](SourceInfo& s) { s.duration_us += 600'000; },
            "Mezzanine/DurationSeconds: the manifest says 10.000 s but the file lasts 10.600 s"},
           {"short", [](SourceInfo& s) { s.duration_us -= 2'000'000; }, "lasts 8.000 s"},
           {"width", [](SourceInfo& s) { s.width = 1440; },
            "the manifest says 1920x1080 but the video is 1440x1080"},
           {"height", [](SourceInfo& s) { s.height = 1088; }, "the video is 1920x1088"},
           {"fps",
            [](SourceInfo& s) {
              s.frame_rate = {25, 1};
            },
            "Mezzanine/FrameRate: the manifest says 23.976 fps but the video runs at 25.000 fps"},
           {"audio", [](SourceInfo& s) { s.audio_streams.pop_back(); },
            "AudioTracks/AudioTrack[2]/TrackIndex: audio stream 2 (en) is declared but the file "
            "has 1 audio stream(s)"},
       }) {
    const JobSpec spec = SpecFor1080p();
    SourceInfo source = MatchingSource(spec);
    c.change(source);
    std::vector<std::string> problems = CompareSourceWithManifest(spec, source);
    ASSERT_EQ(problems.size(), 1u) << c.name;
    EXPECT_THAT(problems[0], HasSubstr(c.message)) << c.name;
  }
}

// One real generated delivery shared by the suite; each test works on a copy.
class VerifyMezzanineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sample_dir_ = new testing::TempDir();
    SampleDeliveryOptions options;
    options.media.codec = media::SampleCodec::kH264;
    options.media.duration_seconds = 2;
    options.media.width = 320;
    options.media.height = 240;
    absl::StatusOr<SampleDelivery> delivery = CreateSampleDelivery(options, sample_dir_->path());
    ASSERT_TRUE(delivery.ok()) << delivery.status();
    sample_ = new SampleDelivery(*delivery);
  }
  static void TearDownTestSuite() {
    delete sample_;
    delete sample_dir_;
  }

  void SetUp() override {
    ASSERT_NE(sample_, nullptr);
    fs::copy(sample_dir_->path(), dir_.path(), fs::copy_options::recursive);
    ASSERT_OK_AND_ASSIGN(manifest::ParsedManifest parsed,
                         ReadManifest(dir_.path() / sample_->manifest_file.filename()));
    spec_ = parsed.spec;
    mezzanine_ = dir_.path() / spec_.mezzanine.file_path;
  }

  absl::StatusOr<VerifiedMezzanine> Verify(const storage::DigestProgress& progress = nullptr,
                                           const BesideChecksums& beside = {}) {
    ATP_ASSIGN_OR_RETURN(DeliveryPaths paths, ResolveDeliveryPaths(spec_, dir_.path()));
    return VerifyMezzanine(spec_, paths, progress, beside);
  }

  // Verify() with work beside the checksums that records, in order, "start <width>" (the
  // source it was given), "digest" (the checksums' first progress) and "stop".
  absl::StatusOr<VerifiedMezzanine> VerifyRecordingBeside(std::vector<std::string>& events) {
    const storage::DigestProgress progress = [&](int64_t, int64_t) {
      if (events.empty() || events.back() != "digest") events.push_back("digest");
      return absl::OkStatus();
    };
    const BesideChecksums beside{
        .start =
            [&](const storage::PinnedFile& file, const SourceInfo& source) {
              EXPECT_EQ(file.name(), mezzanine_.string());
              events.push_back(absl::StrCat("start ", source.width));
            },
        .stop = [&] { events.push_back("stop"); }};
    return Verify(progress, beside);
  }

  void OverwriteMezzanine(const std::string& bytes) {
    std::ofstream(mezzanine_, std::ios::binary | std::ios::trunc) << bytes;
  }
  std::string ReadMezzanine() {
    std::ifstream in(mezzanine_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static testing::TempDir* sample_dir_;
  static SampleDelivery* sample_;
  testing::TempDir dir_;
  JobSpec spec_;
  fs::path mezzanine_;
};
testing::TempDir* VerifyMezzanineTest::sample_dir_ = nullptr;
SampleDelivery* VerifyMezzanineTest::sample_ = nullptr;

TEST_F(VerifyMezzanineTest, AcceptsTheGeneratedSample) {
  ASSERT_OK_AND_ASSIGN(VerifiedMezzanine verified, Verify());
  EXPECT_EQ(verified.digest.size_bytes, spec_.mezzanine.file_size_bytes);
  EXPECT_EQ(verified.digest.md5_hex, spec_.mezzanine.checksum_md5);
  EXPECT_EQ(verified.source.width, 320);
  EXPECT_EQ(verified.source.audio_streams.size(), 2u);
}

TEST_F(VerifyMezzanineTest, AcceptsUpperCaseChecksums) {
  for (char& c : spec_.mezzanine.checksum_md5) c = static_cast<char>(std::toupper(c));
  for (char& c : spec_.mezzanine.checksum_xxh64) c = static_cast<char>(std::toupper(c));
  EXPECT_OK(Verify());
}

TEST_F(VerifyMezzanineTest, TruncatedFileIsASizeMismatch) {
  std::string bytes = ReadMezzanine();
  OverwriteMezzanine(bytes.substr(0, bytes.size() / 2));
  EXPECT_THAT(Verify(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("Mezzanine/FileSizeBytes"), HasSubstr("truncated upload"))));
}

TEST_F(VerifyMezzanineTest, GrownFileIsASizeMismatch) {
  OverwriteMezzanine(ReadMezzanine() + "extra");
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                 HasSubstr("Mezzanine/FileSizeBytes")));
}

TEST_F(VerifyMezzanineTest, AlteredByteIsDataLossOnBothChecksums) {
  std::string bytes = ReadMezzanine();
  bytes[bytes.size() / 3] ^= 0x5a;
  OverwriteMezzanine(bytes);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 AllOf(HasSubstr("Mezzanine/ChecksumMD5: the manifest says " +
                                                 spec_.mezzanine.checksum_md5),
                                       HasSubstr("Mezzanine/ChecksumXXHash"))));
}

TEST_F(VerifyMezzanineTest, WrongXxHashAloneIsDataLoss) {
  spec_.mezzanine.checksum_xxh64 = "0123456789abcdef";
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 AllOf(HasSubstr("Mezzanine/ChecksumXXHash"),
                                       ::testing::Not(HasSubstr("ChecksumMD5")))));
}

TEST_F(VerifyMezzanineTest, MissingFileIsNotFound) {
  fs::remove(mezzanine_);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("Mezzanine/FilePath")));
}

TEST_F(VerifyMezzanineTest, MissingSubtitleIsNotFound) {
  fs::remove(dir_.path() / spec_.subtitle_tracks[0].file_path);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kNotFound,
                                 HasSubstr("SubtitleTracks/SubtitleTrack[1]/FilePath")));
}

TEST_F(VerifyMezzanineTest, NotAVideoIsInvalidArgument) {
  const std::string junk(4096, 'j');
  OverwriteMezzanine(junk);
  const storage::FileDigest digest = storage::DigestBytes(junk);
  spec_.mezzanine.file_size_bytes = digest.size_bytes;
  spec_.mezzanine.checksum_md5 = digest.md5_hex;
  spec_.mezzanine.checksum_xxh64 = digest.xxh64_hex;
  EXPECT_THAT(Verify(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Mezzanine/FilePath")));
}

TEST_F(VerifyMezzanineTest, ProbedFactsMustMatchTheManifest) {
  spec_.mezzanine.duration_seconds += 3;
  spec_.mezzanine.height = 480;
  spec_.audio_tracks.push_back({"fr", "Français", false, 2, 3});
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                 AllOf(HasSubstr("Mezzanine/DurationSeconds"),
                                       HasSubstr("the video is 320x240"),
                                       HasSubstr("AudioTracks/AudioTrack[3]/TrackIndex"))));
}

// The work beside the checksums starts once the probe agrees with the manifest, before the
// checksums are read, and is stopped when they then do not match; a verified file keeps it.
TEST_F(VerifyMezzanineTest, WorkBesideTheChecksumsStartsAfterTheProbeAndStopsOnAMismatch) {
  std::vector<std::string> verified_events;
  EXPECT_OK(VerifyRecordingBeside(verified_events));
  EXPECT_EQ(verified_events, (std::vector<std::string>{"start 320", "digest"}));

  std::string bytes = ReadMezzanine();
  bytes[bytes.size() / 3] ^= 0x5a;
  OverwriteMezzanine(bytes);
  std::vector<std::string> mismatch_events;
  EXPECT_THAT(VerifyRecordingBeside(mismatch_events),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("Mezzanine/ChecksumMD5")));
  EXPECT_EQ(mismatch_events, (std::vector<std::string>{"start 320", "digest", "stop"}));
}

// A source the manifest does not describe starts nothing beside the checksums.
TEST_F(VerifyMezzanineTest, WorkBesideTheChecksumsWaitsForAProbeThatAgrees) {
  spec_.mezzanine.height = 480;
  std::vector<std::string> events;
  EXPECT_THAT(VerifyRecordingBeside(events), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(events, std::vector<std::string>{"digest"});
}

// Probed before its checksums are read, a file of the wrong size that is not media either is
// still reported by its size: the wrong file, whatever it holds.
TEST_F(VerifyMezzanineTest, TheSizeIsReportedBeforeWhatTheProbeFound) {
  OverwriteMezzanine(std::string(4096, 'j'));
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                 HasSubstr("Mezzanine/FileSizeBytes")));
}

}  // namespace
}  // namespace atp::pipeline
