// One exit code per failure, whichever command meets it: `atp check`, `atp transcode` and
// `atp run` on each kind of bad delivery, as the README's "Exit codes" table says.
#include "atp/app/exit_codes.h"

#include <fstream>

#include "atp/app/replaced_mezzanine_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::app {
namespace {

namespace fs = std::filesystem;
using pipeline::Step;

TEST(ExitCodeFor, MapsEachStepAndCodeAsTheReadmeSays) {
  struct Case {
    std::optional<Step> step;
    absl::StatusCode code;
    int expected;
  };
  for (const Case& c : std::vector<Case>{
           {std::nullopt, absl::StatusCode::kOk, kExitOk},
           {Step::kIngest, absl::StatusCode::kInvalidArgument, kExitInvalidManifest},
           {Step::kIngest, absl::StatusCode::kNotFound, kExitInvalidManifest},
           {Step::kIngest, absl::StatusCode::kUnavailable, kExitOtherError},
           {Step::kVerify, absl::StatusCode::kUnavailable, kExitOtherError},
           {Step::kVerify, absl::StatusCode::kDeadlineExceeded, kExitOtherError},
           {Step::kVerify, absl::StatusCode::kCancelled, kExitOtherError},
           {Step::kTranscode, absl::StatusCode::kCancelled, kExitOtherError},
           {Step::kVerify, absl::StatusCode::kDataLoss, kExitMezzanineMismatch},
           {Step::kVerify, absl::StatusCode::kFailedPrecondition, kExitMezzanineMismatch},
           {Step::kTranscode, absl::StatusCode::kInvalidArgument, kExitMezzanineMismatch},
           {Step::kTranscode, absl::StatusCode::kDataLoss, kExitMezzanineMismatch},
           {Step::kTranscode, absl::StatusCode::kPermissionDenied, kExitOtherError},
           {Step::kTranscode, absl::StatusCode::kResourceExhausted, kExitOtherError},
           {Step::kCheck, absl::StatusCode::kFailedPrecondition, kExitValidationFailed},
           {Step::kCheck, absl::StatusCode::kUnavailable, kExitOtherError},
           {Step::kPublish, absl::StatusCode::kPermissionDenied, kExitOtherError},
           {Step::kReserve, absl::StatusCode::kUnavailable, kExitOtherError},
           {std::nullopt, absl::StatusCode::kAborted, kExitOtherError},
       }) {
    EXPECT_EQ(ExitCodeFor(c.step, absl::Status(c.code, "x")), c.expected)
        << (c.step ? pipeline::StepName(*c.step) : "none") << " "
        << absl::StatusCodeToString(c.code);
  }
}

// A generated delivery whose mezzanine a test replaces (ReplacedMezzanineTest).
class ExitCodeTableTest : public ReplacedMezzanineTest {
 protected:
  // Runs `command` on the delivery; returns its exit code.
  int Atp(const std::string& command, const std::string& global_options = "") const {
    return RunAtp(command, global_options).exit_code;
  }
};

// Each kind of failure, and the exit code each command gives it.
TEST_F(ExitCodeTableTest, BadManifest) {
  std::string xml = testing::ReadFile(Manifest());
  Replace(xml, "SeasonNumber", "one");
  std::ofstream(Manifest(), std::ios::trunc) << xml;
  for (const char* command : {"check", "transcode", "run"}) {
    EXPECT_EQ(Atp(command), kExitInvalidManifest) << command;
  }
}

TEST_F(ExitCodeTableTest, BadProfile) {
  const fs::path profile = dir_.WriteFile("bad.toml", "[h264]\ncrf = 99\n");
  for (const char* command : {"check", "transcode", "run"}) {
    EXPECT_EQ(Atp(command, "--profile " + profile.string()), kExitOtherError) << command;
  }
}

TEST_F(ExitCodeTableTest, ChecksumMismatch) {
  std::string xml = testing::ReadFile(Manifest());
  Replace(xml, "ChecksumMD5", std::string(32, '0'));
  std::ofstream(Manifest(), std::ios::trunc) << xml;
  for (const char* command : {"check", "transcode", "run"}) {
    EXPECT_EQ(Atp(command), kExitMezzanineMismatch) << command;
  }
}

// Bytes no demuxer reads, described correctly by the manifest: found at verify.
TEST_F(ExitCodeTableTest, UnreadableMedia) {
  std::ofstream(Mezzanine(), std::ios::binary | std::ios::trunc) << std::string(50000, 'j');
  DescribeMezzanineAsItIs();
  for (const char* command : {"check", "transcode", "run"}) {
    EXPECT_EQ(Atp(command), kExitMezzanineMismatch) << command;
  }
}

// A stream damaged mid-way: probing passes (check says OK), decoding fails at transcode.
TEST_F(ExitCodeTableTest, UndecodableMedia) {
  MakeMezzanine(
      "-f lavfi -i testsrc=d=2:s=426x240:r=24000/1001 -f lavfi -i sine=d=2 "
      "-f lavfi -i sine=f=500:d=2 -map 0 -map 1 -map 2 -c:v prores -c:a pcm_s16le "
      "-f mov");
  std::string bytes = testing::ReadFile(Mezzanine());
  for (size_t at = bytes.size() / 3; at < bytes.size() / 2; at += 997) bytes[at] ^= 0xff;
  std::ofstream(Mezzanine(), std::ios::binary | std::ios::trunc) << bytes;
  DescribeMezzanineAsItIs();
  EXPECT_EQ(Atp("check"), kExitOk);
  EXPECT_EQ(Atp("transcode"), kExitMezzanineMismatch);
  EXPECT_EQ(Atp("run"), kExitMezzanineMismatch);
}

// Audio longer than the picture: the video renditions end before the source does, and the
// check step's validator refuses the package (check, which encodes nothing, passes).
TEST_F(ExitCodeTableTest, InvalidOutput) {
  MakeMezzanine(
      "-f lavfi -i testsrc=d=2:s=426x240:r=24000/1001 -f lavfi -i sine=d=2.6 "
      "-f lavfi -i sine=f=500:d=2.6 -map 0 -map 1 -map 2 -c:v libx264 "
      "-pix_fmt yuv420p -c:a aac -f mp4");
  EXPECT_EQ(Atp("check"), kExitOk);
  EXPECT_EQ(Atp("transcode"), kExitValidationFailed);
  EXPECT_EQ(Atp("run"), kExitValidationFailed);
}

// A read-only output disk (an I/O failure no retry fixes); check writes nothing.
TEST_F(ExitCodeTableTest, ReadOnlyOutput) {
  const fs::path out = dir_.path() / "out";
  fs::create_directories(out);
  for (const std::string command : {"transcode", "run"}) {
    const testing::CommandResult result = testing::RunCommand(
        "unshare -m sh -c 'mount -t tmpfs tmpfs " + out.string() + " && mount -o remount,ro " +
        out.string() + " && " + kAtp + " " + command + " " + Manifest().string() + " --out " +
        out.string() + (command == "run" ? " --state " + (dir_.path() / "jobs.db").string() : "") +
        " >/dev/null 2>&1; echo exit=$?' 2>&1");
    if (result.output.find("exit=") == std::string::npos) {
      GTEST_SKIP() << "cannot mount a read-only folder here: " << result.output;
    }
    EXPECT_THAT(result.output, ::testing::HasSubstr("exit=1")) << command;
  }
  EXPECT_EQ(Atp("check"), kExitOk);
}

}  // namespace
}  // namespace atp::app
