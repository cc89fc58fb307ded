#include "atp/server/job_service.h"

#include <csignal>
#include <system_error>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/pipeline/output_layout.h"
#include "atp/pipeline/read_manifest.h"
#include "atp/storage/atomic_file.h"
#include "atp/storage/file_digest.h"

namespace atp::server {
namespace {

namespace fs = std::filesystem;

// How far back Start and the sweeps look for RUNNING jobs to resume.
constexpr int kResumedJobs = 100000;

// How often a worker's encode rate is sampled for the metrics.
constexpr absl::Duration kRateSampleInterval = absl::Seconds(1);

// Counts the failed deliveries of `inner` as `kind` ("webhook", "callback", "log").
class CountingNotifier : public notify::Notifier {
 public:
  CountingNotifier(std::unique_ptr<notify::Notifier> inner, std::string kind,
                   ServiceMetrics* metrics)
      : inner_(std::move(inner)), kind_(std::move(kind)), metrics_(metrics) {}

  const std::string& destination() const override { return inner_->destination(); }

  absl::Status Notify(const notify::Notification& notification,
                      const notify::DeliveryHooks& hooks) override {
    absl::Status status = inner_->Notify(notification, hooks);
    if (!status.ok() && metrics_ != nullptr) metrics_->CountNotificationFailure(kind_);
    return status;
  }

 private:
  std::unique_ptr<notify::Notifier> inner_;
  std::string kind_;
  ServiceMetrics* metrics_;
};

// Calls `first` (when set), then `second`.
template <typename... Args>
std::function<void(Args...)> Both(std::function<void(Args...)> first,
                                  std::type_identity_t<std::function<void(Args...)>> second) {
  if (!first) return second;
  return [first = std::move(first), second = std::move(second)](Args... args) {
    first(args...);
    second(args...);
  };
}

// The bytes of the files under `dir` (the published package).
int64_t BytesUnder(const fs::path& dir) {
  int64_t total = 0;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file(error)) total += static_cast<int64_t>(it->file_size(error));
  }
  return total;
}

}  // namespace

bool JobService::QueuedJob::operator<(const QueuedJob& other) const {
  if (priority != other.priority) return priority < other.priority;
  return order > other.order;
}

JobService::JobService(JobServiceOptions options,
                       std::function<absl::StatusOr<WorkerResources>()> make_resources,
                       pipeline::RunnerOptions runner, Clock& clock, ServiceMetrics* metrics)
    : options_(std::move(options)),
      make_resources_(std::move(make_resources)),
      runner_options_(std::move(runner)),
      clock_(clock),
      metrics_(metrics) {
  runner_options_.stop_signal = [this] { return stop_signal_.load(); };
  if (metrics_ != nullptr && runner_options_.callback_notifier) {
    runner_options_.callback_notifier = [make = runner_options_.callback_notifier,
                                         metrics = metrics_](const std::string& url) {
      std::unique_ptr<notify::Notifier> notifier = make(url);
      if (notifier == nullptr) return notifier;
      return std::unique_ptr<notify::Notifier>(
          std::make_unique<CountingNotifier>(std::move(notifier), "callback", metrics));
    };
  }
}

absl::Time JobService::StopClock::Now() { return service_.clock_.Now(); }

void JobService::StopClock::SleepFor(absl::Duration duration) {
  std::unique_lock<std::mutex> lock(service_.queue_mutex_);
  service_.queue_changed_.wait_for(lock, absl::ToChronoNanoseconds(duration),
                                   [this] { return service_.draining_; });
}

JobService::~JobService() { Drain(SIGTERM); }

void JobService::SetJobDoneCallback(std::function<void(const pipeline::RunOutcome&)> callback) {
  job_done_ = std::move(callback);
}

void JobService::Log(std::string_view line) const {
  if (options_.log) options_.log(line);
}

absl::Status JobService::Start() {
  ATP_RETURN_IF_ERROR(storage::MakeDirectories(options_.manifest_dir));
  ATP_ASSIGN_OR_RETURN(WorkerResources own, make_resources_());
  control_ = std::move(own.store);
  std::vector<WorkerResources> resources;
  for (int i = 0; i < options_.workers; ++i) {
    ATP_ASSIGN_OR_RETURN(WorkerResources worker, make_resources_());
    resources.push_back(std::move(worker));
  }
  ATP_RETURN_IF_ERROR(QueueUnheldJobs());
  for (WorkerResources& worker : resources) {
    workers_.emplace_back(
        [this, worker = std::move(worker)]() mutable { Work(std::move(worker)); });
  }
  sweeper_ = std::thread([this] { Sweep(); });
  return absl::OkStatus();
}

