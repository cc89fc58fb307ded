// The transcode step with its video chunks encoded in parallel, through JobRunner on a real
// job store and a generated delivery: the same segments and times as one chunk at a time, and
// a run stopped while chunks run resumes without encoding the finished ones again.
#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atp/notify/log_notifier.h"
#include "atp/pipeline/job_runner.h"
#include "atp/pipeline/sample_delivery.h"
#include "atp/pipeline/suite_delivery_fixture.h"
#include "atp/pipeline/transcode_and_package.h"
#include "atp/state/sqlite_job_store.h"
#include "atp/testing/journal.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

std::string ReadText(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ParallelChunks, OnePerThreadUpToThePendingAndTheCap) {
  EXPECT_EQ(ParallelChunks(2, 0), 0);
  EXPECT_EQ(ParallelChunks(1, 5), 1);
  EXPECT_EQ(ParallelChunks(2, 5), 2);
  EXPECT_EQ(ParallelChunks(16, 3), 3);
  EXPECT_EQ(ParallelChunks(64, 100), kMaxParallelChunks);
  EXPECT_EQ(ParallelChunks(0, 4), 1);
}

class ParallelTranscodeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SampleDeliveryOptions options;
    options.media.codec = media::SampleCodec::kH264;
    options.media.duration_seconds = 6;
    options.media.width = 426;
    options.media.height = 240;
    delivery_.Create(options);
  }
  static void TearDownTestSuite() { delivery_.Remove(); }

  // Chunks of 2 s: three video units.
  static encode::EncodingProfile Profile() {
    encode::EncodingProfile profile;
    profile.keyframe_interval_seconds = 1;
    profile.segment_seconds = 2;
    profile.chunk_seconds = 2;
    return profile;
  }

  // Runs the delivery into <dir>/<name> with `threads` encoder threads.
  RunOutcome Run(const std::string& name, int threads, RunnerOptions options = {},
                 const RunHooks& hooks = {}) {
    absl::StatusOr<std::unique_ptr<state::JobStore>> store =
        state::OpenSqliteJobStore(dir_.path() / name / "jobs.db");
    EXPECT_TRUE(store.ok()) << store.status();
    stores_[name] = *std::move(store);
    std::ostringstream notifications;
    std::unique_ptr<notify::Notifier> log = notify::MakeLogNotifier(notifications, RealClock());
    JobRunner runner(*stores_[name], {log.get()}, RealClock(), ThisProcess(), options);
    return runner.Run({.manifest_file = delivery_.manifest(),
                       .out = dir_.path() / name / "out",
                       .profile = Profile(),
                       .threads = threads},
                      hooks);
  }

  // The media playlists of a published package, by rendition.
  static std::map<std::string, std::string> MediaPlaylists(const RunOutcome& outcome) {
    std::map<std::string, std::string> playlists;
    for (const auto& entry : fs::directory_iterator(outcome.job.job.output_dir)) {
      const fs::path playlist = entry.path() / "playlist.m3u8";
      if (fs::exists(playlist)) playlists[entry.path().filename()] = ReadText(playlist);
    }
    return playlists;
  }

  // The threads the transcode units ran on with `threads`, by the units each ran.
  std::map<std::thread::id, std::vector<std::string>> UnitsByThread(const std::string& name,
                                                                    int threads) {
    std::mutex mutex;
    std::map<std::thread::id, std::vector<std::string>> units;
    RunHooks hooks;
    hooks.unit_started = [&](const std::string& unit) {
      std::lock_guard<std::mutex> lock(mutex);
      units[std::this_thread::get_id()].push_back(unit);
    };
    const RunOutcome outcome = Run(name, threads, {}, hooks);
    EXPECT_TRUE(outcome.status.ok()) << outcome.status;
    return units;
  }

  static inline SuiteDelivery delivery_;
  testing::TempDir dir_;
  std::map<std::string, std::unique_ptr<state::JobStore>> stores_;
};

