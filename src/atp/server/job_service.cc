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

// How far back Start looks for RUNNING jobs to resume.
constexpr int kResumedJobs = 10000;

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

JobService::~JobService() { Drain(SIGTERM); }

void JobService::SetJobDoneCallback(std::function<void(const pipeline::RunOutcome&)> callback) {
  job_done_ = std::move(callback);
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
  // Resume: the RUNNING jobs nobody holds a lease on now. (A holder that died keeps its lease
  // until it expires or a worker of its host sees it dead; the runner takes it over then.)
  ATP_ASSIGN_OR_RETURN(std::vector<state::JobRecord> jobs, control_->List(kResumedJobs));
  const absl::Time now = clock_.Now();
  const std::string host = pipeline::ThisProcess().host;
  for (const state::JobRecord& job : jobs) {
    if (job.state != state::JobState::kRunning) continue;
    const bool held = !job.lease.owner.empty() && job.lease_expires > now &&
                      (job.lease.host != host || pipeline::ProcessAlive(job.lease.pid));
    if (held) continue;
    absl::StatusOr<manifest::ParsedManifest> manifest =
        pipeline::ReadManifest(job.job.manifest_path);
    ATP_RETURN_IF_ERROR(Enqueue(job, manifest.ok() ? manifest->spec.priority : 0));
  }
  for (WorkerResources& worker : resources) {
    workers_.emplace_back(
        [this, worker = std::move(worker)]() mutable { Work(std::move(worker)); });
  }
  return absl::OkStatus();
}

absl::StatusOr<Submission> JobService::Submit(
    std::string_view manifest_xml, std::string_view source,
    const std::function<void(const state::JobRecord& job)>& reserved) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (draining_) return absl::UnavailableError("atp is shutting down; submit again later");
  }
  // Parsed first, so that what is refused is not kept.
  ATP_ASSIGN_OR_RETURN(const manifest::ParsedManifest parsed,
                       manifest::ParseManifest(manifest_xml));
  if (options_.input_root.empty()) {
    return absl::FailedPreconditionError(
        "this server takes no deliveries: start atp serve with --input-root DIR, the folder "
        "the manifests' FilePaths are in");
  }
  const fs::path kept = options_.manifest_dir / (storage::Sha256Hex(manifest_xml) + ".xml");
  std::error_code error;
  const bool kept_before = fs::exists(kept, error);
  ATP_RETURN_IF_ERROR(storage::WriteFileAtomically(kept, manifest_xml));
  pipeline::RunOutcome outcome;
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    pipeline::JobRunner runner(*control_, {}, clock_, pipeline::ThisProcess(), runner_options_);
    outcome = runner.Run({.manifest_file = kept,
                          .input_root = options_.input_root,
                          .out = options_.out,
                          .profile = options_.profile,
                          .reserve_only = true},
                         {});
  }
  if (outcome.job.job.job_id.empty()) {
    // Not reserved: a new copy is no job's manifest.
    if (!kept_before) fs::remove(kept, error);
    if (outcome.failed_step == pipeline::Step::kIngest) {
      return absl::InvalidArgumentError(outcome.status.message());
    }
    return outcome.status;
  }
  if (metrics_ != nullptr) metrics_->CountJobSubmitted(source, outcome.created);
  if (reserved) reserved(outcome.job);
  if (outcome.job.state == state::JobState::kRunning) {
    ATP_RETURN_IF_ERROR(Enqueue(outcome.job, parsed.spec.priority));
  }
  return Submission{.job = outcome.job, .created = outcome.created};
}

absl::StatusOr<state::JobRecord> JobService::Retry(std::string_view job_id) {
  state::JobRecord job;
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    ATP_ASSIGN_OR_RETURN(job, control_->Get(job_id));
    if (!state::IsTerminal(job.state) || job.state == state::JobState::kComplete) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", std::string(job_id), " is ", std::string(state::JobStateName(job.state)),
          "; only FAILED or CANCELLED jobs can be retried"));
    }
    ATP_RETURN_IF_ERROR(control_->Reopen(job_id, clock_.Now()));
    ATP_ASSIGN_OR_RETURN(job, control_->Get(job_id));
  }
  absl::StatusOr<manifest::ParsedManifest> manifest = pipeline::ReadManifest(job.job.manifest_path);
  ATP_RETURN_IF_ERROR(Enqueue(job, manifest.ok() ? manifest->spec.priority : 0));
  return job;
}

absl::Status JobService::Enqueue(const state::JobRecord& job, int priority) {
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
      return absl::FailedPreconditionError(
          absl::StrCat("job ", job.job.job_id,
                       ": its stored profile cannot be read: ", profile.status().message()));
    }
    request.profile = *std::move(profile);
  }
  std::lock_guard<std::mutex> lock(queue_mutex_);
  if (!queued_or_running_.insert(job.job.job_id).second) return absl::OkStatus();
  queue_.push({.priority = priority,
               .order = next_order_++,
               .job_id = job.job.job_id,
               .request = std::move(request)});
  if (metrics_ != nullptr) metrics_->SetQueueDepth(static_cast<int64_t>(queue_.size()));
  queue_changed_.notify_one();
  return absl::OkStatus();
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
  pipeline::JobRunner runner(*resources.store, notifiers, clock_, pipeline::ThisProcess(),
                             runner_options_);
  for (;;) {
    QueuedJob next;
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      queue_changed_.wait(lock, [this] { return draining_ || !queue_.empty(); });
      if (draining_) return;
      next = queue_.top();
      queue_.pop();
      ++busy_;
      if (metrics_ != nullptr) {
        metrics_->SetQueueDepth(static_cast<int64_t>(queue_.size()));
        metrics_->SetRunningWorkers(busy_);
      }
    }
    const pipeline::RunOutcome outcome = runner.Run(next.request, JobHooks());
    CountOutcome(outcome);
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      queued_or_running_.erase(next.job_id);
      --busy_;
      if (metrics_ != nullptr) metrics_->SetRunningWorkers(busy_);
    }
    if (job_done_) job_done_(outcome);
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

void JobService::Drain(int signal) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    draining_ = true;
    int none = 0;
    stop_signal_.compare_exchange_strong(none, signal);
  }
  queue_changed_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

int64_t JobService::QueueDepth() const {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  return static_cast<int64_t>(queue_.size());
}

int64_t JobService::BusyWorkers() const {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  return busy_;
}

}  // namespace atp::server
