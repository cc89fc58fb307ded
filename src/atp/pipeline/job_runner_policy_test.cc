// The orchestrator alone: JobRunner over a real SQLite job store (faults injected by a
// decorator), a FakeClock and testing::FakeJobSteps, so every row of DESIGN.md's error table
// is exercised in milliseconds, without media.
#include <signal.h>

#include <algorithm>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "atp/manifest/manifest_test_data.h"
#include "atp/notify/log_notifier.h"
#include "atp/pipeline/job_runner.h"
#include "atp/state/sqlite_job_store.h"
#include "atp/testing/fake_clock.h"
#include "atp/testing/fake_job_steps.h"
#include "atp/testing/faulty_job_store.h"
#include "atp/testing/journal.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class JobRunnerPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manifest_ = dir_.WriteFile("in/delivery.xml", manifest::kExampleManifest);
    absl::StatusOr<std::unique_ptr<state::JobStore>> store =
        state::OpenSqliteJobStore(dir_.path() / "jobs.db");
    ASSERT_TRUE(store.ok()) << store.status();
    real_store_ = *std::move(store);
    store_ = std::make_unique<testing::FaultyJobStore>(*real_store_);
    log_notifier_ = notify::MakeLogNotifier(notifications_, clock_);
    options_.make_steps = testing::FakeJobSteps::Factory(script_);
  }

  RunOutcome Run(const std::string& owner = "test:1:a") {
    JobRunner runner(*store_, {log_notifier_.get()}, clock_,
                     {.owner = owner, .host = "test", .pid = 1}, options_);
    return runner.Run({.manifest_file = manifest_, .out = dir_.path() / "out"}, {});
  }

  // "start N" and "end/<outcome> N" events of `step` (or "transcode/<unit>"), in order.
  std::vector<std::string> Journal(const std::string& step) {
    absl::StatusOr<std::vector<state::JobRecord>> jobs = real_store_->List(1);
    EXPECT_TRUE(jobs.ok() && jobs->size() == 1);
    return testing::JournalLines(*real_store_, (*jobs)[0].job.job_id, step);
  }

  int Notifications() const {
    std::istringstream lines(notifications_.str());
    int count = 0;
    for (std::string line; std::getline(lines, line);) ++count;
    return count;
  }

  int Ran(const std::string& name) const {
    return static_cast<int>(std::count(script_.ran.begin(), script_.ran.end(), name));
  }

  testing::TempDir dir_;
  fs::path manifest_;
  testing::FakeClock clock_;
  RunnerOptions options_;
  testing::JobStepsScript script_;
  std::unique_ptr<state::JobStore> real_store_;
  std::unique_ptr<testing::FaultyJobStore> store_;
  std::ostringstream notifications_;
  std::unique_ptr<notify::Notifier> log_notifier_;
};

TEST_F(JobRunnerPolicyTest, EveryStepRunsOnceAndTheJobIsPublished) {
  const RunOutcome outcome = Run();
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.job.state, state::JobState::kComplete);
  EXPECT_THAT(script_.ran,
              ElementsAre("verify", "plan", "transcode", "transcode/audio", "transcode/video-001",
                          "transcode/video-002", "package", "check", "publish"));
  EXPECT_TRUE(fs::exists(fs::path(outcome.job.job.output_dir) / "video-002"));
  EXPECT_TRUE(clock_.sleeps().empty());
  EXPECT_EQ(Notifications(), 1);
}

// Unavailable and DeadlineExceeded: retried after a capped exponential backoff with jitter.
TEST_F(JobRunnerPolicyTest, UnavailableAndDeadlineExceededAreRetriedWithBackoff) {
  script_.step_results[Step::kVerify] = {absl::UnavailableError("NFS went away"),
                                         absl::DeadlineExceededError("verify took too long")};
  const RunOutcome outcome = Run();
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_THAT(Journal("verify"), ElementsAre("start 1", "end/UNAVAILABLE 1", "start 2",
                                             "end/DEADLINE_EXCEEDED 2", "start 3", "end/OK 3"));
  ASSERT_EQ(clock_.sleeps().size(), 2u);
  const BackoffPolicy& retry = options_.retry;
  EXPECT_GE(clock_.sleeps()[0], retry.initial * (1 - retry.jitter));
  EXPECT_LE(clock_.sleeps()[0], retry.initial * (1 + retry.jitter));
  EXPECT_GE(clock_.sleeps()[1], 2 * retry.initial * (1 - retry.jitter));
  EXPECT_EQ(outcome.job.state, state::JobState::kComplete);
}

