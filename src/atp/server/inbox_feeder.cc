#include "atp/server/inbox_feeder.h"

#include <sys/stat.h>

#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "atp/pipeline/delivery_paths.h"
#include "atp/pipeline/read_manifest.h"

namespace atp::server {
namespace {

// How long one wait for arrivals lasts before the watcher looks whether it should stop.
constexpr absl::Duration kWatchSlice = absl::Milliseconds(200);
// How often a feeder whose inbox folder went away looks whether it is back.
constexpr absl::Duration kReopenDelay = absl::Seconds(2);
// How long a submission waits before it is tried again when the job store does not answer.
constexpr absl::Duration kStoreRetryDelay = absl::Seconds(5);

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

InboxFeeder::InboxFeeder(std::unique_ptr<Inbox> inbox, JobService& service,
                         std::filesystem::path input_root, SettleOptions settle, Clock& clock,
                         std::ostream& log)
    : inbox_(std::move(inbox)),
      inbox_dir_(inbox_->dir()),
      service_(service),
      input_root_(std::move(input_root)),
      settle_(settle),
      clock_(clock),
      log_(log) {}

InboxFeeder::~InboxFeeder() { Stop(); }

void InboxFeeder::Log(absl::string_view line) {
  // Names come from whoever writes to the inbox: a control character in one (a newline)
  // must not forge a log line.
  std::string shown;
  for (const char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      absl::StrAppend(&shown, "\\x", absl::Hex(byte, absl::kZeroPad2));
    } else {
      shown.push_back(c);
    }
  }
  log_ << absl::StrCat("atp serve: inbox: ", shown, "\n") << std::flush;
}

std::shared_ptr<Inbox> InboxFeeder::CurrentInbox() {
  std::lock_guard<std::mutex> lock(mutex_);
  return inbox_;
}

bool InboxFeeder::ReopenInbox() {
  Log(absl::StrCat("waiting for ", inbox_dir_.string(), " to be back"));
  while (!stopping_) {
    clock_.SleepFor(kReopenDelay);
    absl::StatusOr<std::unique_ptr<Inbox>> reopened = Inbox::Open(inbox_dir_);
    if (!reopened.ok()) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    inbox_ = std::move(*reopened);
    return true;
  }
  return false;
}

void InboxFeeder::Start() {
  for (int i = 0; i < kMaxFeeders; ++i) {
    try {
      feeders_.emplace_back([this] { Feed(); });
    } catch (const std::system_error& error) {
      Log(absl::StrCat("started ", i, " of ", kMaxFeeders, " feeder threads: ", error.what()));
      break;
    }
  }
  watcher_ = std::thread([this] { Watch(); });
}

void InboxFeeder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  pending_changed_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  for (std::thread& feeder : feeders_) {
    if (feeder.joinable()) feeder.join();
  }
}

void InboxFeeder::Watch() {
  auto add = [this](const std::vector<std::filesystem::path>& manifests) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const std::filesystem::path& manifest : manifests) pending_.push_back(manifest);
    }
    pending_changed_.notify_all();
  };
  while (!stopping_) {
    std::shared_ptr<Inbox> inbox = CurrentInbox();
    auto log_refused = [&] {
      for (const std::string& refused : inbox->TakeRefused()) Log(refused);
    };
    absl::StatusOr<std::vector<std::filesystem::path>> existing = inbox->Existing();
    log_refused();
    if (!existing.ok()) {
      Log(existing.status().message());
    } else {
      add(*existing);
    }
    while (!stopping_) {
      absl::StatusOr<std::vector<std::filesystem::path>> arrived =
          inbox->WaitForArrivals(kWatchSlice);
      log_refused();
      if (!arrived.ok()) {
        Log(arrived.status().message());
        break;
      }
      add(*arrived);
    }
    // The folder went away: it is watched again once it is back.
    if (!stopping_ && !ReopenInbox()) return;
  }
}

void InboxFeeder::Feed() {
  for (;;) {
    std::filesystem::path manifest;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      pending_changed_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      manifest = pending_.front();
      pending_.pop_front();
    }
    FeedOne(manifest);
  }
}

