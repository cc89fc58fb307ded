// End-to-end tests of the atp binary: real processes, real files, real exit codes.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "atp/app/exit_codes.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace atp::app {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr together.
};

Result RunAtp(const std::string& arguments) {
  const std::string command = std::string(ATP_BINARY) + " " + arguments + " 2>&1";
  Result result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  while (size_t got = fread(buffer.data(), 1, buffer.size(), pipe))
    result.output.append(buffer.data(), got);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class AtpCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    Result sample = RunAtp("sample --out " + dir_->path().string() +
                           " --duration 2 --size 320x240 --fps 25 --audio ja,en --codec h264");
    ASSERT_EQ(sample.exit_code, kExitOk) << sample.output;
    manifest_ = new fs::path(dir_->path() / "atp-sample-s01e01-sample.xml");
    ASSERT_TRUE(fs::exists(*manifest_)) << sample.output;
  }
  static void TearDownTestSuite() {
    delete manifest_;
    delete dir_;
  }
  static testing::TempDir* dir_;
  static fs::path* manifest_;
};
testing::TempDir* AtpCliTest::dir_ = nullptr;
fs::path* AtpCliTest::manifest_ = nullptr;

TEST_F(AtpCliTest, CheckOfAFreshSamplePasses) {
  Result result = RunAtp("check " + manifest_->string());
  EXPECT_EQ(result.exit_code, kExitOk) << result.output;
  EXPECT_THAT(result.output, HasSubstr("atp check: OK"));
  EXPECT_THAT(result.output, HasSubstr("320x240"));
  EXPECT_THAT(result.output, HasSubstr("h264_240p"));
  EXPECT_THAT(result.output, HasSubstr("job key"));
}

TEST_F(AtpCliTest, CheckJsonIsMachineReadable) {
  Result result = RunAtp("check --json " + manifest_->string() + " 2>/dev/null");
  ASSERT_EQ(result.exit_code, kExitOk) << result.output;
  nlohmann::json json = nlohmann::json::parse(result.output);
  EXPECT_TRUE(json["ok"].get<bool>());
  EXPECT_EQ(json["source"]["width"], 320);
  EXPECT_EQ(json["source"]["frame_rate"], "25/1");
  EXPECT_EQ(json["ladder"].size(), 1u);
  EXPECT_EQ(json["job_key"].get<std::string>().size(), 64u);
}

TEST_F(AtpCliTest, InvalidManifestExitsWithTwo) {
  testing::TempDir dir;
  auto bad = dir.WriteFile("bad.xml", "<AnimeTranscodeManifest><ManifestId>x</ManifestId>");
  Result result = RunAtp("check " + bad.string());
  EXPECT_EQ(result.exit_code, kExitInvalidManifest) << result.output;
  EXPECT_THAT(result.output, HasSubstr("FAILED at ingest"));
}

TEST_F(AtpCliTest, MismatchedMezzanineExitsWithThree) {
  testing::TempDir dir;
  fs::copy(dir_->path(), dir.path(), fs::copy_options::recursive);
  std::ofstream(dir.path() / "mezzanines/atp-sample/s01e01.mp4", std::ios::app) << "x";
  Result result = RunAtp("check --json " + (dir.path() / manifest_->filename()).string());
  EXPECT_EQ(result.exit_code, kExitMezzanineMismatch) << result.output;
  EXPECT_THAT(result.output, HasSubstr("Mezzanine/FileSizeBytes"));
}

TEST_F(AtpCliTest, HashPrintsTheVectorsOfTheFormatDocument) {
  testing::TempDir dir;
  auto file = dir.WriteFile("hello.txt", "hello world");
  Result result = RunAtp("hash " + file.string());
  EXPECT_EQ(result.exit_code, kExitOk);
  EXPECT_EQ(result.output,
            "5eb63bbbe01eeed093cb22bb8f5acdc3  45ab6734b21e6968  11  " + file.string() + "\n");
  Result missing = RunAtp("hash " + (dir.path() / "nope").string());
  EXPECT_EQ(missing.exit_code, kExitOtherError);
  EXPECT_THAT(missing.output, HasSubstr("No such file"));
}

TEST_F(AtpCliTest, BadFlagsExitWithOne) {
  EXPECT_EQ(RunAtp("check").exit_code, kExitOtherError);
  EXPECT_EQ(RunAtp("sample --out /tmp/x --codec vp9").exit_code, kExitOtherError);
  EXPECT_EQ(RunAtp("frobnicate").exit_code, kExitOtherError);
  Result help = RunAtp("--help");
  EXPECT_EQ(help.exit_code, kExitOk);
  EXPECT_THAT(help.output, HasSubstr("check"));
}

}  // namespace
}  // namespace atp::app