TEST_F(JobRunnerPolicyTest, TransientFailuresPastTheAttemptLimitFailTheJob) {
  script_.step_results[Step::kCheck] = {absl::UnavailableError("1"), absl::UnavailableError("2"),
                                        absl::UnavailableError("3"), absl::UnavailableError("4")};
  const RunOutcome outcome = Run();
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("3")));
  EXPECT_EQ(outcome.failed_step, Step::kCheck);
  EXPECT_EQ(outcome.job.state, state::JobState::kFailed);
  EXPECT_EQ(Ran("check"), options_.retry.max_attempts);
  EXPECT_EQ(clock_.sleeps().size(), 2u);
  EXPECT_EQ(Ran("publish"), 0);
  EXPECT_EQ(Notifications(), 1);
}

// ResourceExhausted (a full disk, too many open files): retried later, after the longer
// backoff.
TEST_F(JobRunnerPolicyTest, ResourceExhaustedIsRetriedAfterTheLongerBackoff) {
  script_.unit_results["video-002"] = {absl::ResourceExhaustedError("No space left on device")};
  const RunOutcome outcome = Run();
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_THAT(Journal("transcode"),
              ElementsAre("start 1", "end/RESOURCE_EXHAUSTED 1", "start 2", "end/OK 2"));
  ASSERT_EQ(clock_.sleeps().size(), 1u);
  const BackoffPolicy& later = options_.retry_later;
  EXPECT_GE(clock_.sleeps()[0], later.initial * (1 - later.jitter));
  EXPECT_LE(clock_.sleeps()[0], later.initial * (1 + later.jitter));
  // The units finished before the failure are not encoded again.
  EXPECT_EQ(Ran("transcode/audio"), 1);
  EXPECT_EQ(Ran("transcode/video-001"), 1);
  EXPECT_EQ(Ran("transcode/video-002"), 2);
}

// Aborted (a conflict): the step restarts at once from the durable state, doing again only
// what it had not saved.
TEST_F(JobRunnerPolicyTest, AbortedRestartsTheStepWithoutWaiting) {
  store_->FailArtifactWrites("transcode/video-001", 1, absl::AbortedError("write conflict"));
  script_.step_results[Step::kPackage] = {absl::AbortedError("conflict")};
  const RunOutcome outcome = Run();
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_TRUE(clock_.sleeps().empty());
  EXPECT_THAT(Journal("package"), ElementsAre("start 1", "end/ABORTED 1", "start 2", "end/OK 2"));
  EXPECT_EQ(Ran("transcode"), 2);
  EXPECT_EQ(Ran("transcode/audio"), 1);
  EXPECT_EQ(Ran("transcode/video-001"), 2);
  EXPECT_EQ(outcome.job.state, state::JobState::kComplete);
}

// InvalidArgument, DataLoss, FailedPrecondition, NotFound, PermissionDenied: terminal at
// once; the job FAILS, is notified once, and nothing is published.
class TerminalCodeTest : public JobRunnerPolicyTest,
                         public ::testing::WithParamInterface<absl::StatusCode> {};

TEST_P(TerminalCodeTest, FailsTheJobAtOnce) {
  script_.step_results[Step::kTranscode] = {absl::Status(GetParam(), "no retry fixes this")};
  const RunOutcome outcome = Run();
  EXPECT_EQ(outcome.status.code(), GetParam());
  EXPECT_EQ(outcome.failed_step, Step::kTranscode);
  EXPECT_EQ(outcome.job.state, state::JobState::kFailed);
  EXPECT_EQ(Ran("transcode"), 1);
  EXPECT_TRUE(clock_.sleeps().empty());
  EXPECT_FALSE(fs::exists(outcome.job.job.output_dir));
  EXPECT_FALSE(fs::exists(fs::path(outcome.job.job.output_dir).parent_path() /
                          absl::StrCat(".staging-", outcome.job.job.job_id)));
  EXPECT_EQ(Notifications(), 1);
}

INSTANTIATE_TEST_SUITE_P(Codes, TerminalCodeTest,
                         ::testing::Values(absl::StatusCode::kInvalidArgument,
                                           absl::StatusCode::kDataLoss,
                                           absl::StatusCode::kFailedPrecondition,
                                           absl::StatusCode::kNotFound,
                                           absl::StatusCode::kPermissionDenied),
                         [](const auto& info) {
                           std::string name = absl::StatusCodeToString(info.param);
                           name.erase(std::remove(name.begin(), name.end(), '_'), name.end());
                           return name;
                         });

