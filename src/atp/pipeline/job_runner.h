// atp/pipeline/job_runner.h
//
// `atp run`: the durable, exactly-once pipeline. A submission is ingested, reserved in the
// JobStore under its job key (a second submission of the same delivery finds the job and
// encodes nothing), and then worked by whichever process holds the job's lease, step by step:
// verify, plan, transcode, package, check, publish, notify. Every step is journaled before and
// after it runs; a process that dies is replaced by the next one to run the job, which skips
// the steps its run already finished (their results are job store artifacts and staged
// files) and publishes exactly once. The error code of a failed step decides what happens
// (core/error_policy.h): retried with backoff, or terminal, which fails the job and notifies.
#ifndef ATP_PIPELINE_JOB_RUNNER_H_
#define ATP_PIPELINE_JOB_RUNNER_H_

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "atp/core/backoff.h"
#include "atp/core/clock.h"
#include "atp/encode/encoding_profile.h"
#include "atp/notify/notifier.h"
#include "atp/pipeline/job_steps.h"
#include "atp/state/job_store.h"
#include "atp/storage/blob_store.h"

namespace atp::pipeline {

struct RunRequest {
  std::filesystem::path manifest_file;
  std::filesystem::path input_root;  // Empty: the manifest's folder.
  std::filesystem::path out;         // Output root (see JobOutputDir).
  encode::EncodingProfile profile;
  bool wait = true;           // Wait for a job another process is working on.
  bool retry_failed = false;  // Run a FAILED or CANCELLED job with this key again.
  bool keep_staging = false;  // Keep the staging folder of a FAILED or CANCELLED job.
  int threads = 2;
  // Ingest and reserve only: the outcome is the job as reserved (reopened with
  // retry_failed), which some worker runs later (the API and the inbox of `atp serve`).
  bool reserve_only = false;
};

struct RunnerOptions {
  absl::Duration lease_ttl = absl::Seconds(60);
  absl::Duration poll_interval = absl::Milliseconds(500);
  BackoffPolicy retry{.max_attempts = 3, .initial = absl::Seconds(2), .max = absl::Seconds(60)};
  BackoffPolicy retry_later{
      .max_attempts = 3, .initial = absl::Seconds(30), .max = absl::Minutes(5)};
  // Per step; a step past its deadline fails with DeadlineExceeded (and is retried). The
  // plan step encodes too under `--ladder auto` (the per-title probes: minutes with a slow
  // preset on one CPU), so it has the verify step's bound, not a bookkeeping step's.
  std::map<Step, absl::Duration> timeouts = {
      {Step::kVerify, absl::Hours(2)},     {Step::kPlan, absl::Hours(2)},
      {Step::kTranscode, absl::Hours(12)}, {Step::kPackage, absl::Minutes(10)},
      {Step::kCheck, absl::Hours(1)},      {Step::kPublish, absl::Minutes(10)},
      {Step::kNotify, absl::Hours(1)}};
  // Whether a process of this host is alive (a lease holder on this host whose PID is gone is
  // taken over at once).
  std::function<bool(int64_t pid)> process_alive;
  // Makes the notifier for a manifest's CallbackUrl (none when unset or the manifest has none).
  std::function<std::unique_ptr<notify::Notifier>(const std::string& url)> callback_notifier;
  // The signal (SIGTERM, SIGINT) asking this process to stop, or 0. Checked at every
  // checkpoint: the running attempt is journaled as interrupted, the lease released and the
  // job left RUNNING for the next run, which resumes it at once.
  std::function<int()> stop_signal;
  // How long to wait for the staging folder while another process holds its lock before the
  // attempt fails (Unavailable, retried).
  absl::Duration staging_lock_wait = absl::Minutes(10);
  // Makes the steps that do the work of one job (MakeMediaJobSteps when unset, starting no
  // transcode work in a run that stops after plan).
  std::function<std::unique_ptr<JobSteps>()> make_steps;
  // Opens the store a job's output is staged and published in, given the output root
  // (storage::OpenLocalBlobStore when unset).
  std::function<absl::StatusOr<std::unique_ptr<storage::BlobStore>>(
      const std::filesystem::path& root)>
      open_output;
  // `atp check`: the run ends after the plan step, leaving the job RUNNING, unpublished and
  // unnotified, in what is then a scratch job store.
  bool stop_after_plan = false;
  // Added to the staging prefix's name (".staging-<job id><suffix>"): a run whose job store
  // is a scratch one (`atp transcode`) stages apart from the runs of a real one, whose
  // finished units it cannot know.
  std::string staging_suffix;
};

struct RunOutcome {
  // Empty job_id when the manifest failed ingest (no job exists).
  state::JobRecord job;
  bool created = false;           // This submission created the job.
  bool worked = false;            // This process ran steps of it.
  bool published_before = false;  // Its package was found published: nothing was done.
  // OK when the job is COMPLETE (or stopped after plan as asked), or RUNNING under
  // another process with `wait` false. Otherwise the job's error (ingest's when no job
  // exists).
  absl::Status status;
  // With a non-OK status: the step whose failure ended the job (ingest and reserve
  // included). Empty when this process stopped working the job without an outcome (a lost
  // lease, an unavailable job store, a stop signal): the job stays RUNNING for the next run.
  std::optional<Step> failed_step;
  int stopped_by_signal = 0;  // This process stopped on this signal (RunnerOptions).
  // The manifest, once ingest read it.
  std::optional<manifest::ParsedManifest> manifest;
};

class JobRunner {
 public:
  // `notifiers` are told of every COMPLETE, FAILED and CANCELLED outcome; `self` names this
  // process in leases. All referenced objects must outlive the runner.
  JobRunner(state::JobStore& store, std::vector<notify::Notifier*> notifiers, Clock& clock,
            state::LeaseHolder self, RunnerOptions options);

  // Submits the delivery of `request` and, unless another process is working on it and
  // `request.wait` is false, sees its job to a terminal state.
  [[nodiscard]] RunOutcome Run(const RunRequest& request, const RunHooks& hooks);

 private:
  // Run, once the manifest is read and its paths resolved.
  RunOutcome RunJob(const RunRequest& request, const RunHooks& hooks,
                    const manifest::ParsedManifest& manifest, const DeliveryPaths& paths,
                    const std::filesystem::path& input_root, absl::Time ingest_started);

  state::JobStore& store_;
  std::vector<notify::Notifier*> notifiers_;
  Clock& clock_;
  state::LeaseHolder self_;
  RunnerOptions options_;
};

// `atp cancel`: asks the job's worker to stop (JobStore::RequestCancel); a job no process
// works on is CANCELLED at once, and then its staging folder is removed here (unless another
// process holds it), as a worker removes it when it ends a job.
[[nodiscard]] absl::StatusOr<state::JobRecord> CancelJob(state::JobStore& store,
                                                         std::string_view job_id, absl::Time now);

// The process's lease identity: "host:pid:random".
[[nodiscard]] state::LeaseHolder ThisProcess();

// True unless no process has `pid` (kill(pid, 0) fails with ESRCH).
[[nodiscard]] bool ProcessAlive(int64_t pid);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_JOB_RUNNER_H_
