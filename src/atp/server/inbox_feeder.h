// atp/server/inbox_feeder.h
//
// InboxFeeder: `atp serve --inbox`, the self-hosted S3 trigger. Every manifest that arrives
// in the Inbox is read, the mezzanine it names is waited for until it is whole
// (WaitUntilSettled: the declared size, then quiet), and the manifest is submitted to the
// JobService. It stays in the inbox while its job runs and then moves to done/ (COMPLETE) or
// failed/ (FAILED or CANCELLED), with a note saying why beside it. A manifest refused on
// the way (unreadable, invalid, a mezzanine that never completes or is too big) moves to
// failed/ at once, its note naming what to fix. A duplicate delivery is answered by its job:
// it moves when that job ends (at once when it already has). Stopping leaves the manifests
// in the inbox; the next start submits them again, finds their jobs and resumes them.
#ifndef ATP_SERVER_INBOX_FEEDER_H_
#define ATP_SERVER_INBOX_FEEDER_H_

#include <atomic>
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
  // `inbox`, `service` and `clock` outlive the feeder. `input_root` is the service's.
  InboxFeeder(Inbox& inbox, JobService& service, std::filesystem::path input_root,
              SettleOptions settle, Clock& clock, std::ostream& log);
  ~InboxFeeder();  // Stop().

  InboxFeeder(const InboxFeeder&) = delete;
  InboxFeeder& operator=(const InboxFeeder&) = delete;

  // Submits the manifests already in the inbox, then watches it, on threads of its own.
  void Start();

  // Stops watching and waiting for mezzanines, and joins the threads.
  void Stop();

  // To be called when the service is done with a job (JobService::SetJobDoneCallback): moves
  // the manifests that wait for it when it ended.
  void JobDone(const pipeline::RunOutcome& outcome);

 private:
  void Watch();
  // Reads, settles and submits one manifest (on a thread of its own).
  void Feed(const std::filesystem::path& manifest);
  // Moves `manifest` to done/ or failed/ as `job` ended; false while it runs.
  bool MoveIfEnded(const std::filesystem::path& manifest, const state::JobRecord& job);
  void Refuse(const std::filesystem::path& manifest, absl::string_view reason);

  Inbox& inbox_;
  JobService& service_;
  const std::filesystem::path input_root_;
  const SettleOptions settle_;
  Clock& clock_;
  std::ostream& log_;
  std::atomic<bool> stopping_ = false;
  std::thread watcher_;

  struct Feeder {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  std::mutex mutex_;
  std::vector<Feeder> feeders_;  // One per arrival; the finished ones are joined on the next.
  // Manifests waiting for their job to end, by job id.
  std::map<std::string, std::vector<std::filesystem::path>> waiting_;
};

}  // namespace atp::server

#endif  // ATP_SERVER_INBOX_FEEDER_H_
