// JobService on a real SQLite job store and a generated delivery: the submission contract
// (created, duplicate, refused), the queue's order, retries, and draining then resuming. The
// steps are the orchestrator's fakes (testing/fake_job_steps.h) except in the one test that
// encodes for real.
#include "atp/server/job_service.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "atp/notify/log_notifier.h"
#include "atp/pipeline/job_key.h"
#include "atp/pipeline/output_layout.h"
#include "atp/pipeline/sample_delivery.h"
#include "atp/state/sqlite_job_store.h"
#include "atp/testing/fake_job_steps.h"
#include "atp/testing/journal.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::server {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class JobServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    inputs_ = new testing::TempDir();
    pipeline::SampleDeliveryOptions options;
    options.media.codec = media::SampleCodec::kH264;
    options.media.duration_seconds = 2;
    options.media.width = 426;
    options.media.height = 240;
    absl::StatusOr<pipeline::SampleDelivery> delivery =
        pipeline::CreateSampleDelivery(options, inputs_->path());
    ASSERT_TRUE(delivery.ok()) << delivery.status();
    std::ifstream file(delivery->manifest_file);
    std::stringstream text;
    text << file.rdbuf();
    manifest_ = new std::string(text.str());
  }
  static void TearDownTestSuite() {
    delete manifest_;
    delete inputs_;
  }

  // The sample's manifest as another delivery (its ManifestId and episode) with `priority`.
  static std::string Episode(int episode, int priority = 0) {
    return absl::StrReplaceAll(
        *manifest_,
        {{"<ManifestId>atp-sample-s01e01", absl::StrCat("<ManifestId>atp-sample-s01e", episode)},
         {"<EpisodeNumber>1</EpisodeNumber>",
          absl::StrCat("<EpisodeNumber>", episode, "</EpisodeNumber>")},
         {"<Priority>0</Priority>", absl::StrCat("<Priority>", priority, "</Priority>")}});
  }

  std::unique_ptr<JobService> MakeService(bool fake_steps = true,
                                          absl::Duration sweep_interval = absl::Seconds(30)) {
    pipeline::RunnerOptions runner;
    runner.lease_ttl = absl::Seconds(5);
    if (fake_steps) runner.make_steps = testing::FakeJobSteps::Factory(script_);
    auto service = std::make_unique<JobService>(
        JobServiceOptions{.workers = 1,
                          .manifest_dir = dir_.path() / "manifests",
                          .input_root = inputs_->path(),
                          .out = dir_.path() / "out",
                          .threads = 2,
                          .sweep_interval = sweep_interval,
                          .log =
                              [this](std::string_view line) {
                                std::lock_guard<std::mutex> lock(done_mutex_);
                                log_ << line << "\n";
                              }},
        [this]() -> absl::StatusOr<WorkerResources> {
          absl::StatusOr<std::unique_ptr<state::JobStore>> store =
              state::OpenSqliteJobStore(dir_.path() / "jobs.db");
          if (!store.ok()) return store.status();
          WorkerResources resources{.store = *std::move(store)};
          resources.notifiers.push_back(notify::MakeLogNotifier(notifications_, RealClock()));
          return resources;
        },
        runner, RealClock(), &metrics_);
    service->SetJobDoneCallback([this](const pipeline::RunOutcome& outcome) {
      std::lock_guard<std::mutex> lock(done_mutex_);
      done_.push_back(outcome.job);
      done_changed_.notify_all();
    });
    return service;
  }

  // Waits (at most a minute) until `count` jobs are done; returns them in order.
  std::vector<state::JobRecord> WaitForDone(size_t count) {
    std::unique_lock<std::mutex> lock(done_mutex_);
    done_changed_.wait_for(lock, std::chrono::minutes(1), [&] { return done_.size() >= count; });
    return done_;
  }

  std::unique_ptr<state::JobStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<state::JobStore>> store =
        state::OpenSqliteJobStore(dir_.path() / "jobs.db");
    EXPECT_TRUE(store.ok()) << store.status();
    return *std::move(store);
  }

  static testing::TempDir* inputs_;
  static std::string* manifest_;
  testing::TempDir dir_;
  testing::JobStepsScript script_;
  ServiceMetrics metrics_;
  std::ostringstream notifications_;
  std::ostringstream log_;  // Guarded by done_mutex_.
  std::mutex done_mutex_;
  std::condition_variable done_changed_;
  std::vector<state::JobRecord> done_;
};
testing::TempDir* JobServiceTest::inputs_ = nullptr;
std::string* JobServiceTest::manifest_ = nullptr;