absl::Status JobService::QueueUnheldJobs() {
  std::vector<state::JobRecord> jobs;
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    ATP_ASSIGN_OR_RETURN(jobs, control_->List(kResumedJobs));
  }
  const absl::Time now = clock_.Now();
  const std::string host = pipeline::ThisProcess().host;
  for (const state::JobRecord& job : jobs) {
    if (job.state != state::JobState::kRunning) continue;
    const bool held = !job.lease.owner.empty() && job.lease_expires > now &&
                      (job.lease.host != host || pipeline::ProcessAlive(job.lease.pid));
    if (held) continue;
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      if (queued_.contains(job.job.job_id) || running_.contains(job.job.job_id) ||
          unrunnable_.contains(job.job.job_id)) {
        continue;
      }
    }
    absl::StatusOr<pipeline::RunRequest> request = RequestFor(job);
    absl::StatusOr<manifest::ParsedManifest> manifest =
        request.ok() ? pipeline::ReadManifest(job.job.manifest_path)
                     : absl::StatusOr<manifest::ParsedManifest>(request.status());
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (!manifest.ok()) {
      unrunnable_.insert(job.job.job_id);
      Log(absl::StrCat("job ", job.job.job_id, " is RUNNING but cannot be resumed: ",
                       manifest.status().message(), " (cancel it, or submit its delivery again)"));
      continue;
    }
    EnqueueLocked(job, manifest->spec.priority, *std::move(request));
  }
  return absl::OkStatus();
}

void JobService::Sweep() {
  std::unique_lock<std::mutex> lock(queue_mutex_);
  for (;;) {
    queue_changed_.wait_for(lock, absl::ToChronoSeconds(options_.sweep_interval),
                            [this] { return draining_; });
    if (draining_) return;
    lock.unlock();
    if (absl::Status swept = QueueUnheldJobs(); !swept.ok()) {
      Log(absl::StrCat("looking for jobs to resume: ", swept.message()));
    }
    lock.lock();
  }
}

absl::StatusOr<Submission> JobService::Submit(
    std::string_view manifest_xml, std::string_view source,
    const std::function<void(const state::JobRecord& job)>& reserved) {
  if (Draining()) return absl::UnavailableError("atp is shutting down; submit again later");
  // Parsed first, so that what is refused is not kept.
  ATP_ASSIGN_OR_RETURN(const manifest::ParsedManifest parsed,
                       manifest::ParseManifest(manifest_xml));
  if (options_.input_root.empty()) {
    return absl::FailedPreconditionError(
        "this server takes no deliveries: start atp serve with --input-root DIR, the folder "
        "the manifests' FilePaths are in");
  }
  const fs::path kept = options_.manifest_dir / (storage::Sha256Hex(manifest_xml) + ".xml");
  pipeline::RunOutcome outcome;
  {
    // One submission at a time: the kept copy is shared by every submission of these bytes.
    std::lock_guard<std::mutex> lock(control_mutex_);
    std::error_code error;
    const bool kept_before = fs::exists(kept, error);
    if (!kept_before) ATP_RETURN_IF_ERROR(storage::WriteFileAtomically(kept, manifest_xml));
    pipeline::JobRunner runner(*control_, {}, clock_, pipeline::ThisProcess(), runner_options_);
    outcome = runner.Run({.manifest_file = kept,
                          .input_root = options_.input_root,
                          .out = options_.out,
                          .profile = options_.profile,
                          .reserve_only = true},
                         {});
    // Not reserved: a new copy is no job's manifest.
    if (outcome.job.job.job_id.empty() && !kept_before) fs::remove(kept, error);
  }
  if (outcome.job.job.job_id.empty()) return outcome.status;
  if (metrics_ != nullptr) metrics_->CountJobSubmitted(source, outcome.created);
  if (reserved) reserved(outcome.job);
  if (outcome.job.state == state::JobState::kRunning) {
    ATP_ASSIGN_OR_RETURN(pipeline::RunRequest request, RequestFor(outcome.job));
    std::lock_guard<std::mutex> lock(queue_mutex_);
    unrunnable_.erase(outcome.job.job.job_id);
    EnqueueLocked(outcome.job, parsed.spec.priority, std::move(request));
  }
  return Submission{.job = outcome.job, .created = outcome.created};
}

