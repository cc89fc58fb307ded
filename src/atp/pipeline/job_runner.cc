#include "atp/pipeline/job_runner.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/error_policy.h"
#include "atp/core/status_macros.h"
#include "atp/manifest/manifest_parser.h"
#include "atp/pipeline/delivery_paths.h"
#include "atp/pipeline/job_key.h"
#include "atp/pipeline/job_report.h"
#include "atp/pipeline/media_job_steps.h"
#include "atp/pipeline/output_layout.h"
#include "atp/pipeline/read_manifest.h"
#include "atp/storage/local_blob_store.h"

namespace atp::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr char kFailureArtifact[] = "failure";  // {step, code, message}: terminal error.

// The journaled outcome of an attempt a stop signal ended: not a failure of the step, so it
// does not use up the step's attempts.
constexpr char kInterruptedOutcome[] = "INTERRUPTED";

// How often a long step looks at the job (cancel requests) between lease renewals.
constexpr absl::Duration kCancelPollInterval = absl::Seconds(2);

absl::StatusCode StatusCodeFromName(const std::string& name) {
  for (int code = 0; code <= 16; ++code) {
    if (absl::StatusCodeToString(static_cast<absl::StatusCode>(code)) == name) {
      return static_cast<absl::StatusCode>(code);
    }
  }
  return absl::StatusCode::kUnknown;
}

std::string SignalName(int signal) {
  if (signal == SIGTERM) return "SIGTERM";
  if (signal == SIGINT) return "SIGINT";
  return absl::StrCat("signal ", signal, " (", strsignal(signal), ")");
}

