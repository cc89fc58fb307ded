// JobRunner in-process on a real SQLite job store and a generated delivery, with a FakeClock
// so backoff and deadlines take no time. Store faults are injected by a decorator of the real
// store; deadlines and cancel requests by the run's own observers.
#include "atp/pipeline/job_runner.h"

#include <sched.h>
#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "atp/manifest/manifest_parser.h"
#include "atp/notify/log_notifier.h"
#include "atp/notify/webhook_notifier.h"
#include "atp/pipeline/job_key.h"
#include "atp/pipeline/output_layout.h"
#include "atp/pipeline/read_manifest.h"
#include "atp/pipeline/sample_delivery.h"
#include "atp/pipeline/suite_delivery_fixture.h"
#include "atp/state/sqlite_job_store.h"
#include "atp/storage/local_blob_store.h"
#include "atp/testing/fake_clock.h"
#include "atp/testing/faulty_blob_store.h"
#include "atp/testing/faulty_job_store.h"
#include "atp/testing/journal.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "atp/testing/webhook_receiver.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

using testing::FaultyJobStore;

class JobRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SampleDeliveryOptions options;
    options.media.codec = media::SampleCodec::kH264;
    options.media.duration_seconds = 2;
    options.media.width = 426;
    options.media.height = 240;
    delivery_.Create(options);
  }
  static void TearDownTestSuite() { delivery_.Remove(); }

  void SetUp() override {
    ASSERT_FALSE(delivery_.manifest().empty());
    absl::StatusOr<std::unique_ptr<state::JobStore>> store =
        state::OpenSqliteJobStore(dir_.path() / "jobs.db");
    ASSERT_TRUE(store.ok()) << store.status();
    real_store_ = *std::move(store);
    store_ = std::make_unique<FaultyJobStore>(*real_store_);
    log_notifier_ = notify::MakeLogNotifier(notifications_, clock_);
  }

  RunOutcome Run(const RunHooks& hooks = {}) {
    JobRunner runner(*store_, {log_notifier_.get()}, clock_,
                     {.owner = "test:1:a", .host = "test", .pid = 1}, options_);
    return runner.Run({.manifest_file = delivery_.manifest(), .out = dir_.path() / "out"}, hooks);
  }

  std::vector<std::string> Journal(const std::string& job_id, const std::string& step) {
    return testing::JournalLines(*real_store_, job_id, step);
  }

  int NotificationCount(const std::string& state) const {
    int count = 0;
    std::istringstream lines(notifications_.str());
    for (std::string line; std::getline(lines, line);) {
      if (line.find("\"state\":\"" + state + "\"") != std::string::npos) ++count;
    }
    return count;
  }

  bool Published(const state::JobRecord& job) const { return fs::exists(job.job.output_dir); }

  static inline SuiteDelivery delivery_;
  testing::TempDir dir_;
  testing::FakeClock clock_;
  RunnerOptions options_;
  std::unique_ptr<state::JobStore> real_store_;
  std::unique_ptr<FaultyJobStore> store_;
  std::ostringstream notifications_;
  std::unique_ptr<notify::Notifier> log_notifier_;
};

TEST_F(JobRunnerTest, ATransientFaultIsRetriedAfterABackoff) {
  store_->FailArtifactWrites("source", 1, absl::UnavailableError("disk went away"));
  std::vector<std::string> ended;
  RunHooks hooks;
  hooks.step_ended = [&](Step step, int attempt, const absl::Status& outcome, absl::Duration took,
                         bool retrying) {
    EXPECT_GE(took, absl::ZeroDuration());
    ended.push_back(absl::StrCat(std::string(StepName(step)), " ", attempt, " ",
                                 absl::StatusCodeToString(outcome.code()),
                                 retrying ? " retrying" : ""));
  };
  const RunOutcome outcome = Run(hooks);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_THAT(ended, ::testing::ElementsAre("verify 1 UNAVAILABLE retrying", "verify 2 OK",
                                            "plan 1 OK", "transcode 1 OK", "package 1 OK",
                                            "check 1 OK", "publish 1 OK", "notify 1 OK"));
  EXPECT_EQ(outcome.job.state, state::JobState::kComplete);
  EXPECT_THAT(Journal(outcome.job.job.job_id, "verify"),
              ::testing::ElementsAre("start 1", "end/UNAVAILABLE 1", "start 2", "end/OK 2"));
  // One wait, before attempt 2: the initial delay within its jitter.
  ASSERT_EQ(clock_.sleeps().size(), 1u);
  EXPECT_GE(clock_.sleeps()[0], options_.retry.initial * (1 - options_.retry.jitter));
  EXPECT_LE(clock_.sleeps()[0], options_.retry.initial * (1 + options_.retry.jitter));
  EXPECT_TRUE(Published(outcome.job));
  EXPECT_EQ(NotificationCount("COMPLETE"), 1);
}

