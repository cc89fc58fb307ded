// atp/server/job_service.h
//
// JobService: the workers of `atp serve`. A submission (a manifest's bytes, from the API or
// the inbox) is kept in the service's manifest folder under its SHA-256, then ingested and
// reserved at once (the exactly-once point: a duplicate finds its job) and queued. `workers`
// threads run the queued jobs, highest manifest Priority first, then first come, each on a
// job store connection of its own (pipeline::JobRunner, never waiting for a job another
// process works on). Start queues again the RUNNING jobs no live process holds, which resume
// where their journal stops. Drain stops the workers at their next checkpoint: each journals
// its attempt as interrupted, releases the lease and leaves the job RUNNING for the next
// Start.
#ifndef ATP_SERVER_JOB_SERVICE_H_
#define ATP_SERVER_JOB_SERVICE_H_

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/clock.h"
#include "atp/encode/encoding_profile.h"
#include "atp/notify/notifier.h"
#include "atp/pipeline/job_runner.h"
#include "atp/server/service_metrics.h"
#include "atp/state/job_store.h"

namespace atp::server {

struct JobServiceOptions {
  int workers = 1;
  std::filesystem::path manifest_dir;  // Submitted manifests are kept here.
  std::filesystem::path input_root;    // The FilePaths of submitted manifests are inside it.
  std::filesystem::path out;           // The output root.
  // Of new submissions; a resumed or retried job encodes with its own (JobRecord's profile).
  encode::EncodingProfile profile;
  int threads = 2;  // Encoder threads of each job.
  // Every job runs with these, besides the metrics' own.
  pipeline::RunHooks hooks;
};

// What a worker uses alone: a connection to the job store and the notifiers of outcomes.
struct WorkerResources {
  std::unique_ptr<state::JobStore> store;
  std::vector<std::unique_ptr<notify::Notifier>> notifiers;
};

struct Submission {
  state::JobRecord job;
  bool created = false;  // False: the delivery's job existed (its state says how it is).
};

class JobService {
 public:
  // `make_resources` is called for the service's own connection and once per worker.
  // `runner` configures the workers' runners (its stop_signal is the service's). `clock` and
  // `metrics` (may be null) outlive the service.
  JobService(JobServiceOptions options,
             std::function<absl::StatusOr<WorkerResources>()> make_resources,
             pipeline::RunnerOptions runner, Clock& clock, ServiceMetrics* metrics);
  ~JobService();  // Drain(SIGTERM) unless drained.

  JobService(const JobService&) = delete;
  JobService& operator=(const JobService&) = delete;

  // Opens the service's connection, queues the RUNNING jobs no live process holds and starts
  // the workers.
  [[nodiscard]] absl::Status Start();

  // Keeps `manifest_xml`, ingests and reserves its delivery, and queues the job unless it is
  // ended. InvalidArgument with ingest's errors (nothing is kept); FailedPrecondition without
  // an input root; Unavailable while draining. `source` ("api", "inbox") labels the metrics.
  // `reserved`, when set, sees the job before it is queued (so before any worker is done
  // with it).
  [[nodiscard]] absl::StatusOr<Submission> Submit(
      std::string_view manifest_xml, std::string_view source,
      const std::function<void(const state::JobRecord& job)>& reserved = nullptr);

  // Reopens a FAILED or CANCELLED job (a new run) and queues it; NotFound for an unknown id,
  // FailedPrecondition for a RUNNING or COMPLETE one.
  [[nodiscard]] absl::StatusOr<state::JobRecord> Retry(std::string_view job_id);

  // Called on the worker's thread each time a worker is done with a job: ended, or left
  // RUNNING (the service drains, or another process works on it). Set before Start.
  void SetJobDoneCallback(std::function<void(const pipeline::RunOutcome&)> callback);

  // Takes no more work, stops the running jobs at their next checkpoint as `signal` would,
  // and joins the workers. Queued jobs stay RUNNING in the store for the next Start.
  void Drain(int signal);

  [[nodiscard]] int64_t QueueDepth() const;
  [[nodiscard]] int64_t BusyWorkers() const;

 private:
  struct QueuedJob {
    int priority = 0;
    int64_t order = 0;  // First come, first served within a priority.
    std::string job_id;
    pipeline::RunRequest request;
    bool operator<(const QueuedJob& other) const;  // std::priority_queue: the top runs next.
  };

  // Queues `job` (run from its own manifest, input root and profile) unless it is queued or
  // running here already. `priority` is its manifest's.
  absl::Status Enqueue(const state::JobRecord& job, int priority);
  void Work(WorkerResources resources);
  // options_.hooks, with the metrics' added.
  pipeline::RunHooks JobHooks() const;
  void CountOutcome(const pipeline::RunOutcome& outcome) const;

  const JobServiceOptions options_;
  const std::function<absl::StatusOr<WorkerResources>()> make_resources_;
  pipeline::RunnerOptions runner_options_;
  Clock& clock_;
  ServiceMetrics* const metrics_;
  std::function<void(const pipeline::RunOutcome&)> job_done_;

  std::mutex control_mutex_;  // Serializes the use of control_ (submissions, retries).
  std::unique_ptr<state::JobStore> control_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::priority_queue<QueuedJob> queue_;
  std::set<std::string> queued_or_running_;  // Job ids.
  int64_t next_order_ = 0;
  int64_t busy_ = 0;
  bool draining_ = false;
  std::atomic<int> stop_signal_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace atp::server

#endif  // ATP_SERVER_JOB_SERVICE_H_