TEST_F(JobServiceTest, ASubmissionIsEncodedOnceAndADuplicateFindsItsJob) {
  std::unique_ptr<JobService> service = MakeService(/*fake_steps=*/false);
  ASSERT_TRUE(service->Start().ok());
  const absl::StatusOr<Submission> first = service->Submit(*manifest_, "api");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  const absl::StatusOr<Submission> again = service->Submit(*manifest_, "api");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->job.job.job_id, first->job.job.job_id);

  const std::vector<state::JobRecord> done = WaitForDone(1);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].state, state::JobState::kComplete) << done[0].error_message;
  EXPECT_TRUE(fs::exists(fs::path(done[0].job.output_dir) / "master.m3u8"));
  // The job's manifest is the service's copy, named by its SHA-256.
  EXPECT_EQ(fs::path(done[0].job.manifest_path).parent_path(), dir_.path() / "manifests");

  // After the job ended, the same delivery is answered by it, and nothing runs again.
  const absl::StatusOr<Submission> late = service->Submit(*manifest_, "inbox");
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_FALSE(late->created);
  EXPECT_EQ(late->job.state, state::JobState::kComplete);
  service->Drain(SIGTERM);
  EXPECT_EQ(WaitForDone(1).size(), 1u);
  EXPECT_THAT(testing::JournalLines(*OpenStore(), first->job.job.job_id, "verify"),
              ElementsAre("start 1", "end/OK 1"));
  const std::string scraped = metrics_.Scrape();
  EXPECT_THAT(scraped, HasSubstr(R"(atp_jobs_submitted_total{result="created",source="api"} 1)"));
  EXPECT_THAT(scraped, HasSubstr(R"(atp_jobs_submitted_total{result="existing",source="api"} 1)"));
  EXPECT_THAT(scraped,
              HasSubstr(R"(atp_jobs_submitted_total{result="existing",source="inbox"} 1)"));
  EXPECT_THAT(scraped, HasSubstr(R"(atp_step_attempts_total{outcome="OK",step="transcode"} 1)"));
  EXPECT_THAT(scraped, ::testing::Not(HasSubstr("atp_written_bytes_total 0\n")));
}

TEST_F(JobServiceTest, ARefusedManifestIsAnInvalidArgumentAndNothingIsKept) {
  std::unique_ptr<JobService> service = MakeService();
  ASSERT_TRUE(service->Start().ok());
  EXPECT_THAT(service->Submit("<AnimeTranscodeManifest", "api").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string escaping =
      absl::StrReplaceAll(*manifest_, {{"<FilePath>mezzanines/", "<FilePath>../../mezzanines/"}});
  EXPECT_THAT(service->Submit(escaping, "api").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Mezzanine/FilePath")));
  EXPECT_TRUE(fs::is_empty(dir_.path() / "manifests"));
  EXPECT_EQ(service->QueueDepth(), 0);
}

TEST_F(JobServiceTest, QueuedJobsRunByPriorityThenInTheOrderTheyCame) {
  absl::Notification release;
  script_.during = [&](const std::string& name, pipeline::StepContext&) {
    if (name == "verify" && !release.HasBeenNotified()) release.WaitForNotification();
  };
  std::unique_ptr<JobService> service = MakeService();
  ASSERT_TRUE(service->Start().ok());
  std::map<std::string, int> episode_of;
  auto submit = [&](int episode, int priority) {
    absl::StatusOr<Submission> submitted = service->Submit(Episode(episode, priority), "api");
    ASSERT_TRUE(submitted.ok()) << submitted.status();
    episode_of[submitted->job.job.job_id] = episode;
  };
  submit(1, 0);  // Taken at once by the one worker, which waits for `release`.
  while (service->BusyWorkers() == 0) absl::SleepFor(absl::Milliseconds(10));
  submit(2, 1);
  submit(3, 9);
  submit(4, 1);
  submit(5, 10);
  EXPECT_EQ(service->QueueDepth(), 4);
  release.Notify();
  std::vector<int> order;
  for (const state::JobRecord& job : WaitForDone(5)) {
    EXPECT_EQ(job.state, state::JobState::kComplete);
    order.push_back(episode_of[job.job.job_id]);
  }
  EXPECT_THAT(order, ElementsAre(1, 5, 3, 2, 4));
}

TEST_F(JobServiceTest, DrainingLeavesTheRunningJobToTheNextStartWhichResumesIt) {
  std::atomic<int> verifies = 0;
  script_.during = [&](const std::string& name, pipeline::StepContext& context) {
    if (name != "verify" || ++verifies > 1) return;
    while (context.Checkpoint().ok()) absl::SleepFor(absl::Milliseconds(10));
  };
  std::string job_id;
  {
    std::unique_ptr<JobService> service = MakeService();
    ASSERT_TRUE(service->Start().ok());
    absl::StatusOr<Submission> submitted = service->Submit(*manifest_, "api");
    ASSERT_TRUE(submitted.ok()) << submitted.status();
    job_id = submitted->job.job.job_id;
    while (verifies == 0) absl::SleepFor(absl::Milliseconds(10));
    service->Drain(SIGTERM);
    EXPECT_THAT(service->Submit(Episode(2), "api").status(),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("shutting down")));
  }
  ASSERT_EQ(done_.size(), 1u);
  EXPECT_EQ(done_[0].state, state::JobState::kRunning);
  absl::StatusOr<state::JobRecord> left = OpenStore()->Get(job_id);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->state, state::JobState::kRunning);
  EXPECT_TRUE(left->lease.owner.empty()) << "the lease is released, not left to expire";

  done_.clear();
  std::unique_ptr<JobService> restarted = MakeService();
  ASSERT_TRUE(restarted->Start().ok());
  const std::vector<state::JobRecord> done = WaitForDone(1);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].state, state::JobState::kComplete);
  EXPECT_EQ(done[0].run, 1);
  EXPECT_THAT(testing::JournalLines(*OpenStore(), job_id, "verify"),
              ElementsAre("start 1", "end/INTERRUPTED 1", "start 2", "end/OK 2"));
}