TEST_F(JobRunnerTest, AFaultThatPersistsFailsTheJobAtTheAttemptLimit) {
  store_->FailArtifactWrites("source", 100, absl::UnavailableError("disk went away"));
  std::vector<std::string> ended;
  RunHooks hooks;
  hooks.step_ended = [&](Step step, int, const absl::Status&, absl::Duration, bool retrying) {
    ended.push_back(absl::StrCat(std::string(StepName(step)), retrying ? " retrying" : ""));
  };
  const RunOutcome outcome = Run(hooks);
  // The failed job is still notified.
  EXPECT_THAT(ended,
              ::testing::ElementsAre("verify retrying", "verify retrying", "verify", "notify"));
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk")));
  EXPECT_EQ(outcome.failed_step, Step::kVerify);
  EXPECT_EQ(outcome.job.state, state::JobState::kFailed);
  EXPECT_EQ(Journal(outcome.job.job.job_id, "verify").size(), 2u * options_.retry.max_attempts);
  // Waits before attempts 2 and 3, growing.
  ASSERT_EQ(clock_.sleeps().size(), 2u);
  EXPECT_GT(clock_.sleeps()[1], clock_.sleeps()[0]);
  EXPECT_FALSE(Published(outcome.job));
  EXPECT_EQ(NotificationCount("FAILED"), 1);
}

TEST_F(JobRunnerTest, AFailureThatIsNotTransientIsNotRetried) {
  store_->FailArtifactWrites("media", 1, absl::PermissionDeniedError("read-only staging"));
  const RunOutcome outcome = Run();
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(outcome.failed_step, Step::kTranscode);
  EXPECT_THAT(Journal(outcome.job.job.job_id, "transcode"),
              ::testing::ElementsAre("start 1", "end/PERMISSION_DENIED 1"));
  EXPECT_TRUE(clock_.sleeps().empty());
  EXPECT_EQ(NotificationCount("FAILED"), 1);
}

TEST_F(JobRunnerTest, AStepPastItsDeadlineIsRetriedThenFails) {
  options_.timeouts[Step::kVerify] = absl::Seconds(10);
  RunHooks hooks;
  hooks.verify_progress = [this](int64_t, int64_t) { clock_.Advance(absl::Seconds(11)); };
  const RunOutcome outcome = Run(hooks);
  EXPECT_THAT(outcome.status,
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("verify took longer")));
  EXPECT_EQ(outcome.job.state, state::JobState::kFailed);
  EXPECT_EQ(Journal(outcome.job.job.job_id, "verify").size(), 2u * options_.retry.max_attempts);
}

TEST_F(JobRunnerTest, ACancelRequestStopsTheTranscodeAndPublishesNothing) {
  RunHooks hooks;
  std::string job_id;
  hooks.unit_started = [&](const std::string& unit) {
    if (unit != "video-001") return;
    absl::StatusOr<std::vector<state::JobRecord>> jobs = real_store_->List(1);
    ASSERT_TRUE(jobs.ok() && jobs->size() == 1);
    job_id = (*jobs)[0].job.job_id;
    ASSERT_TRUE(real_store_->RequestCancel(job_id, clock_.Now()).ok());
    clock_.Advance(absl::Seconds(5));  // Past the interval at which a step looks.
  };
  const RunOutcome outcome = Run(hooks);
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(outcome.job.state, state::JobState::kCancelled);
  EXPECT_EQ(outcome.failed_step, Step::kTranscode);
  EXPECT_THAT(Journal(job_id, "transcode/video-001"),
              ::testing::ElementsAre("start 1", "end/CANCELLED 1"));
  EXPECT_FALSE(Published(outcome.job));
  EXPECT_EQ(NotificationCount("CANCELLED"), 1);
}

// The transcode's progress counts the video's frames, once: the audio, encoded beside them,
// does not double the total (it did, and made the ETA half what it was).
TEST_F(JobRunnerTest, TranscodeProgressCountsTheVideosFrames) {
  RunHooks hooks;
  std::vector<encode::TranscodeProgress> reports;
  hooks.transcode_progress = [&](const encode::TranscodeProgress& reached, const SourceInfo&) {
    reports.push_back(reached);
  };
  const RunOutcome outcome = Run(hooks);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  ASSERT_FALSE(reports.empty());
  const int64_t frames = 48;  // 2 s at 24000/1001 fps.
  for (size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].frames_total, frames) << "report " << i;
    if (i > 0) {
      EXPECT_GE(reports[i].frames_done, reports[i - 1].frames_done) << "report " << i;
    }
  }
  EXPECT_EQ(reports.back().frames_done, frames);
}

