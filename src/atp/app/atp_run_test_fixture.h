// atp/app/atp_run_test_fixture.h
//
// The fixture of the `atp run` process tests: a generated delivery (3 s, 426x240 H.264/AAC,
// ja + en) shared by the tests of a suite, an output folder per test, and helpers that run,
// pause, kill and inspect atp as a user would.
#ifndef ATP_APP_ATP_RUN_TEST_FIXTURE_H_
#define ATP_APP_ATP_RUN_TEST_FIXTURE_H_

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace atp::app {

namespace fs = std::filesystem;

using Result = testing::CommandResult;

// The atp under test: this build's, or ATP_TEST_BINARY (to show a test fails on another
// build, e.g. the one before a fix).
inline const std::string kAtp =
    std::getenv("ATP_TEST_BINARY") != nullptr ? std::getenv("ATP_TEST_BINARY") : ATP_BINARY;

class AtpRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    inputs_ = new testing::TempDir();
    const Result sample = testing::RunCommand(kAtp + " sample --out " + inputs_->path().string() +
                                              " --duration 3 --size 426x240 --codec h264 2>&1");
    ASSERT_EQ(sample.exit_code, 0) << sample.output;
  }
  static void TearDownTestSuite() { delete inputs_; }

  static std::string Manifest() {
    return (inputs_->path() / "atp-sample-s01e01-sample.xml").string();
  }
  std::string Out() const { return (dir_.path() / "out").string(); }
  std::string Run(const std::string& environment = "") const {
    return environment + " " + kAtp + " run " + Manifest() + " --out " + Out();
  }

  // Runs `run` paused at `where` (a step, or "transcode/<unit>"), kills it there with
  // SIGKILL (no cleanup), and runs it again; prints killed=<status> and rerun=<exit code>.
  Result KillAtAndRerun(const std::string& where, const std::string& run) const {
    const std::string marker = (dir_.path() / "paused").string();
    fs::remove(marker);
    return testing::RunCommand(
        "ATP_TEST_PAUSE_AT_STEP=" + where + " ATP_TEST_PAUSE_MARKER=" + marker + " " + run +
        " >/dev/null 2>&1 & pid=$!; for t in $(seq 600); do [ -f " + marker +
        " ] && break; sleep 0.05; done; kill -9 $pid; wait $pid; echo killed=$?; " + run +
        " 2>&1; echo rerun=$?");
  }

  // Runs `run` in the background paused at `where`, then the shell commands `action` (with
  // the paused process's id in $pid), then lets it go on (if it still runs) and waits for it;
  // prints exit=<its status>.
  Result PauseThen(const std::string& where, const std::string& run,
                   const std::string& action) const {
    const std::string marker = (dir_.path() / "paused").string();
    fs::remove(marker);
    return testing::RunCommand(
        "ATP_TEST_PAUSE_AT_STEP=" + where + " ATP_TEST_PAUSE_MARKER=" + marker + " " + run + " > " +
        (dir_.path() / "run.log").string() + " 2>&1 & pid=$!; for t in $(seq 600); do [ -f " +
        marker + " ] && break; sleep 0.05; done; " + action + "; rm -f " + marker +
        "; wait $pid; echo exit=$?; cat " + (dir_.path() / "run.log").string());
  }

  nlohmann::json Json(const std::string& command) const {
    const Result result = testing::RunCommand(kAtp + " " + command + " --out " + Out());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return nlohmann::json::parse(result.output, nullptr, false);
  }

  // Events of the only job, as {step/kind/outcome: count}.
  std::map<std::string, int> EventCounts() const {
    const nlohmann::json jobs = Json("jobs --json");
    EXPECT_EQ(jobs.size(), 1u);
    const nlohmann::json events =
        Json("events --json " + jobs[0]["job_id"].get<std::string>())["events"];
    std::map<std::string, int> counts;
    for (const auto& event : events) {
      ++counts[event["step"].get<std::string>() + "/" + event["kind"].get<std::string>() +
               (event["outcome"].get<std::string>().empty()
                    ? ""
                    : "/" + event["outcome"].get<std::string>())];
    }
    return counts;
  }

  // Folders under the episode's output folder (published packages and staging folders).
  std::vector<std::string> EpisodeFolders() const {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry :
         fs::directory_iterator(dir_.path() / "out/atp-sample/s01/e001", error)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  inline static testing::TempDir* inputs_ = nullptr;
  testing::TempDir dir_;
};

}  // namespace atp::app

#endif  // ATP_APP_ATP_RUN_TEST_FIXTURE_H_