absl::StatusOr<std::string> InboxFeeder::ReadWholeManifest(const std::filesystem::path& manifest) {
  absl::StatusOr<std::string> bytes = pipeline::ReadManifestBytes(manifest);
  if (bytes.ok() && manifest::ParseManifest(*bytes).ok()) return bytes;
  // Found by a scan, a manifest may still be being written: it is judged once it stopped
  // changing.
  struct stat info {};
  if (lstat(manifest.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return bytes;
  const absl::Status settled =
      WaitUntilSettled(manifest, info.st_size,
                       {.quiet = settle_.quiet, .timeout = settle_.timeout, .poll = settle_.poll},
                       clock_, [this] { return stopping_.load(); });
  if (absl::IsAborted(settled)) return settled;
  return pipeline::ReadManifestBytes(manifest);
}

void InboxFeeder::FeedOne(const std::filesystem::path& manifest) {
  absl::StatusOr<std::string> bytes = ReadWholeManifest(manifest);
  if (absl::IsAborted(bytes.status())) return;  // Stopping: the next start feeds it again.
  if (!bytes.ok()) return Refuse(manifest, bytes.status().message());
  absl::StatusOr<manifest::ParsedManifest> parsed = manifest::ParseManifest(*bytes);
  if (!parsed.ok()) return Refuse(manifest, parsed.status().message());
  absl::StatusOr<pipeline::DeliveryPaths> paths =
      pipeline::ResolveDeliveryPaths(parsed->spec, input_root_);
  if (!paths.ok()) return Refuse(manifest, paths.status().message());
  const absl::Status settled =
      WaitUntilSettled(paths->mezzanine, parsed->spec.mezzanine.file_size_bytes, settle_, clock_,
                       [this] { return stopping_.load(); });
  if (absl::IsAborted(settled)) return;
  if (!settled.ok()) return Refuse(manifest, settled.message());

  for (;;) {
    bool ended = false;
    const absl::StatusOr<Submission> submitted =
        service_.Submit(*bytes, "inbox", [&](const state::JobRecord& job) {
          std::lock_guard<std::mutex> lock(mutex_);
          // A path waits for one job: the one its latest contents made.
          for (auto& [id, waiting] : waiting_) {
            std::erase_if(waiting,
                          [&](const Waiting& entry) { return entry.manifest == manifest; });
          }
          if (state::IsTerminal(job.state)) {
            ended = true;
          } else {
            waiting_[job.job.job_id].push_back({.manifest = manifest, .run = job.run});
          }
        });
    if (submitted.ok()) {
      const std::string how =
          submitted->created
              ? "new"
              : absl::StrCat("existing, ", std::string(state::JobStateName(submitted->job.state)));
      Log(absl::StrCat(manifest.filename().string(), " is job ", submitted->job.job.job_id, " (",
                       how, ")"));
      if (ended) MoveEnded(manifest, submitted->job);
      return;
    }
    if (!absl::IsUnavailable(submitted.status())) {
      return Refuse(manifest, submitted.status().message());
    }
    if (service_.Draining() || stopping_) return;  // The next start feeds it again.
    Log(absl::StrCat(manifest.filename().string(), ": ", submitted.status().message(),
                     "; trying again in ", absl::FormatDuration(kStoreRetryDelay)));
    clock_.SleepFor(kStoreRetryDelay);
    if (stopping_) return;
  }
}

void InboxFeeder::JobDone(const pipeline::RunOutcome& outcome) {
  if (!state::IsTerminal(outcome.job.state)) return;  // Left RUNNING: it is resumed later.
  std::vector<std::filesystem::path> ended;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto waiting = waiting_.find(outcome.job.job.job_id);
    if (waiting == waiting_.end()) return;
    // A manifest submitted for a later run (a retry) waits for that run.
    std::erase_if(waiting->second, [&](const Waiting& entry) {
      if (entry.run > outcome.job.run) return false;
      ended.push_back(entry.manifest);
      return true;
    });
    if (waiting->second.empty()) waiting_.erase(waiting);
  }
  for (const std::filesystem::path& manifest : ended) MoveEnded(manifest, outcome.job);
}

void InboxFeeder::MoveEnded(const std::filesystem::path& manifest, const state::JobRecord& job) {
  const absl::Status moved =
      job.state == state::JobState::kComplete
          ? CurrentInbox()->MoveToDone(
                manifest, absl::StrCat("job ", job.job.job_id, " COMPLETE: ", job.job.output_dir))
          : CurrentInbox()->MoveToFailed(manifest, FailureNote(job));
  if (!moved.ok()) Log(moved.message());
}

void InboxFeeder::Refuse(const std::filesystem::path& manifest, absl::string_view reason) {
  Log(absl::StrCat(manifest.filename().string(), " refused: ", reason));
  if (absl::Status moved = CurrentInbox()->MoveToFailed(manifest, std::string(reason));
      !moved.ok()) {
    Log(moved.message());
  }
}

}  // namespace atp::server