// Runs `during` before the attempt `at` of a real notifier, once that attempt is claimed: how
// a test lets a second process act while a delivery is under way.
class InterruptedNotifier : public notify::Notifier {
 public:
  InterruptedNotifier(std::unique_ptr<notify::Notifier> notifier, int at,
                      std::function<void()> during)
      : notifier_(std::move(notifier)), at_(at), during_(std::move(during)) {}
  const std::string& destination() const override { return notifier_->destination(); }
  absl::Status Notify(const notify::Notification& notification,
                      const notify::DeliveryHooks& hooks) override {
    notify::DeliveryHooks interrupted = hooks;
    interrupted.before_attempt = [&](int attempt) {
      absl::Status claimed =
          hooks.before_attempt ? hooks.before_attempt(attempt) : absl::OkStatus();
      if (attempt == at_) during_();
      return claimed;
    };
    return notifier_->Notify(notification, interrupted);
  }

 private:
  std::unique_ptr<notify::Notifier> notifier_;
  int at_;
  std::function<void()> during_;
};

// A receiver that keeps failing holds the notify step for longer than a lease: the worker
// keeps its lease through it, so a second submission (another process) finds the job held
// and neither takes it over nor notifies again.
TEST_F(JobRunnerTest, ASlowReceiverDoesNotLetASecondProcessNotifyAgain) {
  options_.lease_ttl = absl::Seconds(5);  // The backoff before attempt 4 is 1 + 2 + 4 s.
  testing::WebhookReceiver receiver({503, 503, 503, 200});
  std::ostringstream second_log;
  std::unique_ptr<notify::Notifier> second_notifier = notify::MakeLogNotifier(second_log, clock_);
  RunOutcome second;
  InterruptedNotifier webhook(
      notify::MakeWebhookNotifier({.url = receiver.url()}, clock_), /*at=*/4, [&] {
        JobRunner other(*store_, {second_notifier.get()}, clock_,
                        {.owner = "test:2:b", .host = "test", .pid = 2}, options_);
        second = other.Run(
            {.manifest_file = delivery_.manifest(), .out = dir_.path() / "out", .wait = false}, {});
      });
  JobRunner runner(*store_, {log_notifier_.get(), &webhook}, clock_,
                   {.owner = "test:1:a", .host = "test", .pid = 1}, options_);
  const RunOutcome outcome =
      runner.Run({.manifest_file = delivery_.manifest(), .out = dir_.path() / "out"}, {});
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.job.state, state::JobState::kComplete);
  EXPECT_FALSE(second.worked);
  EXPECT_EQ(second.job.lease.owner, "test:1:a");
  EXPECT_EQ(second_log.str(), "");
  EXPECT_EQ(receiver.requests().size(), 4u);
  EXPECT_EQ(NotificationCount("COMPLETE"), 1);
}

// The output disk fills up in the middle of a segment: the job fails with the system's own
// words, after the longer "retry later" waits, and its staging folder is removed so the disk
// is free again. The disk is a 64 KiB tmpfs in a mount namespace of this test's own.
TEST_F(JobRunnerTest, AFullDiskFailsTheJobSaysSoAndFreesTheDisk) {
  const fs::path out = dir_.path() / "out";
  fs::create_directories(out);
  if (unshare(CLONE_NEWNS) != 0 ||
      mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      mount("tmpfs", out.c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a small disk here: " << std::strerror(errno);
  }
  const RunOutcome outcome = Run();
  EXPECT_THAT(outcome.status,
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("No space left on device")));
  EXPECT_EQ(outcome.failed_step, Step::kTranscode);
  EXPECT_EQ(outcome.job.state, state::JobState::kFailed);
  EXPECT_EQ(Journal(outcome.job.job.job_id, "transcode").size(),
            2u * options_.retry_later.max_attempts);
  ASSERT_EQ(clock_.sleeps().size(), 2u);
  EXPECT_GE(clock_.sleeps()[0], options_.retry_later.initial * (1 - options_.retry_later.jitter));
  std::error_code error;
  std::vector<std::string> left;
  for (const auto& entry : fs::recursive_directory_iterator(out, error)) {
    if (entry.is_regular_file()) left.push_back(entry.path().string());
  }
  EXPECT_THAT(left, ::testing::IsEmpty());
  EXPECT_FALSE(Published(outcome.job));
  EXPECT_EQ(NotificationCount("FAILED"), 1);
  umount2(out.c_str(), MNT_DETACH);
}