// `json` as text; bytes that are not UTF-8 (in an error message from a file or a library)
// are replaced rather than thrown on.
std::string DumpJson(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The outcome of a job that is already terminal (or that another process works on).
RunOutcome OutcomeOf(const state::JobRecord& job, bool created, bool worked) {
  RunOutcome outcome{.job = job, .created = created, .worked = worked};
  if (job.state == state::JobState::kFailed || job.state == state::JobState::kCancelled) {
    outcome.status = absl::Status(StatusCodeFromName(job.error_code), job.error_message);
    if (outcome.status.ok()) outcome.status = absl::UnknownError(job.error_message);
    outcome.failed_step = ParseStep(job.error_step);
  }
  return outcome;
}

// Where `job`'s output goes, its staging named as `options` ask.
OutputPlace PlaceOf(const state::JobRecord& job, const RunnerOptions& options) {
  OutputPlace place = OutputPlaceOf(job.job.output_dir);
  place.staging += options.staging_suffix;
  return place;
}

// Removes the staged output of `place` from `output` when there is some and no other process
// holds its lock.
void RemoveStagingUnlessHeld(storage::BlobStore& output, const OutputPlace& place) {
  absl::StatusOr<bool> staged = output.Exists(place.staging);
  if (!staged.ok() || !*staged) return;
  absl::StatusOr<std::unique_ptr<storage::PrefixLock>> lock = output.TryLock(place.staging);
  if (lock.ok()) (void)output.DeletePrefix(place.staging);
}

// One process working one job while it holds the job's lease: the orchestration, and the
// StepContext of the steps it runs.
class JobWork : public StepContext {
 public:
  JobWork(state::JobStore& store, const std::vector<notify::Notifier*>& notifiers, Clock& clock,
          const state::LeaseHolder& self, const RunnerOptions& options, const RunRequest& request,
          const RunHooks& hooks, manifest::ParsedManifest manifest, DeliveryPaths paths,
          state::JobRecord job, std::unique_ptr<JobSteps> steps)
      : store_(store),
        notifiers_(notifiers),
        clock_(clock),
        self_(self),
        options_(options),
        request_(request),
        hooks_(hooks),
        manifest_(std::move(manifest)),
        paths_(std::move(paths)),
        job_(std::move(job)),
        id_(job_.job.job_id),
        steps_(std::move(steps)) {}

  // The steps go first: work they left running (MediaJobSteps' early unit) is stopped and
  // waited for while the store, the output and the locks it uses are still there.
  ~JobWork() override { steps_.reset(); }

  // Journals ingest and reserve (done before the lease was taken), then runs every step this
  // run has not finished.
  RunOutcome Run(absl::Time ingest_started, absl::Time reserved_at) {
    absl::Status status = LoadJournal();
    if (status.ok()) status = JournalPriorStep(Step::kIngest, ingest_started, reserved_at);
    if (status.ok()) status = JournalPriorStep(Step::kReserve, reserved_at, clock_.Now());
    if (!status.ok()) return Abandon(status);

    absl::StatusOr<std::string> failure = store_.GetArtifact(id_, kFailureArtifact);
    if (failure.ok()) return FinishFailed(*failure);
    if (!absl::IsNotFound(failure.status())) return Abandon(failure.status());

    // A package with this job's id (the same delivery, the same profile) published by a
    // process that kept another job database, or by this job in a run killed before it
    // journaled the publish: nothing to do but to say so.
    const bool published_before =
        !options_.stop_after_plan && !finished_.contains(Step::kPublish) && PublishedAlready();
    if (published_before) {
      RemoveStagingUnlessHeld(*output_, place_);
      status = JournalPriorStep(Step::kPublish, clock_.Now(), clock_.Now());
      if (!status.ok()) return Abandon(status);
    }
    for (const Step step : kWorkSteps) {
      if (published_before) break;
      if (finished_.contains(step)) {
        if (EndsAfter(step)) return EndAfterLastStep();
        continue;
      }
      status = RunStep(step, [this, step] { return steps_->Run(step, *this); });
      if (status.ok() && EndsAfter(step)) return EndAfterLastStep();
      // The lock moved with the published folder: this process holds no staging any more.
      if (status.ok() && step == Step::kPublish) staging_lock_.reset();
      if (status.ok()) continue;
      if (lease_lost_ || stopped_by_signal_ != 0 || store_failed_) return Abandon(status);
      const bool bug = ActionFor(status.code()) == ErrorAction::kFailAsBug;
      const nlohmann::json failure_json = {
          {"step", StepName(step)},
          {"code", absl::StatusCodeToString(status.code())},
          {"message", absl::StrCat(std::string(status.message()),
                                   bug ? " (an error atp does not expect: a bug in atp; please "
                                         "report it with the output of atp events)"
                                       : "")},
          {"bug", bug}};
      if (absl::Status saved =
              store_.PutArtifact(id_, self_.owner, kFailureArtifact, DumpJson(failure_json));
          !saved.ok()) {
        return Abandon(saved);
      }
      return FinishFailed(DumpJson(failure_json));
    }
    if (!finished_.contains(Step::kNotify)) {
      status = RunStep(Step::kNotify,
                       [this] { return Notify(state::JobState::kComplete, "", absl::OkStatus()); });
    }
    if (status.ok()) {
      status = store_.Finish(id_, self_.owner, state::JobState::kComplete, "", absl::OkStatus(),
                             clock_.Now());
    }
    if (!status.ok()) return Abandon(status);
    RunOutcome outcome = Reload();
    outcome.published_before = published_before;
    return outcome;
  }

  // StepContext.
  const state::JobRecord& job() const override { return job_; }
  const manifest::ParsedManifest& manifest() const override { return manifest_; }
  const DeliveryPaths& paths() const override { return paths_; }
  const encode::EncodingProfile& profile() const override { return request_.profile; }
  int threads() const override { return request_.threads; }
  const RunHooks& hooks() const override { return hooks_; }
  storage::BlobStore& output() override { return *output_; }
  const std::string& staging() const override { return place_.staging; }
  const std::string& published() const override { return place_.published; }

  // Holds the staging folder's lock for as long as this process works the job, waiting (with
  // the lease renewed) while another process holds it.
  absl::Status LockStaging() override {
    const absl::Time give_up = clock_.Now() + options_.staging_lock_wait;
    for (;;) {
      absl::Status locked = TryLockStaging();
      if (!absl::IsUnavailable(locked) || clock_.Now() >= give_up) return locked;
      ATP_RETURN_IF_ERROR(CheckIn());
      clock_.SleepFor(options_.poll_interval);
    }
  }

  // What steps call while units run on threads of their own is serialized (unit_mutex_);
  // the units' work runs unlocked.
  absl::StatusOr<std::string> GetArtifact(std::string_view name) override {
    std::lock_guard<std::mutex> lock(unit_mutex_);
    return store_.GetArtifact(id_, name);
  }
  absl::Status PutArtifact(std::string_view name, std::string_view value) override {
    std::lock_guard<std::mutex> lock(unit_mutex_);
    return store_.PutArtifact(id_, self_.owner, name, value);
  }
  absl::StatusOr<std::vector<state::StepEvent>> Events() override {
    std::lock_guard<std::mutex> lock(unit_mutex_);
    return store_.Events(id_);
  }
  absl::Status Checkpoint() override {
    std::lock_guard<std::mutex> lock(unit_mutex_);
    return CheckIn();
  }

  absl::StatusOr<std::string> RunUnit(
      std::string_view unit, const std::function<absl::StatusOr<std::string>()>& work) override {
    const std::string name = UnitArtifactName(current_step_, unit);
    int attempt = 0;
    absl::Status ready;
    {
      std::lock_guard<std::mutex> lock(unit_mutex_);
      attempt = attempts_[current_step_];
      ATP_RETURN_IF_ERROR(CheckIn(/*force=*/true));
      ATP_RETURN_IF_ERROR(Journaled(JournalStart(name, attempt, clock_.Now())));
      if (hooks_.unit_started) hooks_.unit_started(std::string(unit));
      // A stop or cancel request that came while the unit was starting ends it at once.
      ready = CheckIn();
    }
    absl::StatusOr<std::string> result = ready.ok() ? work() : absl::StatusOr<std::string>(ready);
    std::lock_guard<std::mutex> lock(unit_mutex_);
    if (lease_lost_) return result.status();
    ATP_RETURN_IF_ERROR(Journaled(JournalEnd(name, attempt, result.status(), clock_.Now())));
    ATP_RETURN_IF_ERROR(result.status());
    ATP_RETURN_IF_ERROR(store_.PutArtifact(id_, self_.owner, name, *result));
    return result;
  }

 private:
  // Steps this run finished, from the journal, the attempts made per step, and how many of
  // them failed (the retry budget: attempts a kill or a stop signal ended are not failures).
  absl::Status LoadJournal() {
    ATP_ASSIGN_OR_RETURN(std::vector<state::StepEvent> events, store_.Events(id_));
    for (const state::StepEvent& event : events) {
      if (event.run != job_.run) continue;
      const std::optional<Step> step = ParseStep(event.step);
      if (!step) continue;
      if (event.kind == "start") attempts_[*step] = std::max(attempts_[*step], event.attempt);
      if (event.kind != "end") continue;
      if (event.outcome == "OK") {
        finished_.insert(*step);
      } else if (event.outcome != kInterruptedOutcome) {
        ++failures_[*step];
      }
    }
    return absl::OkStatus();
  }

  absl::Status JournalStart(std::string_view step, int attempt, absl::Time time) {
    return store_.AppendEvent(
        id_, self_.owner,
        {.step = std::string(step), .kind = "start", .attempt = attempt, .time = time});
  }

  absl::Status JournalEnd(std::string_view step, int attempt, const absl::Status& outcome,
                          absl::Time time) {
    return store_.AppendEvent(id_, self_.owner,
                              {.step = std::string(step),
                               .kind = "end",
                               .attempt = attempt,
                               .outcome = stopped_by_signal_ != 0 && !outcome.ok()
                                              ? kInterruptedOutcome
                                              : absl::StatusCodeToString(outcome.code()),
                               .message = std::string(outcome.message()),
                               .time = time});
  }

  absl::Status JournalPriorStep(Step step, absl::Time started, absl::Time ended) {
    if (finished_.contains(step)) return absl::OkStatus();
    const int attempt = ++attempts_[step];
    ATP_RETURN_IF_ERROR(JournalStart(StepName(step), attempt, started));
    ATP_RETURN_IF_ERROR(JournalEnd(StepName(step), attempt, absl::OkStatus(), ended));
    finished_.insert(step);
    return absl::OkStatus();
  }

  // Runs `body` as `step`: journaled, retried as its error code says, bounded by the step's
  // timeout (checked by CheckIn), stopped by a cancel request.
  absl::Status RunStep(Step step, const std::function<absl::Status()>& body) {
    BackoffPolicy policy = options_.retry;
    for (;;) {
      const int attempt = ++attempts_[step];
      current_step_ = step;
      ATP_RETURN_IF_ERROR(Journaled(CheckIn(/*force=*/true)));
      ATP_RETURN_IF_ERROR(Journaled(JournalStart(StepName(step), attempt, clock_.Now())));
      if (hooks_.step_started) hooks_.step_started(step, attempt);
      auto timeout = options_.timeouts.find(step);
      deadline_ = timeout == options_.timeouts.end() ? absl::InfiniteFuture()
                                                     : clock_.Now() + timeout->second;
      // A stop or cancel request that came while the step was starting ends it before it does
      // anything.
      const absl::Time started = clock_.Now();
      absl::Status status = CheckIn();
      if (status.ok()) status = body();
      deadline_ = absl::InfiniteFuture();
      if (lease_lost_) return status;
      const absl::Time ended = clock_.Now();
      ATP_RETURN_IF_ERROR(Journaled(JournalEnd(StepName(step), attempt, status, ended)));
      const auto report_end = [&](bool retrying) {
        if (hooks_.step_ended) hooks_.step_ended(step, attempt, status, ended - started, retrying);
      };
      if (status.ok() || stopped_by_signal_ != 0) {
        report_end(false);
        return status;
      }
      const ErrorAction action = ActionFor(status.code());
      if (action == ErrorAction::kRetryLater) policy = options_.retry_later;
      // Failures are counted per run, across process restarts.
      const int failures = ++failures_[step];
      const bool retrying = IsRetriable(action) && failures < policy.max_attempts;
      report_end(retrying);
      if (!retrying) return status;
      if (action != ErrorAction::kRestartStep) {
        clock_.SleepFor(BackoffDelay(policy, failures + 1, UnitRandom()));
      }
    }
  }

  // `status` of a call that journals or renews: a failure there is the job store's, not the
  // step's (the step may even have succeeded): the process stops working the job and leaves
  // it RUNNING for the next run, rather than fail a job it cannot record.
  absl::Status Journaled(absl::Status status) {
    if (!status.ok() && !lease_lost_ && stopped_by_signal_ == 0 &&
        status.code() != absl::StatusCode::kCancelled &&
        status.code() != absl::StatusCode::kDeadlineExceeded) {
      store_failed_ = true;
    }
    return status;
  }

  // Renews the lease when a third of it has passed, looks for a cancel request now and then,
  // and enforces the step's deadline. Long steps call it from their progress callbacks.
  absl::Status CheckIn(bool force = false) {
    if (const int signal = options_.stop_signal ? options_.stop_signal() : 0; signal != 0) {
      stopped_by_signal_ = signal;
      return absl::AbortedError(
          absl::StrCat("interrupted by ", SignalName(signal), "; the next run resumes here"));
    }
    const absl::Time now = clock_.Now();
    if (force || now - last_renewal_ >= options_.lease_ttl / 3) {
      if (absl::Status renewed = store_.RenewLease(id_, self_.owner, now, options_.lease_ttl);
          !renewed.ok()) {
        lease_lost_ = renewed.code() == absl::StatusCode::kAborted;
        return renewed;
      }
      last_renewal_ = now;
    }
    if (force || now - last_cancel_poll_ >= kCancelPollInterval) {
      last_cancel_poll_ = now;
      ATP_ASSIGN_OR_RETURN(state::JobRecord job, store_.Get(id_));
      // A cancelled job is still notified: the notify step is not stopped.
      if (job.cancel_requested && current_step_ != Step::kNotify) {
        return absl::CancelledError("cancelled on request");
      }
    }
    if (now > deadline_) {
      return absl::DeadlineExceededError(
          absl::StrCat(std::string(StepName(current_step_)), " took longer than ",
                       absl::FormatDuration(options_.timeouts.at(current_step_))));
    }
    return absl::OkStatus();
  }

  // Tells every notifier; records every attempt. Each attempt is claimed first (the lease
  // renewed: a process that lost the job sends nothing more); a claim that fails (the job
  // store unavailable, a stop signal) fails the step, which is retried, and a destination
  // that already has the event is not sent it again. A delivery failure itself does not fail
  // the step or change the job's outcome (the attempts record what went wrong).
  absl::Status Notify(state::JobState state, const std::string& error_step,
                      const absl::Status& error) {
    const notify::Notification notification =
        NotificationFor(job_, state, error_step, error, request_.profile.enable_dash);
    std::vector<notify::Notifier*> notifiers = notifiers_;
    std::unique_ptr<notify::Notifier> callback;
    if (!manifest_.spec.callback_url.empty() && options_.callback_notifier) {
      callback = options_.callback_notifier(manifest_.spec.callback_url);
      notifiers.push_back(callback.get());
    }
    ATP_ASSIGN_OR_RETURN(const std::vector<state::DeliveryAttempt> earlier, store_.Deliveries(id_));
    std::set<std::string> delivered;
    for (const state::DeliveryAttempt& attempt : earlier) {
      if (attempt.event_id == notification.event_id && attempt.delivered) {
        delivered.insert(attempt.destination);
      }
    }
    absl::Status claim;
    const notify::DeliveryHooks hooks{.before_attempt =
                                          [&](int) {
                                            claim = CheckIn(/*force=*/true);
                                            return claim;
                                          },
                                      .record =
                                          [&](const notify::Attempt& a) {
                                            (void)store_.RecordDelivery(
                                                id_, {.event_id = notification.event_id,
                                                      .destination = a.destination,
                                                      .attempt = a.attempt,
                                                      .http_status = a.http_status,
                                                      .delivered = a.delivered,
                                                      .error = a.error,
                                                      .time = a.time});
                                          }};
    for (notify::Notifier* notifier : notifiers) {
      if (delivered.contains(notifier->destination())) continue;
      (void)notifier->Notify(notification, hooks);  // Recorded attempt by attempt.
      if (!claim.ok()) return claim;
    }
    return absl::OkStatus();
  }

  // Notifies the terminal failure recorded in `failure_json` and ends the job.
  RunOutcome FinishFailed(const std::string& failure_json) {
    const nlohmann::json failure = nlohmann::json::parse(failure_json, nullptr, false);
    const std::string step = failure.value("step", "");
    const absl::Status error(StatusCodeFromName(failure.value("code", "")),
                             failure.value("message", ""));
    const state::JobState state = error.code() == absl::StatusCode::kCancelled
                                      ? state::JobState::kCancelled
                                      : state::JobState::kFailed;
    // No step runs any more: work one left running (an early transcode unit) stops before
    // the staging folder it writes to goes.
    steps_.reset();
    RemoveStagingOfEndedJob();
    absl::Status status = absl::OkStatus();
    if (!finished_.contains(Step::kNotify)) {
      status = RunStep(Step::kNotify, [&] { return Notify(state, step, error); });
    }
    if (status.ok()) status = store_.Finish(id_, self_.owner, state, step, error, clock_.Now());
    if (!status.ok()) return Abandon(status);
    return Reload();
  }

  absl::Status TryLockStaging() {
    if (staging_lock_ != nullptr) return absl::OkStatus();
    ATP_RETURN_IF_ERROR(OpenOutput());
    ATP_ASSIGN_OR_RETURN(staging_lock_, output_->TryLock(place_.staging));
    return absl::OkStatus();
  }

  // Opens the output store, once: when a step first needs it, so that a store that cannot be
  // opened (a read-only disk) fails that step, as the error's code says.
  absl::Status OpenOutput() {
    if (output_ != nullptr) return absl::OkStatus();
    ATP_ASSIGN_OR_RETURN(output_, options_.open_output(place_.root));
    return absl::OkStatus();
  }

  // Whether the job's package is published already (the output store answers).
  bool PublishedAlready() {
    if (!OpenOutput().ok()) return false;
    absl::StatusOr<bool> exists = output_->Exists(place_.published);
    return exists.ok() && *exists;
  }

  // A FAILED or CANCELLED job's partial output goes (a full disk is freed), unless asked to
  // keep it or another process holds it.
  void RemoveStagingOfEndedJob() {
    // A run that stops before publishing (atp check) stages nothing of its own.
    if (request_.keep_staging || options_.stop_after_plan) return;
    // Once published, the staging folder (and its lock) moved with the package.
    if (finished_.contains(Step::kPublish)) return;
    if (!OpenOutput().ok()) return;
    if (staging_lock_ != nullptr) {
      (void)output_->DeletePrefix(place_.staging);  // Under the lock this process holds.
    } else {
      RemoveStagingUnlessHeld(*output_, place_);
    }
  }

  // Whether the run ends after `step` (RunnerOptions::stop_after_plan) rather than go on to
  // publish and notify.
  bool EndsAfter(Step step) const { return options_.stop_after_plan && step == Step::kPlan; }

  // A run that stops before publishing leaves the job RUNNING, without a lease.
  RunOutcome EndAfterLastStep() {
    (void)store_.ReleaseLease(id_, self_.owner);
    return {.job = job_, .worked = true};
  }

  RunOutcome Reload() {
    absl::StatusOr<state::JobRecord> job = store_.Get(id_);
    if (!job.ok()) return Abandon(job.status());
    return OutcomeOf(*job, /*created=*/false, /*worked=*/true);
  }

  // This process cannot go on (lost lease, store unavailable); the job stays RUNNING for the
  // next process to resume.
  RunOutcome Abandon(const absl::Status& status) {
    if (!lease_lost_) (void)store_.ReleaseLease(id_, self_.owner);
    return {.job = job_, .worked = true, .status = status, .stopped_by_signal = stopped_by_signal_};
  }

  state::JobStore& store_;
  const std::vector<notify::Notifier*>& notifiers_;
  Clock& clock_;
  const state::LeaseHolder& self_;
  const RunnerOptions& options_;
  const RunRequest& request_;
  const RunHooks& hooks_;
  const manifest::ParsedManifest manifest_;
  const DeliveryPaths paths_;
  const state::JobRecord job_;
  const std::string id_;

  std::set<Step> finished_;
  std::map<Step, int> attempts_;
  std::map<Step, int> failures_;
  std::unique_ptr<JobSteps> steps_;
  absl::Time last_renewal_ = absl::InfinitePast();
  absl::Time last_cancel_poll_ = absl::InfinitePast();
  absl::Time deadline_ = absl::InfiniteFuture();
  const OutputPlace place_ = PlaceOf(job_, options_);
  std::unique_ptr<storage::BlobStore> output_;         // Once a step needs it.
  std::unique_ptr<storage::PrefixLock> staging_lock_;  // Once a step needs the staging.
  Step current_step_ = Step::kIngest;
  std::mutex unit_mutex_;  // See GetArtifact.
  bool lease_lost_ = false;
  bool store_failed_ = false;
  int stopped_by_signal_ = 0;
};

}  // namespace

