// atp/server/inbox_feeder.h
//
// InboxFeeder: `atp serve --inbox`, the self-hosted S3 trigger. Every manifest that arrives
// in the Inbox is read, the mezzanine it names is waited for until it is whole
// (WaitUntilSettled: the declared size, then quiet), and the manifest is submitted to the
// JobService. It stays in the inbox while its job runs and then moves to done/ (COMPLETE) or
// failed/ (FAILED or CANCELLED), with a note saying why beside it. A manifest refused on
// the way (unreadable, invalid once it stopped changing, a mezzanine that never completes or
// is too big) moves to failed/ at once, its note naming what to fix. A duplicate delivery is
// answered by its job: it moves when that job ends (at once when it already has). Stopping
// leaves the manifests in the inbox; the next start submits them again, finds their jobs and
// resumes them. kMaxFeeders threads read and wait for manifests; the others wait their turn.
#ifndef ATP_SERVER_INBOX_FEEDER_H_
#define ATP_SERVER_INBOX_FEEDER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "atp/core/clock.h"
#include "atp/pipeline/job_runner.h"
#include "atp/server/file_settle.h"
#include "atp/server/inbox.h"
#include "atp/server/job_service.h"

namespace atp::server {

class InboxFeeder {
 public:
  // Manifests read and waited for at once.
  static constexpr int kMaxFeeders = 16;

  // `service`, `clock` and `log` outlive the feeder. `input_root` is the service's. Should
  // the inbox folder be deleted or moved away, the feeder opens it again once it is back.
  InboxFeeder(std::unique_ptr<Inbox> inbox, JobService& service, std::filesystem::path input_root,
              SettleOptions settle, Clock& clock, std::ostream& log);
  ~InboxFeeder();  // Stop().

  InboxFeeder(const InboxFeeder&) = delete;
  InboxFeeder& operator=(const InboxFeeder&) = delete;

  // Submits the manifests already in the inbox, then watches it, on threads of its own.
  void Start();

  // Stops watching and waiting for mezzanines, and joins the threads.
  void Stop();

  // To be called when the service is done with a job (JobService::SetJobDoneCallback): moves
  // the manifests that wait for that run of the job or an earlier one, once it ended.
  void JobDone(const pipeline::RunOutcome& outcome);

 private:
  struct Waiting {
    std::filesystem::path manifest;
    int run = 1;  // The job's run when the manifest was submitted.
  };

  void Watch();
  // Takes manifests from pending_ until the feeder stops (on a thread of its own).
  void Feed();
  // Reads, settles and submits one manifest.
  void FeedOne(const std::filesystem::path& manifest);
  // The manifest's bytes, once they parse; waits for a manifest still being written first.
  absl::StatusOr<std::string> ReadWholeManifest(const std::filesystem::path& manifest);
  // Moves `manifest` to done/ or failed/ as `job` ended.
  void MoveEnded(const std::filesystem::path& manifest, const state::JobRecord& job);
  void Refuse(const std::filesystem::path& manifest, absl::string_view reason);
  void Log(absl::string_view line);

  // The inbox watched; replaced when the folder came back (guarded by mutex_).
  std::shared_ptr<Inbox> CurrentInbox();
  // Waits until the folder can be watched again; false when stopping.
  bool ReopenInbox();

  std::shared_ptr<Inbox> inbox_;
  const std::filesystem::path inbox_dir_;
  JobService& service_;
  const std::filesystem::path input_root_;
  const SettleOptions settle_;
  Clock& clock_;
  std::ostream& log_;
  std::atomic<bool> stopping_ = false;
  std::thread watcher_;

  std::mutex mutex_;
  std::deque<std::filesystem::path> pending_;
  std::condition_variable pending_changed_;
  std::vector<std::thread> feeders_;
  // Manifests waiting for their job to end, by job id; a path waits for one job only.
  std::map<std::string, std::vector<Waiting>> waiting_;
};

}  // namespace atp::server

#endif  // ATP_SERVER_INBOX_FEEDER_H_
