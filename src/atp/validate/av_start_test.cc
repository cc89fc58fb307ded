// AV-START and the decode-order rules on an HLS package ffmpeg writes (a video variant and an
// audio rendition in fMP4), its edit lists rewritten so both tracks start at 0, then changed.
#include "atp/validate/av_start.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "atp/validate/package_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::validate {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

void PutU32(std::string& bytes, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(value >> (24 - 8 * i));
}

// Sets the first edit of `init`'s elst (version 0, two entries as ffmpeg writes them: an empty
// edit, then the media) to an empty edit of `empty_ms` (mvhd timescale 1000) and the second
// edit's media_time to `media_time`.
void SetEdits(const fs::path& init, uint32_t empty_ms, uint32_t media_time) {
  std::string bytes = testing::ReadFile(init);
  const size_t elst = bytes.find("elst");
  ASSERT_NE(elst, std::string::npos) << init;
  ASSERT_EQ(bytes[elst + 4], 0) << "elst version";
  ASSERT_EQ(bytes.substr(elst + 8, 4), std::string("\0\0\0\2", 4)) << "entry_count";
  PutU32(bytes, elst + 12, empty_ms);    // entry 1: segment_duration
  PutU32(bytes, elst + 16, 0xffffffff);  // media_time -1: empty
  PutU32(bytes, elst + 28, media_time);  // entry 2: media_time
  std::ofstream(init, std::ios::binary | std::ios::trunc) << bytes;
}

class AvStartTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    original_ = new testing::TempDir();
    // 2 s of 24 fps H.264 (2 B-frames of delay: 1024 ticks at 12288) and AAC (1024 samples
    // of priming), 1 s segments.
    const std::string command =
        "cd " + original_->path().string() +
        " && ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=160x120:rate=24 -f lavfi "
        "-i sine=f=440:sample_rate=48000 -t 2 -map 0:v -map 1:a -c:v libx264 -g 24 "
        "-keyint_min 24 -sc_threshold 0 -pix_fmt yuv420p -c:a aac -f hls -hls_time 1 "
        "-hls_playlist_type vod -hls_segment_type fmp4 -master_pl_name master.m3u8 "
        "-var_stream_map 'v:0,agroup:aud a:0,agroup:aud' -hls_segment_filename 's%v_%03d.m4s' "
        "-hls_fmp4_init_filename init.mp4 'p%v.m3u8'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() { delete original_; }

  // The package with video and audio both presented from 0: no empty edits, the decode
  // delay and the priming taken away by the edits' media_time.
  void SetUp() override {
    fs::copy(original_->path(), package(), fs::copy_options::recursive);
    SetEdits(package() / "init_0.mp4", 0, 1024);
    SetEdits(package() / "init_1.mp4", 0, 1024);
  }

  fs::path package() const { return dir_.path() / "pkg"; }

  std::vector<std::string> Findings(std::optional<double> audio_offset = std::nullopt) {
    absl::StatusOr<ValidationReport> report =
        ValidatePackage(package(), {.source_audio_offset_seconds = audio_offset});
    EXPECT_OK(report.status());
    std::vector<std::string> findings;
    if (!report.ok()) return findings;
    for (const Finding& finding : report->findings()) {
      if (finding.rule == "AV-START" || finding.rule.starts_with("FMP4-")) {
        findings.push_back(absl::StrCat(finding.rule, " ", finding.where, ": ", finding.message));
      }
    }
    return findings;
  }

  static testing::TempDir* original_;
  testing::TempDir dir_;
};
testing::TempDir* AvStartTest::original_ = nullptr;

TEST_F(AvStartTest, TracksThatStartTogetherHaveNoFinding) { EXPECT_THAT(Findings(), IsEmpty()); }

// 40 ms of empty edit before the audio: it starts 40 ms after the video, more than one AAC
// frame (21.3 ms at 48 kHz). A source whose audio starts 40 ms late wants exactly that.
TEST_F(AvStartTest, AudioStarting40MsAfterTheVideoIsAFinding) {
  SetEdits(package() / "init_1.mp4", 40, 1024);
  EXPECT_THAT(Findings(), ElementsAre(AllOf(StartsWith("AV-START p1.m3u8: "),
                                            HasSubstr("the audio starts at 0.0400 s"),
                                            HasSubstr("+40.0 ms, expected +0.0 ms"))));
  EXPECT_THAT(Findings(0.040), IsEmpty());
  EXPECT_THAT(Findings(0.080), Contains(HasSubstr("expected +80.0 ms (the source's)")));
}

// One AAC frame (1024 samples at 48 kHz, 21.3 ms) apart is tolerated, either way; more is not.
TEST_F(AvStartTest, ToleranceIsOneAacFrame) {
  SetEdits(package() / "init_1.mp4", 21, 1024);
  EXPECT_THAT(Findings(), IsEmpty());
  SetEdits(package() / "init_1.mp4", 22, 1024);
  EXPECT_THAT(Findings(), ElementsAre(HasSubstr("+22.0 ms, expected +0.0 ms")));
  SetEdits(package() / "init_1.mp4", 0, 1024);
  SetEdits(package() / "init_0.mp4", 22, 1024);  // The video late: the audio is early.
  EXPECT_THAT(Findings(), ElementsAre(HasSubstr("-22.0 ms, expected +0.0 ms")));
}

// The second video segment's tfdt moved back by one frame: it decodes before the first
// segment's last sample (and overlaps it).
TEST_F(AvStartTest, DecodeTimesGoingBackwardsAreAFinding) {
  const fs::path segment = package() / "s0_001.m4s";
  std::string bytes = testing::ReadFile(segment);
  const size_t tfdt = bytes.find("tfdt");
  ASSERT_EQ(bytes[tfdt + 4], 1) << "tfdt version";
  PutU32(bytes, tfdt + 12, 12288 - 2 * 512);  // Two frames back.
  std::ofstream(segment, std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_THAT(Findings(), Contains(AllOf(StartsWith("FMP4-DTS-ORDER p0.m3u8"),
                                         HasSubstr("decodes from 11264"))));
}

}  // namespace
}  // namespace atp::validate