JobRunner::JobRunner(state::JobStore& store, std::vector<notify::Notifier*> notifiers, Clock& clock,
                     state::LeaseHolder self, RunnerOptions options)
    : store_(store),
      notifiers_(std::move(notifiers)),
      clock_(clock),
      self_(std::move(self)),
      options_(std::move(options)) {
  if (!options_.process_alive) options_.process_alive = &ProcessAlive;
  if (!options_.make_steps) {
    // A run that ends after the plan step transcodes nothing, not even beside the checksums.
    options_.make_steps = [ends_after_plan = options_.stop_after_plan] {
      return MakeMediaJobSteps({.start_transcode_beside_checksums = !ends_after_plan});
    };
  }
  if (!options_.open_output) {
    options_.open_output = [](const std::filesystem::path& root) {
      return storage::OpenLocalBlobStore(root);
    };
  }
}

RunOutcome JobRunner::Run(const RunRequest& request, const RunHooks& hooks) {
  const absl::Time ingest_started = clock_.Now();
  absl::StatusOr<manifest::ParsedManifest> manifest = ReadManifest(request.manifest_file);
  if (!manifest.ok()) return {.status = manifest.status(), .failed_step = Step::kIngest};
  const fs::path input_root = request.input_root.empty()
                                  ? fs::absolute(request.manifest_file).parent_path()
                                  : fs::absolute(request.input_root);
  absl::StatusOr<DeliveryPaths> paths = ResolveDeliveryPaths(manifest->spec, input_root);
  RunOutcome outcome = paths.ok()
                           ? RunJob(request, hooks, *manifest, *paths, input_root, ingest_started)
                           : RunOutcome{.status = paths.status(), .failed_step = Step::kIngest};
  outcome.manifest = *std::move(manifest);
  return outcome;
}