absl::StatusOr<state::JobRecord> JobService::Retry(std::string_view job_id) {
  state::JobRecord job;
  pipeline::RunRequest request;
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    ATP_ASSIGN_OR_RETURN(job, control_->Get(job_id));
    if (!state::IsTerminal(job.state) || job.state == state::JobState::kComplete) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", std::string(job_id), " is ", std::string(state::JobStateName(job.state)),
          "; only FAILED or CANCELLED jobs can be retried"));
    }
    // Whether it can run, before it is reopened.
    absl::StatusOr<pipeline::RunRequest> runnable = RequestFor(job);
    if (!runnable.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("job ", std::string(job_id), ": ", runnable.status().message()));
    }
    request = *std::move(runnable);
    ATP_RETURN_IF_ERROR(control_->Reopen(job_id, clock_.Now()));
    ATP_ASSIGN_OR_RETURN(job, control_->Get(job_id));
  }
  absl::StatusOr<manifest::ParsedManifest> manifest = pipeline::ReadManifest(job.job.manifest_path);
  std::lock_guard<std::mutex> lock(queue_mutex_);
  unrunnable_.erase(job.job.job_id);
  EnqueueLocked(job, manifest.ok() ? manifest->spec.priority : 0, std::move(request));
  return job;
}

absl::StatusOr<pipeline::RunRequest> JobService::RequestFor(const state::JobRecord& job) const {
  pipeline::RunRequest request{.manifest_file = job.job.manifest_path,
                               .input_root = job.job.input_root,
                               .out = pipeline::OutputPlaceOf(job.job.output_dir).root,
                               .profile = options_.profile,
                               .wait = false,
                               .threads = options_.threads};
  // The job's own profile: the one its key was made from.
  if (!job.job.profile.empty()) {
    absl::StatusOr<encode::EncodingProfile> profile =
        encode::ApplyProfileToml(job.job.profile, encode::EncodingProfile{});
    if (!profile.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "its stored profile cannot be read by this atp: ", profile.status().message()));
    }
    request.profile = *std::move(profile);
  }
  return request;
}

void JobService::EnqueueLocked(const state::JobRecord& job, int priority,
                               pipeline::RunRequest request) {
  const std::string& job_id = job.job.job_id;
  if (draining_ || queued_.contains(job_id)) return;
  QueuedJob queued{.priority = priority,
                   .order = next_order_++,
                   .job_id = job_id,
                   .run = job.run,
                   .request = std::move(request)};
  if (auto running = running_.find(job_id); running != running_.end()) {
    // The worker sees this run through (a duplicate submission); a later one runs after it.
    if (job.run > running->second.run) running->second.again = std::move(queued);
    return;
  }
  if (RunEnded(job)) return;
  queued_.insert(job_id);
  queue_.push(std::move(queued));
  if (metrics_ != nullptr) metrics_->SetQueueDepth(static_cast<int64_t>(queue_.size()));
  queue_changed_.notify_all();
}

bool JobService::RunEnded(const state::JobRecord& job) {
  std::lock_guard<std::mutex> lock(control_mutex_);
  absl::StatusOr<state::JobRecord> now = control_->Get(job.job.job_id);
  // A store that cannot answer leaves it to the worker's run, which reports what fails.
  return now.ok() && (now->state != state::JobState::kRunning || now->run != job.run);
}

