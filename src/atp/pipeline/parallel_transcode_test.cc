// The transcode step with its video chunks encoded in parallel, through JobRunner on a real
// job store and a generated delivery: the same segments and times as one chunk at a time, and
// a run stopped while chunks run resumes without encoding the finished ones again. The first
// chunk starts beside verify's checksums, and nothing of it is kept when they do not match or
// the run stops before the transcode step.
#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
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

  // Runs the delivery (of `manifest`, the suite's by default) into <dir>/<name> with
  // `threads` encoder threads.
  RunOutcome Run(const std::string& name, int threads, RunnerOptions options = {},
                 const RunHooks& hooks = {}, fs::path manifest = {}) {
    absl::StatusOr<std::unique_ptr<state::JobStore>> store =
        state::OpenSqliteJobStore(dir_.path() / name / "jobs.db");
    EXPECT_TRUE(store.ok()) << store.status();
    stores_[name] = *std::move(store);
    std::ostringstream notifications;
    std::unique_ptr<notify::Notifier> log = notify::MakeLogNotifier(notifications, RealClock());
    JobRunner runner(*stores_[name], {log.get()}, RealClock(), ThisProcess(), options);
    return runner.Run({.manifest_file = manifest.empty() ? delivery_.manifest() : manifest,
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

  // The media segments staged under <dir>/<name>/out (in a staging folder: not published),
  // whole or still being written.
  std::vector<fs::path> StagedSegments(const std::string& name) const {
    std::vector<fs::path> segments;
    std::error_code error;  // The folders change while they are listed.
    for (fs::recursive_directory_iterator it(dir_.path() / name / "out", error), end;
         !error && it != end; it.increment(error)) {
      if (it->path().string().find("/.staging-") != std::string::npos &&
          it->path().filename().string().starts_with("seg_")) {
        segments.push_back(it->path());
      }
    }
    return segments;
  }

  // Waits up to a minute for a segment to be staged whole under <dir>/<name>/out (not a
  // "seg_NNNNN.m4s.partial-*" still being written); its file name, or "" when none was.
  std::string WaitForStagedSegment(const std::string& name) const {
    for (int i = 0; i < 6000; ++i) {
      for (const fs::path& staged : StagedSegments(name)) {
        if (staged.extension() == ".m4s") return staged.filename();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return "";
  }

  // Hooks that hold the verify step, at its checksums' first progress, until a segment is
  // staged under <dir>/<name>/out (at most a minute), and set `staged` to its file name.
  RunHooks VerifyWaitingForAStagedSegment(const std::string& name, std::string& staged) const {
    RunHooks hooks;
    hooks.verify_progress = [this, name, &staged](int64_t, int64_t) {
      if (staged.empty()) staged = WaitForStagedSegment(name);
    };
    return hooks;
  }

  // That `outcome` published the package a run of one thread (in turn) publishes.
  void ExpectThePackageOfARunInTurn(const RunOutcome& outcome) {
    const RunOutcome serial = Run("serial", 1);
    ASSERT_TRUE(serial.status.ok()) << serial.status;
    EXPECT_EQ(MediaPlaylists(outcome), MediaPlaylists(serial));
  }

  // A copy of the suite's manifest, beside it, whose MD5 is not the file's.
  static fs::path ManifestWithWrongMd5() {
    const std::string text = ReadText(delivery_.manifest());
    const size_t start = text.find("<ChecksumMD5>");
    EXPECT_NE(start, std::string::npos);
    const size_t value = start + std::string_view("<ChecksumMD5>").size();
    const std::string md5 = text.substr(value, 32);
    const fs::path altered = delivery_.manifest().parent_path() / "wrong-md5.xml";
    std::ofstream(altered) << absl::StrReplaceAll(
        text, {{md5, md5[0] == '0' ? std::string(32, '1') : std::string(32, '0')}});
    return altered;
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
  ExpectThePackageOfARunInTurn(resumed);
}

// With two threads the last chunk, which the transcode takes first, is encoded while verify
// reads the checksums (the verify step waits here until one of its segments is staged), and
// the transcode step adopts it: journaled once, and the package is the one of a run in turn.
TEST_F(ParallelTranscodeTest, TheFirstChunkIsEncodedBesideTheChecksums) {
  std::string staged_during_verify;
  const RunHooks hooks = VerifyWaitingForAStagedSegment("early", staged_during_verify);
  const RunOutcome early = Run("early", 2, {}, hooks);
  ASSERT_TRUE(early.status.ok()) << early.status;
  EXPECT_EQ(staged_during_verify, "seg_00003.m4s");  // 4-6 s, the third 2 s segment.
  EXPECT_THAT(testing::JournalLines(*stores_["early"], early.job.job.job_id, "transcode/video-003"),
              ElementsAre("start 1", "end/OK 1"));
  ExpectThePackageOfARunInTurn(early);
}

// A checksum that does not match fails verify (DataLoss) as it did before anything was
// encoded: the chunk started beside it is stopped, no unit is journaled, and its segments go
// with the failed job's staging folder.
TEST_F(ParallelTranscodeTest, AChecksumMismatchKeepsNothingOfTheChunkStartedBesideIt) {
  std::string staged_during_verify;
  const RunHooks hooks = VerifyWaitingForAStagedSegment("mismatch", staged_during_verify);
  const RunOutcome failed = Run("mismatch", 2, {}, hooks, ManifestWithWrongMd5());
  EXPECT_EQ(failed.status.code(), absl::StatusCode::kDataLoss) << failed.status;
  EXPECT_EQ(failed.failed_step, Step::kVerify);
  EXPECT_EQ(failed.job.state, state::JobState::kFailed);
  EXPECT_FALSE(staged_during_verify.empty());
  absl::StatusOr<std::vector<state::StepEvent>> events =
      stores_["mismatch"]->Events(failed.job.job.job_id);
  ASSERT_TRUE(events.ok()) << events.status();
  for (const state::StepEvent& event : *events) {
    EXPECT_FALSE(event.step.starts_with("transcode")) << event.step << " " << event.kind;
  }
  EXPECT_THAT(StagedSegments("mismatch"), ::testing::IsEmpty());
  EXPECT_FALSE(fs::exists(failed.job.job.output_dir));
}

// A stop signal while the checksums are read, once the chunk beside them has staged a
// segment, and another as the plan step starts (verify done, the chunk not yet adopted): each
// run stops, the chunk with it, and the next run resumes to the package of a run in turn,
// with the chunk journaled only by the run that adopted it.
TEST_F(ParallelTranscodeTest, AStopBeforeTheTranscodeStepLeavesTheEarlyChunkToTheNextRun) {
  std::atomic<int> signal = 0;
  RunnerOptions options;
  options.stop_signal = [&] { return signal.load(); };
  RunHooks in_verify;
  in_verify.verify_progress = [&](int64_t, int64_t) {
    if (!WaitForStagedSegment("stopped").empty()) signal = SIGTERM;
  };
  const RunOutcome stopped_in_verify = Run("stopped", 2, options, in_verify);
  EXPECT_EQ(stopped_in_verify.stopped_by_signal, SIGTERM);
  EXPECT_EQ(stopped_in_verify.job.state, state::JobState::kRunning);
  const std::string id = stopped_in_verify.job.job.job_id;
  EXPECT_THAT(testing::JournalLines(*stores_["stopped"], id, "verify"),
              ElementsAre("start 1", "end/INTERRUPTED 1"));

  signal = 0;
  RunHooks at_plan;
  at_plan.step_started = [&](Step step, int) {
    if (step == Step::kPlan) signal = SIGTERM;
  };
  const RunOutcome stopped_at_plan = Run("stopped", 2, options, at_plan);
  EXPECT_EQ(stopped_at_plan.stopped_by_signal, SIGTERM);
  EXPECT_THAT(testing::JournalLines(*stores_["stopped"], id, "verify"),
              ElementsAre("start 1", "end/INTERRUPTED 1", "start 2", "end/OK 2"));
  EXPECT_THAT(testing::JournalLines(*stores_["stopped"], id, "transcode/video-003"),
              ::testing::IsEmpty());

  signal = 0;
  const RunOutcome resumed = Run("stopped", 2, options);
  ASSERT_TRUE(resumed.status.ok()) << resumed.status;
  EXPECT_EQ(resumed.job.state, state::JobState::kComplete);
  EXPECT_THAT(testing::JournalLines(*stores_["stopped"], id, "transcode/video-003"),
              ElementsAre("start 1", "end/OK 1"));
  ExpectThePackageOfARunInTurn(resumed);
}

// A run that ends after the plan step (atp check) encodes nothing beside the checksums.
TEST_F(ParallelTranscodeTest, ARunEndingAfterPlanStagesNothing) {
  bool staged_during_verify = false;
  RunHooks hooks;
  hooks.verify_progress = [&](int64_t, int64_t) {
    // Long enough for the 2 s chunk to stage its segment, were it started.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    staged_during_verify = staged_during_verify || !StagedSegments("checked").empty();
  };
  RunnerOptions options;
  options.stop_after_plan = true;
  const RunOutcome checked = Run("checked", 2, options, hooks);
  ASSERT_TRUE(checked.status.ok()) << checked.status;
  EXPECT_FALSE(staged_during_verify);
  EXPECT_THAT(StagedSegments("checked"), ::testing::IsEmpty());
}

// A cancel request between verify and the transcode step (the chunk started beside the
// checksums not adopted yet) cancels the job, and nothing the chunk staged is left.
TEST_F(ParallelTranscodeTest, ACancelBeforeTheTranscodeStepLeavesNothingOfTheEarlyChunk) {
  RunHooks hooks;
  hooks.step_started = [&](Step step, int) {
    if (step != Step::kPlan) return;
    absl::StatusOr<std::vector<state::JobRecord>> jobs = stores_["cancelled"]->List(1);
    ASSERT_TRUE(jobs.ok() && jobs->size() == 1) << jobs.status();
    ASSERT_TRUE(stores_["cancelled"]->RequestCancel(jobs->front().job.job_id, absl::Now()).ok());
  };
  const RunOutcome cancelled = Run("cancelled", 2, {}, hooks);
  EXPECT_EQ(cancelled.status.code(), absl::StatusCode::kCancelled) << cancelled.status;
  EXPECT_EQ(cancelled.job.state, state::JobState::kCancelled);
  EXPECT_THAT(
      testing::JournalLines(*stores_["cancelled"], cancelled.job.job.job_id, "transcode/video-003"),
      ::testing::IsEmpty());
  EXPECT_THAT(StagedSegments("cancelled"), ::testing::IsEmpty());
  EXPECT_FALSE(fs::exists(cancelled.job.job.output_dir));
}

}  // namespace
}  // namespace atp::pipeline
