#include "atp/server/inbox_feeder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "atp/pipeline/delivery_paths.h"
#include "atp/pipeline/read_manifest.h"

namespace atp::server {
namespace {

// How long one wait for arrivals lasts before the watcher looks whether it should stop.
constexpr absl::Duration kWatchSlice = absl::Milliseconds(200);

// Why `job` ended, for the note beside its manifest in failed/.
std::string FailureNote(const state::JobRecord& job) {
  return absl::StrCat("job ", job.job.job_id, " is ", std::string(state::JobStateName(job.state)),
                      job.error_step.empty() ? "" : absl::StrCat(" at ", job.error_step),
                      job.error_code.empty() ? "" : absl::StrCat(" (", job.error_code, ")"), ": ",
                      job.error_message,
                      "\nto run it again once the delivery is fixed: POST /v1/jobs/",
                      job.job.job_id, "/retry (or atp retry ", job.job.job_id, ")");
}

}  // namespace

InboxFeeder::InboxFeeder(Inbox& inbox, JobService& service, std::filesystem::path input_root,
                         SettleOptions settle, Clock& clock, std::ostream& log)
    : inbox_(inbox),
      service_(service),
      input_root_(std::move(input_root)),
      settle_(settle),
      clock_(clock),
      log_(log) {}

InboxFeeder::~InboxFeeder() { Stop(); }

void InboxFeeder::Start() {
  watcher_ = std::thread([this] { Watch(); });
}

void InboxFeeder::Stop() {
  stopping_ = true;
  if (watcher_.joinable()) watcher_.join();
  std::vector<Feeder> feeders;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    feeders.swap(feeders_);
  }
  for (Feeder& feeder : feeders) feeder.thread.join();
}

void InboxFeeder::Watch() {
  auto feed_all = [this](const std::vector<std::filesystem::path>& manifests) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(feeders_, [](Feeder& feeder) {
      if (!*feeder.finished) return false;
      feeder.thread.join();
      return true;
    });
    for (const std::filesystem::path& manifest : manifests) {
      auto finished = std::make_shared<std::atomic<bool>>(false);
      feeders_.push_back({.thread = std::thread([this, manifest, finished] {
                            Feed(manifest);
                            *finished = true;
                          }),
                          .finished = finished});
    }
  };
  auto log_refused = [this] {
    for (const std::string& refused : inbox_.TakeRefused()) {
      log_ << absl::StrCat("atp serve: inbox: ", refused, "\n") << std::flush;
    }
  };
  absl::StatusOr<std::vector<std::filesystem::path>> existing = inbox_.Existing();
  log_refused();
  if (!existing.ok()) {
    log_ << absl::StrCat("atp serve: inbox: ", existing.status().message(), "\n") << std::flush;
  } else {
    feed_all(*existing);
  }
  while (!stopping_) {
    absl::StatusOr<std::vector<std::filesystem::path>> arrived =
        inbox_.WaitForArrivals(kWatchSlice);
    log_refused();
    if (!arrived.ok()) {
      // The folder went away: say so, and look again later (it may be put back).
      log_ << absl::StrCat("atp serve: inbox: ", arrived.status().message(), "\n") << std::flush;
      clock_.SleepFor(absl::Seconds(5));
      continue;
    }
    feed_all(*arrived);
  }
}

void InboxFeeder::Feed(const std::filesystem::path& manifest) {
  absl::StatusOr<std::string> bytes = pipeline::ReadManifestBytes(manifest);
  if (!bytes.ok()) return Refuse(manifest, bytes.status().message());
  absl::StatusOr<manifest::ParsedManifest> parsed = manifest::ParseManifest(*bytes);
  if (!parsed.ok()) return Refuse(manifest, parsed.status().message());
  absl::StatusOr<pipeline::DeliveryPaths> paths =
      pipeline::ResolveDeliveryPaths(parsed->spec, input_root_);
  if (!paths.ok()) return Refuse(manifest, paths.status().message());
  const absl::Status settled =
      WaitUntilSettled(paths->mezzanine, parsed->spec.mezzanine.file_size_bytes, settle_, clock_,
                       [this] { return stopping_.load(); });
  if (absl::IsAborted(settled)) return;  // Stopping: the next start feeds it again.
  if (!settled.ok()) return Refuse(manifest, settled.message());

  bool ended = false;
  const absl::StatusOr<Submission> submitted =
      service_.Submit(*bytes, "inbox", [&](const state::JobRecord& job) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (state::IsTerminal(job.state)) {
          ended = true;
        } else {
          waiting_[job.job.job_id].push_back(manifest);
        }
      });
  if (!submitted.ok()) {
    if (absl::IsUnavailable(submitted.status())) return;  // Draining.
    return Refuse(manifest, submitted.status().message());
  }
  const std::string how =
      submitted->created
          ? "new"
          : absl::StrCat("existing, ", std::string(state::JobStateName(submitted->job.state)));
  log_ << absl::StrCat("atp serve: inbox: ", manifest.filename().string(), " is job ",
                       submitted->job.job.job_id, " (", how, ")\n")
       << std::flush;
  if (ended) MoveIfEnded(manifest, submitted->job);
}

void InboxFeeder::JobDone(const pipeline::RunOutcome& outcome) {
  if (!state::IsTerminal(outcome.job.state)) return;  // Left RUNNING: it is resumed later.
  std::vector<std::filesystem::path> manifests;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto waiting = waiting_.find(outcome.job.job.job_id);
    if (waiting == waiting_.end()) return;
    manifests = std::move(waiting->second);
    waiting_.erase(waiting);
  }
  for (const std::filesystem::path& manifest : manifests) MoveIfEnded(manifest, outcome.job);
}

bool InboxFeeder::MoveIfEnded(const std::filesystem::path& manifest, const state::JobRecord& job) {
  if (!state::IsTerminal(job.state)) return false;
  const absl::Status moved =
      job.state == state::JobState::kComplete
          ? inbox_.MoveToDone(
                manifest, absl::StrCat("job ", job.job.job_id, " COMPLETE: ", job.job.output_dir))
          : inbox_.MoveToFailed(manifest, FailureNote(job));
  if (!moved.ok()) {
    log_ << absl::StrCat("atp serve: inbox: ", moved.message(), "\n") << std::flush;
  }
  return true;
}

void InboxFeeder::Refuse(const std::filesystem::path& manifest, absl::string_view reason) {
  log_ << absl::StrCat("atp serve: inbox: ", manifest.filename().string(), " refused: ", reason,
                       "\n")
       << std::flush;
  if (absl::Status moved = inbox_.MoveToFailed(manifest, std::string(reason)); !moved.ok()) {
    log_ << absl::StrCat("atp serve: inbox: ", moved.message(), "\n") << std::flush;
  }
}

}  // namespace atp::server