// The output store behind a fault-injecting decorator, as every job of the test opens it.
class FaultyOutputTest : public JobRunnerTest {
 protected:
  void SetUp() override {
    JobRunnerTest::SetUp();
    options_.open_output =
        [this](const fs::path& root) -> absl::StatusOr<std::unique_ptr<storage::BlobStore>> {
      ATP_ASSIGN_OR_RETURN(std::unique_ptr<storage::BlobStore> local,
                           storage::OpenLocalBlobStore(root));
      auto faulty = std::make_unique<testing::FaultyBlobStore>(std::move(local));
      if (configure_) configure_(*faulty);
      return faulty;
    };
  }

  // What a job's output holds under `prefix`, read without faults.
  std::vector<std::string> Stored(const state::JobRecord& job, const std::string& prefix) {
    const OutputPlace place = OutputPlaceOf(job.job.output_dir);
    absl::StatusOr<std::unique_ptr<storage::BlobStore>> store =
        storage::OpenLocalBlobStore(place.root);
    EXPECT_TRUE(store.ok()) << store.status();
    absl::StatusOr<std::vector<std::string>> keys =
        (*store)->List(prefix == "staging" ? place.staging : place.published);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.value_or(std::vector<std::string>{});
  }

  std::function<void(testing::FaultyBlobStore&)> configure_;
};

// The disk fills up in the middle of the transcode (a segment's bytes cross the limit): the
// job fails with the system's words after the longer waits, its staging is removed, and
// nothing is published.
TEST_F(FaultyOutputTest, ADiskThatFillsUpMidSegmentFailsTheJobAndLeavesNothing) {
  configure_ = [](testing::FaultyBlobStore& store) {
    store.FailWritesAfterBytes(30'000, absl::ResourceExhaustedError("No space left on device"));
  };
  const RunOutcome outcome = Run();
  EXPECT_THAT(outcome.status,
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("No space left on device")));
  EXPECT_EQ(outcome.failed_step, Step::kTranscode);
  EXPECT_EQ(outcome.job.state, state::JobState::kFailed);
  EXPECT_EQ(Journal(outcome.job.job.job_id, "transcode").size(),
            2u * options_.retry_later.max_attempts);
  EXPECT_THAT(Stored(outcome.job, "staging"), ::testing::IsEmpty());
  EXPECT_THAT(Stored(outcome.job, "published"), ::testing::IsEmpty());
  EXPECT_EQ(NotificationCount("FAILED"), 1);
}

// A segment whose write fails once with EIO: the transcode is tried again after a backoff,
// keeping the units it had finished, and the job completes with every segment in place.
TEST_F(FaultyOutputTest, ATransientWriteErrorIsRetriedAndTheJobCompletes) {
  int opened = 0;
  configure_ = [&opened](testing::FaultyBlobStore& store) {
    if (++opened == 1) {
      store.FailNext(testing::FaultyBlobStore::Operation::kCommit, 1,
                     absl::UnavailableError("write: Input/output error (EIO)"));
    }
  };
  const RunOutcome outcome = Run();
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.job.state, state::JobState::kComplete);
  EXPECT_THAT(Journal(outcome.job.job.job_id, "transcode"),
              ::testing::ElementsAre("start 1", "end/UNAVAILABLE 1", "start 2", "end/OK 2"));
  EXPECT_EQ(clock_.sleeps().size(), 1u);
  const std::vector<std::string> published = Stored(outcome.job, "published");
  EXPECT_TRUE(std::any_of(published.begin(), published.end(),
                          [](const std::string& key) { return key.ends_with("/master.m3u8"); }));
  EXPECT_THAT(Stored(outcome.job, "staging"), ::testing::IsEmpty());
}

// A job whose lease another worker holds: reserved and leased here as that worker would.
class LeasedElsewhereTest : public JobRunnerTest {
 protected:
  std::string LeaseTo(const state::LeaseHolder& holder) {
    absl::StatusOr<manifest::ParsedManifest> parsed = ReadManifest(delivery_.manifest());
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    const std::string key = ComputeJobKey(parsed->spec, encode::EncodingProfile{});
    const std::string id = JobIdFromKey(key);
    const state::NewJob job{
        .job_id = id,
        .job_key = key,
        .manifest_id = parsed->spec.manifest_id,
        .manifest_path = delivery_.manifest().string(),
        .input_root = delivery_.manifest().parent_path().string(),
        .output_dir = JobOutputDir(dir_.path() / "out", parsed->spec, id).string()};
    EXPECT_TRUE(real_store_->Reserve(job, clock_.Now(), {}).ok());
    EXPECT_TRUE(real_store_->AcquireLease(id, holder, clock_.Now(), options_.lease_ttl).ok());
    return id;
  }
};