TEST_F(JobServiceTest, RetryReopensAFailedJobAndRunsItAgain) {
  script_.step_results[pipeline::Step::kPlan] = {absl::InvalidArgumentError("bad ladder")};
  std::unique_ptr<JobService> service = MakeService();
  ASSERT_TRUE(service->Start().ok());
  absl::StatusOr<Submission> submitted = service->Submit(*manifest_, "api");
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string id = submitted->job.job.job_id;
  ASSERT_EQ(WaitForDone(1).back().state, state::JobState::kFailed);
  // A duplicate of a failed delivery is answered with the failed job; it is not run again.
  absl::StatusOr<Submission> again = service->Submit(*manifest_, "api");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->job.state, state::JobState::kFailed);
  EXPECT_EQ(service->QueueDepth(), 0);

  absl::StatusOr<state::JobRecord> retried = service->Retry(id);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->state, state::JobState::kRunning);
  EXPECT_EQ(retried->run, 2);
  const std::vector<state::JobRecord> done = WaitForDone(2);
  EXPECT_EQ(done.back().state, state::JobState::kComplete);
  EXPECT_THAT(service->Retry(id).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("COMPLETE")));
  EXPECT_THAT(service->Retry("00000000000000ff").status(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(JobServiceTest, ConcurrentSubmissionsOfOneDeliveryMakeOneJob) {
  std::unique_ptr<JobService> service = MakeService();
  ASSERT_TRUE(service->Start().ok());
  std::vector<absl::StatusOr<Submission>> results(8);
  std::vector<std::thread> threads;
  for (auto& result : results) {
    threads.emplace_back([&] { result = service->Submit(*manifest_, "api"); });
  }
  for (std::thread& thread : threads) thread.join();
  int created = 0;
  for (const absl::StatusOr<Submission>& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->job.job.job_id, results[0]->job.job.job_id);
    created += result->created;
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(WaitForDone(1).size(), 1u);
}

// A submission that reserved while the job ran, and queues it only after the worker ended
// that run, does not run it again: the worker waits in verify until the second submission
// has seen the job RUNNING, and the submission goes on only once the worker is free.
TEST_F(JobServiceTest, ASubmissionThatSawTheJobRunningDoesNotQueueItAfterTheRunEnded) {
  absl::Notification second_reserved;
  script_.during = [&](const std::string& name, pipeline::StepContext&) {
    if (name == "verify") second_reserved.WaitForNotificationWithTimeout(absl::Seconds(30));
  };
  std::unique_ptr<JobService> service = MakeService();
  ASSERT_TRUE(service->Start().ok());
  absl::StatusOr<Submission> first = service->Submit(*manifest_, "api");
  ASSERT_TRUE(first.ok()) << first.status();
  state::JobState seen = state::JobState::kComplete;
  absl::StatusOr<Submission> second =
      service->Submit(*manifest_, "api", [&](const state::JobRecord& job) {
        seen = job.state;
        second_reserved.Notify();
        WaitForDone(1);
        while (service->BusyWorkers() > 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      });
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(seen, state::JobState::kRunning);
  EXPECT_FALSE(second->created);
  // Another delivery, queued after: the next job done is it, not the first one again.
  ASSERT_TRUE(service->Submit(Episode(2), "api").ok());
  const std::vector<state::JobRecord> done = WaitForDone(2);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].job.job_id, first->job.job.job_id);
  EXPECT_NE(done[1].job.job_id, first->job.job.job_id);
}

// A retry that comes while the worker is still finishing the failed run (here: from the
// done callback) runs after it, as run 2; it is not dropped as "already queued".
TEST_F(JobServiceTest, ARetryWhileTheFailedRunIsFinishingRunsAfterIt) {
  script_.step_results[pipeline::Step::kPlan] = {absl::InvalidArgumentError("bad ladder")};
  std::unique_ptr<JobService> service = MakeService();
  service->SetJobDoneCallback([&](const pipeline::RunOutcome& outcome) {
    if (outcome.job.state == state::JobState::kFailed) {
      EXPECT_TRUE(service->Retry(outcome.job.job.job_id).ok());
    }
    std::lock_guard<std::mutex> lock(done_mutex_);
    done_.push_back(outcome.job);
    done_changed_.notify_all();
  });
  ASSERT_TRUE(service->Start().ok());
  ASSERT_TRUE(service->Submit(*manifest_, "api").ok());
  const std::vector<state::JobRecord> done = WaitForDone(2);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].state, state::JobState::kFailed);
  EXPECT_EQ(done[1].state, state::JobState::kComplete);
  EXPECT_EQ(done[1].run, 2);
}

