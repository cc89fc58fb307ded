// atp/server/job_service.h
//
// JobService: the workers of `atp serve`. A submission (a manifest's bytes, from the API or
// the inbox) is kept in the service's manifest folder under its SHA-256, then ingested and
// reserved at once (the exactly-once point: a duplicate finds its job) and queued. `workers`
// threads run the queued jobs, highest manifest Priority first, then first come, each on a
// job store connection of its own (pipeline::JobRunner, never waiting for a job another
// process works on). Start, and then a sweep every `sweep_interval`, queue the RUNNING jobs
// nobody works on: left by a process that stopped or died (once its lease expired, or at
// once when it was on this host), or abandoned here after a store error or a lost lease.
// They resume where their journal stops. Drain stops the workers at their next checkpoint:
// each journals its attempt as interrupted, releases the lease and leaves the job RUNNING for
// the next Start. Start once, then Drain once (the destructor drains too).
#ifndef ATP_SERVER_JOB_SERVICE_H_
#define ATP_SERVER_JOB_SERVICE_H_

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
  absl::Duration sweep_interval = absl::Seconds(30);
  // One line per event an operator should see (a job that cannot run, a store error).
  std::function<void(std::string_view line)> log;
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
  // an input root; Unavailable while draining (Draining() says so) or when the store does
  // not answer. `source` ("api", "inbox") labels the metrics. `reserved`, when set, sees the
  // job as reserved, before this call queues it (a worker may be running it already when it
  // was queued before: its done callback then comes later, for this run or a later one).
  [[nodiscard]] absl::StatusOr<Submission> Submit(
      std::string_view manifest_xml, std::string_view source,
      const std::function<void(const state::JobRecord& job)>& reserved = nullptr);

  // Reopens a FAILED or CANCELLED job (a new run) and queues it (to run after its worker, if
  // one is still finishing the last run); NotFound for an unknown id, FailedPrecondition for
  // a RUNNING or COMPLETE one or one whose stored profile this atp cannot read.
  [[nodiscard]] absl::StatusOr<state::JobRecord> Retry(std::string_view job_id);

  // Called on the worker's thread each time a worker is done with a job: ended; left RUNNING
  // (the service drains, another process works on it, the store failed, the lease was lost);
  // or never started (an empty job id: its manifest could not be read). Set before Start.
  void SetJobDoneCallback(std::function<void(const pipeline::RunOutcome&)> callback);

  // Takes no more work and asks the running jobs to stop at their next checkpoint as
  // `signal` would; returns at once (safe from any thread).
  void RequestStop(int signal);
  // RequestStop, then joins the workers. Queued jobs stay RUNNING for the next Start.
  void Drain(int signal);
  [[nodiscard]] bool Draining() const;

  [[nodiscard]] int64_t QueueDepth() const;
  [[nodiscard]] int64_t BusyWorkers() const;

 private:
  struct QueuedJob {
    int priority = 0;
    int64_t order = 0;  // First come, first served within a priority.
    std::string job_id;
    int run = 1;  // The job's run when it was queued.
    pipeline::RunRequest request;
    bool operator<(const QueuedJob& other) const;  // std::priority_queue: the top runs next.
  };

  // The workers' clock: the service clock's time, with sleeps (retry backoff) that end as soon
  // as the service stops, in real time.
  class StopClock : public Clock {
   public:
    explicit StopClock(JobService& service) : service_(service) {}
    absl::Time Now() override;
    void SleepFor(absl::Duration duration) override;

   private:
    JobService& service_;
  };

  // How a worker runs `job`: from its own manifest, input root and profile.
  absl::StatusOr<pipeline::RunRequest> RequestFor(const state::JobRecord& job) const;
  // Queues run `run` of `job` unless it is queued already or that run has ended (RunEnded); a
  // job a worker is running is queued again when the worker is done if this is a later run (a
  // retry). Needs queue_mutex_.
  void EnqueueLocked(const state::JobRecord& job, int priority, pipeline::RunRequest request);
  // Whether the run of `job` its caller saw RUNNING has ended (or been replaced by a later
  // run) since: the callers read the job before they take queue_mutex_, and a worker ends a
  // run in the store before it leaves running_, so a job neither queued nor running may have
  // been run meanwhile. Asks the store; needs queue_mutex_ (takes control_mutex_).
  bool RunEnded(const state::JobRecord& job);
  // Queues the RUNNING jobs no live process holds and this service does not have.
  absl::Status QueueUnheldJobs();
  void Work(WorkerResources resources);
  void Sweep();
  // options_.hooks, with the metrics' added.
  pipeline::RunHooks JobHooks() const;
  void CountOutcome(const pipeline::RunOutcome& outcome) const;
  void Log(std::string_view line) const;

  const JobServiceOptions options_;
  const std::function<absl::StatusOr<WorkerResources>()> make_resources_;
  pipeline::RunnerOptions runner_options_;
  Clock& clock_;
  StopClock worker_clock_{*this};
  ServiceMetrics* const metrics_;
  std::function<void(const pipeline::RunOutcome&)> job_done_;

  // Serializes the use of control_ (submissions, retries, sweeps). When both are held,
  // queue_mutex_ is taken first.
  std::mutex control_mutex_;
  std::unique_ptr<state::JobStore> control_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::priority_queue<QueuedJob> queue_;
  std::set<std::string> queued_;  // Job ids in queue_.
  // What the workers run, by job id: the run, and the job to queue again when the worker is
  // done (a retry came meanwhile).
  struct Running {
    int run = 1;
    std::optional<QueuedJob> again;
  };
  std::map<std::string, Running> running_;
  // Job ids that cannot run (a manifest gone, a profile unreadable): left out of sweeps until
  // submitted or retried again; said once.
  std::set<std::string> unrunnable_;
  int64_t next_order_ = 0;
  bool draining_ = false;
  std::atomic<int> stop_signal_ = 0;
  std::vector<std::thread> workers_;
  std::thread sweeper_;
};

}  // namespace atp::server

#endif  // ATP_SERVER_JOB_SERVICE_H_