TEST_F(LeasedElsewhereTest, AWorkerThatVanishedOnAnotherHostLosesTheJobWhenItsLeaseExpires) {
  const std::string id = LeaseTo({.owner = "far:7:b", .host = "far", .pid = 7});
  int waits = 0;
  RunHooks hooks;
  hooks.waiting = [&](const state::JobRecord& job) {
    ++waits;
    EXPECT_EQ(job.lease.owner, "far:7:b");
  };
  int takeovers = 0;
  hooks.lease_taken_over = [&](const state::JobRecord&) { ++takeovers; };
  const absl::Time started = clock_.Now();
  const RunOutcome outcome = Run(hooks);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(takeovers, 1);
  EXPECT_EQ(outcome.job.job.job_id, id);
  EXPECT_FALSE(outcome.created);
  EXPECT_EQ(outcome.job.state, state::JobState::kComplete);
  // Polled until the lease ran out, then took it: not before, and not later.
  EXPECT_EQ(waits, options_.lease_ttl / options_.poll_interval);
  EXPECT_EQ(clock_.sleeps().size(), static_cast<size_t>(waits));
  EXPECT_GE(clock_.Now() - started, options_.lease_ttl);
}

TEST_F(LeasedElsewhereTest, ADeadWorkerOnThisHostIsTakenOverAtOnce) {
  LeaseTo({.owner = "test:99:b", .host = "test", .pid = 99});
  options_.process_alive = [](int64_t pid) { return pid != 99; };
  int waits = 0;
  int takeovers = 0;
  RunHooks hooks;
  hooks.waiting = [&](const state::JobRecord&) { ++waits; };
  hooks.lease_taken_over = [&](const state::JobRecord& job) {
    ++takeovers;
    EXPECT_EQ(job.lease.owner, "test:1:a");
  };
  const RunOutcome outcome = Run(hooks);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.job.state, state::JobState::kComplete);
  EXPECT_EQ(waits, 0);
  EXPECT_EQ(takeovers, 1);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(LeasedElsewhereTest, ALiveWorkerIsLeftAloneWithoutWait) {
  LeaseTo({.owner = "test:98:b", .host = "test", .pid = 98});
  options_.process_alive = [](int64_t) { return true; };
  JobRunner runner(*store_, {log_notifier_.get()}, clock_,
                   {.owner = "test:1:a", .host = "test", .pid = 1}, options_);
  const RunOutcome outcome = runner.Run(
      {.manifest_file = delivery_.manifest(), .out = dir_.path() / "out", .wait = false}, {});
  EXPECT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.job.state, state::JobState::kRunning);
  EXPECT_EQ(outcome.job.lease.owner, "test:98:b");
  EXPECT_FALSE(outcome.worked);
}

TEST_F(JobRunnerTest, ReserveOnlyMakesTheJobAndLeavesItToAWorker) {
  JobRunner runner(*store_, {log_notifier_.get()}, clock_,
                   {.owner = "test:1:a", .host = "test", .pid = 1}, options_);
  const RunRequest request{
      .manifest_file = delivery_.manifest(), .out = dir_.path() / "out", .reserve_only = true};
  const RunOutcome first = runner.Run(request, {});
  ASSERT_TRUE(first.status.ok()) << first.status;
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(first.worked);
  EXPECT_EQ(first.job.state, state::JobState::kRunning);
  EXPECT_TRUE(first.job.lease.owner.empty());
  EXPECT_THAT(Journal(first.job.job.job_id, "verify"), ::testing::IsEmpty());
  const RunOutcome again = runner.Run(request, {});
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.job.job.job_id, first.job.job.job_id);
  // A worker then runs it; nobody held a lease, so nothing was taken over.
  int takeovers = 0;
  RunHooks hooks;
  hooks.lease_taken_over = [&](const state::JobRecord&) { ++takeovers; };
  const RunOutcome worked = Run(hooks);
  EXPECT_EQ(worked.job.state, state::JobState::kComplete);
  EXPECT_TRUE(worked.worked);
  EXPECT_EQ(takeovers, 0);
}

}  // namespace
}  // namespace atp::pipeline