void JobService::Work(WorkerResources resources) {
  std::vector<notify::Notifier*> notifiers;
  for (std::unique_ptr<notify::Notifier>& notifier : resources.notifiers) {
    if (metrics_ != nullptr) {
      const std::string kind = notifier->destination() == "log" ? "log" : "webhook";
      notifier = std::make_unique<CountingNotifier>(std::move(notifier), kind, metrics_);
    }
    notifiers.push_back(notifier.get());
  }
  pipeline::JobRunner runner(*resources.store, notifiers, worker_clock_, pipeline::ThisProcess(),
                             runner_options_);
  for (;;) {
    QueuedJob next;
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      queue_changed_.wait(lock, [this] { return draining_ || !queue_.empty(); });
      if (draining_) return;
      next = queue_.top();
      queue_.pop();
      queued_.erase(next.job_id);
      running_[next.job_id] = Running{.run = next.run};
      if (metrics_ != nullptr) {
        metrics_->SetQueueDepth(static_cast<int64_t>(queue_.size()));
        metrics_->SetRunningWorkers(static_cast<int64_t>(running_.size()));
      }
    }
    const pipeline::RunOutcome outcome = runner.Run(next.request, JobHooks());
    CountOutcome(outcome);
    if (outcome.job.job.job_id.empty()) {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      unrunnable_.insert(next.job_id);
      Log(absl::StrCat("job ", next.job_id, " is RUNNING but cannot be resumed: ",
                       outcome.status.message(), " (cancel it, or submit its delivery again)"));
    } else if (!state::IsTerminal(outcome.job.state) && outcome.stopped_by_signal == 0 &&
               !outcome.status.ok()) {
      Log(absl::StrCat("job ", next.job_id, " was left RUNNING: ", outcome.status.message(),
                       " (it is resumed by a later sweep)"));
    }
    // Told before the job is free again, so that a retry meanwhile runs after it.
    if (job_done_) job_done_(outcome);
    std::lock_guard<std::mutex> lock(queue_mutex_);
    std::optional<QueuedJob> again = std::move(running_[next.job_id].again);
    running_.erase(next.job_id);
    if (metrics_ != nullptr) metrics_->SetRunningWorkers(static_cast<int64_t>(running_.size()));
    if (again && !draining_) {
      queued_.insert(again->job_id);
      queue_.push(*std::move(again));
      queue_changed_.notify_all();
    }
  }
}

pipeline::RunHooks JobService::JobHooks() const {
  pipeline::RunHooks hooks = options_.hooks;
  if (metrics_ == nullptr) return hooks;
  ServiceMetrics* metrics = metrics_;
  hooks.step_ended = Both(
      hooks.step_ended, [metrics](pipeline::Step step, int /*attempt*/, const absl::Status& outcome,
                                  absl::Duration took, bool retrying) {
        const std::string code = absl::StatusCodeToString(outcome.code());
        metrics->ObserveStep(pipeline::StepName(step), code, absl::ToDoubleSeconds(took));
        if (retrying) metrics->CountRetry(pipeline::StepName(step), code);
      });
  hooks.lease_taken_over = Both(
      hooks.lease_taken_over, [metrics](const state::JobRecord&) { metrics->CountLeaseExpiry(); });
  // Progress reports are cumulative per attempt: the metrics count what is new.
  auto read = std::make_shared<int64_t>(0);
  hooks.verify_progress = Both(hooks.verify_progress, [metrics, read](int64_t done, int64_t) {
    if (done > *read) metrics->AddBytesRead(done - *read);
    *read = done;
  });
  struct RateSample {
    int64_t frames = -1;
    absl::Time time;
  };
  auto sample = std::make_shared<RateSample>();
  Clock* clock = &clock_;
  hooks.transcode_progress =
      Both(hooks.transcode_progress,
           [metrics, sample, clock](const encode::TranscodeProgress& progress, const SourceInfo&) {
             const absl::Time now = clock->Now();
             if (sample->frames < 0 || progress.frames_done < sample->frames) {
               *sample = {.frames = progress.frames_done, .time = now};
               return;
             }
             const absl::Duration elapsed = now - sample->time;
             if (elapsed < kRateSampleInterval) return;
             metrics->SetEncodeFramesPerSecond(
                 static_cast<double>(progress.frames_done - sample->frames) /
                 absl::ToDoubleSeconds(elapsed));
             *sample = {.frames = progress.frames_done, .time = now};
           });
  return hooks;
}

void JobService::CountOutcome(const pipeline::RunOutcome& outcome) const {
  if (metrics_ == nullptr || !outcome.worked) return;
  if (outcome.job.state == state::JobState::kComplete && !outcome.published_before) {
    metrics_->AddBytesWritten(BytesUnder(outcome.job.job.output_dir));
  }
}

void JobService::RequestStop(int signal) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    draining_ = true;
    int none = 0;
    stop_signal_.compare_exchange_strong(none, signal);
  }
  queue_changed_.notify_all();
}

void JobService::Drain(int signal) {
  RequestStop(signal);
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  if (sweeper_.joinable()) sweeper_.join();
}

bool JobService::Draining() const {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  return draining_;
}

int64_t JobService::QueueDepth() const {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  return static_cast<int64_t>(queue_.size());
}

int64_t JobService::BusyWorkers() const {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  return static_cast<int64_t>(running_.size());
}

}  // namespace atp::server