TEST_F(ParallelTranscodeTest, ChunksInParallelGiveTheSegmentsOfOneAtATime) {
  const RunOutcome serial = Run("serial", 1);
  ASSERT_TRUE(serial.status.ok()) << serial.status;
  const RunOutcome parallel = Run("parallel", 2);
  ASSERT_TRUE(parallel.status.ok()) << parallel.status;
  const std::map<std::string, std::string> expected = MediaPlaylists(serial);
  ASSERT_GE(expected.size(), 3u);  // Video, and the two audio tracks.
  EXPECT_EQ(MediaPlaylists(parallel), expected);
  const std::string id = parallel.job.job.job_id;
  for (const char* unit : {"video-001", "video-002", "video-003"}) {
    EXPECT_THAT(testing::JournalLines(*stores_["parallel"], id, absl::StrCat("transcode/", unit)),
                ElementsAre("start 1", "end/OK 1"))
        << unit;
  }
}

// Three chunks and the audio with two threads: the audio is a task of the two threads that
// take the chunks, not a third thread beside them. With four threads (more than the chunks),
// it runs on a thread of its own beside the three chunks' threads.
TEST_F(ParallelTranscodeTest, TheAudioTakesAChunkThreadOnlyWhenChunksWait) {
  const std::map<std::thread::id, std::vector<std::string>> two = UnitsByThread("two", 2);
  size_t units_run = 0;
  for (const auto& [thread, units] : two) units_run += units.size();
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(units_run, 4u);
  const std::map<std::thread::id, std::vector<std::string>> four = UnitsByThread("four", 4);
  ASSERT_EQ(four.size(), 4u);
  for (const auto& [thread, units] : four) EXPECT_EQ(units.size(), 1u) << units.front();
}

// A stop signal when the third chunk starts: the attempt ends INTERRUPTED, the chunks that
// finished keep their records, and the next run encodes only the others.
TEST_F(ParallelTranscodeTest, AStopWhileChunksRunResumesWithoutTheFinishedOnes) {
  std::atomic<int> signal = 0;
  RunnerOptions options;
  options.stop_signal = [&] { return signal.load(); };
  RunHooks hooks;
  std::atomic<int> chunks_started = 0;
  hooks.unit_started = [&](const std::string& unit) {
    if (unit.starts_with("video-") && ++chunks_started == 3) signal = SIGTERM;
  };
  const RunOutcome stopped = Run("resumed", 2, options, hooks);
  EXPECT_EQ(stopped.stopped_by_signal, SIGTERM);
  EXPECT_EQ(stopped.job.state, state::JobState::kRunning);
  const std::string id = stopped.job.job.job_id;
  std::vector<std::string> finished_first;
  for (const char* unit : {"audio", "video-001", "video-002", "video-003"}) {
    const std::vector<std::string> lines =
        testing::JournalLines(*stores_["resumed"], id, absl::StrCat("transcode/", unit));
    if (!lines.empty() && lines.back() == "end/OK 1") finished_first.push_back(unit);
  }
  // The third chunk starts only once a thread finished its chunk (two threads).
  ASSERT_FALSE(finished_first.empty());

  signal = 0;
  const RunOutcome resumed = Run("resumed", 2, options);
  ASSERT_TRUE(resumed.status.ok()) << resumed.status;
  EXPECT_EQ(resumed.job.state, state::JobState::kComplete);
  for (const std::string& unit : finished_first) {
    EXPECT_THAT(testing::JournalLines(*stores_["resumed"], id, "transcode/" + unit),
                ElementsAre("start 1", "end/OK 1"))
        << unit << " was encoded again";
  }
  const RunOutcome serial = Run("serial", 1);
  ASSERT_TRUE(serial.status.ok()) << serial.status;
  EXPECT_EQ(MediaPlaylists(resumed), MediaPlaylists(serial));
}

}  // namespace
}  // namespace atp::pipeline