TEST_F(JobRunnerPolicyTest, InternalFailsTheJobAndSaysItIsABug) {
  script_.step_results[Step::kPlan] = {absl::InternalError("unreachable state")};
  const RunOutcome outcome = Run();
  EXPECT_EQ(outcome.job.state, state::JobState::kFailed);
  EXPECT_EQ(outcome.job.error_code, "INTERNAL");
  EXPECT_THAT(outcome.job.error_message, HasSubstr("a bug in atp"));
  EXPECT_EQ(Ran("plan"), 1);
}

// Another process took the job over (this one stalled past its lease): this one stops at
// its next checkpoint, journals nothing more, notifies no one, and leaves the job to the
// new holder.
TEST_F(JobRunnerPolicyTest, ALostLeaseStopsTheWorkWithoutATrace) {
  script_.during = [&](const std::string& name, StepContext& context) {
    if (name != "package") return;
    ASSERT_TRUE(real_store_
                    ->TakeOverLease(context.job().job.job_id, "test:1:a",
                                    {.owner = "far:9:b", .host = "far", .pid = 9}, clock_.Now(),
                                    absl::Hours(1))
                    .ok());
    clock_.Advance(options_.lease_ttl);  // Time for this process to renew.
  };
  const RunOutcome outcome = Run();
  EXPECT_THAT(outcome.status, StatusIs(absl::StatusCode::kAborted, HasSubstr("lease lost")));
  EXPECT_EQ(outcome.failed_step, std::nullopt);
  EXPECT_THAT(Journal("package"), ElementsAre("start 1"));
  EXPECT_EQ(Notifications(), 0);
  ASSERT_OK_AND_ASSIGN(state::JobRecord job, real_store_->Get(outcome.job.job.job_id));
  EXPECT_EQ(job.state, state::JobState::kRunning);
  EXPECT_EQ(job.lease.owner, "far:9:b");
}

// The job store fails to journal a unit that has just succeeded: that is the store's
// failure, not the job's. The process stops working the job and leaves it RUNNING, without
// a lease; the next run resumes it and completes it.
TEST_F(JobRunnerPolicyTest, AJournalWriteFailureLeavesTheJobToTheNextRun) {
  script_.during = [&](const std::string& name, StepContext&) {
    if (name == "transcode/audio") {
      store_->FailEventAppends(1, absl::UnavailableError("database is locked"));
    }
  };
  const RunOutcome stopped = Run();
  EXPECT_THAT(stopped.status, StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_OK_AND_ASSIGN(state::JobRecord job, real_store_->Get(stopped.job.job.job_id));
  EXPECT_EQ(job.state, state::JobState::kRunning);
  EXPECT_EQ(job.lease.owner, "");
  EXPECT_EQ(Notifications(), 0);

  script_.during = nullptr;
  const RunOutcome resumed = Run("test:2:c");
  ASSERT_TRUE(resumed.status.ok()) << resumed.status;
  EXPECT_EQ(resumed.job.state, state::JobState::kComplete);
  EXPECT_EQ(Notifications(), 1);
}

// A stop signal inside a unit: journaled as INTERRUPTED, the lease released; the next run
// resumes at once, and the interrupted attempt does not use up the step's retries.
TEST_F(JobRunnerPolicyTest, AStopSignalInterruptsWithoutSpendingRetries) {
  int signal = 0;
  options_.stop_signal = [&signal] { return signal; };
  script_.during = [&](const std::string& name, StepContext&) {
    if (name == "transcode/video-001") signal = SIGTERM;
  };
  const RunOutcome stopped = Run();
  EXPECT_EQ(stopped.stopped_by_signal, SIGTERM);
  EXPECT_THAT(Journal("transcode/video-001"), ElementsAre("start 1", "end/INTERRUPTED 1"));
  ASSERT_OK_AND_ASSIGN(state::JobRecord job, real_store_->Get(stopped.job.job.job_id));
  EXPECT_EQ(job.lease.owner, "");

  signal = 0;
  script_.during = nullptr;
  script_.step_results[Step::kTranscode] = {absl::UnavailableError("1"),
                                            absl::UnavailableError("2")};
  const RunOutcome resumed = Run("test:2:c");
  ASSERT_TRUE(resumed.status.ok()) << resumed.status;
  EXPECT_EQ(resumed.job.state, state::JobState::kComplete);
  EXPECT_EQ(Ran("transcode/audio"), 1);
}

}  // namespace
}  // namespace atp::pipeline