RunOutcome JobRunner::RunJob(const RunRequest& request, const RunHooks& hooks,
                             const manifest::ParsedManifest& manifest, const DeliveryPaths& paths,
                             const fs::path& input_root, absl::Time ingest_started) {
  const std::string key = ComputeJobKey(manifest.spec, request.profile);
  const std::string id = JobIdFromKey(key);
  const state::NewJob new_job{
      .job_id = id,
      .job_key = key,
      .manifest_id = manifest.spec.manifest_id,
      .manifest_path = fs::absolute(request.manifest_file).lexically_normal().string(),
      .input_root = input_root.lexically_normal().string(),
      .output_dir =
          fs::absolute(JobOutputDir(request.out, manifest.spec, id)).lexically_normal().string(),
      .profile = encode::ProfileToml(request.profile)};
  // A new job is stored with the journal of the steps that made it, all or nothing.
  const absl::Time reserved_at = clock_.Now();
  const std::vector<state::StepEvent> first_events = {
      {.step = std::string(StepName(Step::kIngest)), .kind = "start", .time = ingest_started},
      {.step = std::string(StepName(Step::kIngest)),
       .kind = "end",
       .outcome = "OK",
       .time = reserved_at},
      {.step = std::string(StepName(Step::kReserve)), .kind = "start", .time = reserved_at},
      {.step = std::string(StepName(Step::kReserve)),
       .kind = "end",
       .outcome = "OK",
       .time = reserved_at}};
  absl::StatusOr<std::pair<state::JobRecord, bool>> reserved =
      store_.Reserve(new_job, reserved_at, first_events);
  if (!reserved.ok()) return {.status = reserved.status(), .failed_step = Step::kReserve};
  auto [job, created] = *std::move(reserved);

  if (job.state == state::JobState::kComplete) return OutcomeOf(job, created, false);
  if (IsTerminal(job.state)) {
    if (!request.retry_failed) return OutcomeOf(job, created, false);
    if (absl::Status reopened = store_.Reopen(id, clock_.Now()); !reopened.ok()) {
      return {.job = job, .status = reopened, .failed_step = Step::kReserve};
    }
  }
  if (request.reserve_only) {
    absl::StatusOr<state::JobRecord> reserved_job = store_.Get(id);
    if (!reserved_job.ok()) return {.job = job, .status = reserved_job.status()};
    return OutcomeOf(*reserved_job, created, false);
  }
  // Take the lease, or wait for the process that holds it (taking over when it dies).
  std::string last_holder = job.lease.owner;  // As last read: empty when nobody held it.
  for (;;) {
    absl::StatusOr<state::JobRecord> leased =
        store_.AcquireLease(id, self_, clock_.Now(), options_.lease_ttl);
    absl::StatusOr<state::JobRecord> current = leased;
    if (!leased.ok() && leased.status().code() == absl::StatusCode::kAborted) {
      current = store_.Get(id);
      if (current.ok()) last_holder = current->lease.owner;
      if (current.ok() && current->lease.host == self_.host &&
          !options_.process_alive(current->lease.pid)) {
        leased =
            store_.TakeOverLease(id, current->lease.owner, self_, clock_.Now(), options_.lease_ttl);
      }
    }
    if (leased.ok()) {
      if (hooks.lease_taken_over && !last_holder.empty() && last_holder != self_.owner) {
        hooks.lease_taken_over(*leased);
      }
      JobWork work(store_, notifiers_, clock_, self_, options_, request, hooks, manifest, paths,
                   *leased, options_.make_steps());
      RunOutcome outcome = work.Run(ingest_started, reserved_at);
      outcome.created = created;
      return outcome;
    }
    if (leased.status().code() == absl::StatusCode::kFailedPrecondition) {
      // Terminal meanwhile (another process finished it).
      current = store_.Get(id);
      if (current.ok()) return OutcomeOf(*current, created, false);
    }
    if (!current.ok()) return {.job = job, .status = current.status()};
    if (leased.status().code() != absl::StatusCode::kAborted) {
      return {.job = job, .status = leased.status()};
    }
    if (!request.wait) return OutcomeOf(*current, created, false);
    if (const int signal = options_.stop_signal ? options_.stop_signal() : 0; signal != 0) {
      return {.job = *current,
              .created = created,
              .status = absl::AbortedError(
                  absl::StrCat("interrupted by ", SignalName(signal), " while waiting")),
              .stopped_by_signal = signal};
    }
    if (hooks.waiting) hooks.waiting(*current);
    clock_.SleepFor(options_.poll_interval);
  }
}

absl::StatusOr<state::JobRecord> CancelJob(state::JobStore& store, std::string_view job_id,
                                           absl::Time now) {
  ATP_ASSIGN_OR_RETURN(state::JobRecord job, store.RequestCancel(job_id, now));
  if (job.state != state::JobState::kCancelled) return job;
  const OutputPlace place = OutputPlaceOf(job.job.output_dir);
  if (absl::StatusOr<std::unique_ptr<storage::BlobStore>> output =
          storage::OpenLocalBlobStore(place.root);
      output.ok()) {
    RemoveStagingUnlessHeld(**output, place);
  }
  return job;
}

state::LeaseHolder ThisProcess() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const int64_t pid = getpid();
  return {.owner = absl::StrFormat("%s:%d:%08x", host, pid,
                                   static_cast<uint32_t>(UnitRandom() * 4294967295.0)),
          .host = host,
          .pid = pid};
}

bool ProcessAlive(int64_t pid) {
  if (pid <= 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

}  // namespace atp::pipeline