// Jobs left RUNNING with nobody on them (here: reserved straight in the store, as by a process
// that died before its first step) are found by a sweep and run; one whose stored profile this
// atp cannot read is said once and left alone, without stopping the service.
TEST_F(JobServiceTest, ASweepResumesUnheldJobsAndSkipsOnesThatCannotRun) {
  std::unique_ptr<JobService> service = MakeService(true, absl::Milliseconds(100));
  ASSERT_TRUE(service->Start().ok());
  std::unique_ptr<state::JobStore> store = OpenStore();
  // As `atp run` reserves a delivery, with `profile` stored.
  auto reserve = [&](int episode, const std::string& profile) {
    const fs::path manifest = dir_.path() / absl::StrCat("e", episode, ".xml");
    std::ofstream(manifest) << Episode(episode);
    absl::StatusOr<manifest::ParsedManifest> parsed = manifest::ParseManifest(Episode(episode));
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    const std::string key = pipeline::ComputeJobKey(parsed->spec, encode::EncodingProfile{});
    const std::string id = pipeline::JobIdFromKey(key);
    const state::NewJob job{
        .job_id = id,
        .job_key = key,
        .manifest_id = parsed->spec.manifest_id,
        .manifest_path = manifest.string(),
        .input_root = inputs_->path().string(),
        .output_dir = pipeline::JobOutputDir(dir_.path() / "out", parsed->spec, id).string(),
        .profile = profile};
    EXPECT_TRUE(store->Reserve(job, absl::Now(), {}).ok());
    return id;
  };
  const std::string runnable = reserve(7, "");
  const std::string unreadable = reserve(8, "[video]\nretired_key = 1\n");
  const std::vector<state::JobRecord> done = WaitForDone(1);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].job.job_id, runnable);
  EXPECT_EQ(done[0].state, state::JobState::kComplete);
  absl::SleepFor(absl::Milliseconds(400));  // Several sweeps.
  service->Drain(SIGTERM);
  EXPECT_EQ(done_.size(), 1u);
  const std::string log = log_.str();
  EXPECT_THAT(log,
              HasSubstr(absl::StrCat("job ", unreadable, " is RUNNING but cannot be resumed")));
  EXPECT_THAT(log, HasSubstr("retired_key"));
  EXPECT_EQ(log.find(unreadable), log.rfind(unreadable)) << "said once: " << log;
}

}  // namespace
}  // namespace atp::server
