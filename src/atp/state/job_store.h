// atp/state/job_store.h
//
// The durable record of jobs: the exactly-once point (Reserve), leases that say which process
// works a job, the journal of step events, small artifacts steps hand to later steps across
// restarts, and notification delivery attempts. Implementations: SQLite (default).
#ifndef ATP_STATE_JOB_STORE_H_
#define ATP_STATE_JOB_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace atp::state {

enum class JobState { kRunning, kComplete, kFailed, kCancelled };

[[nodiscard]] std::string_view JobStateName(JobState state);  // "RUNNING", "COMPLETE", ...
[[nodiscard]] std::optional<JobState> ParseJobState(std::string_view name);
[[nodiscard]] inline bool IsTerminal(JobState state) { return state != JobState::kRunning; }

// What a submission asks for; job_key is unique across all jobs.
struct NewJob {
  std::string job_id;   // 16 hex digits (output_layout.h).
  std::string job_key;  // 64 hex digits (docs/job-key.md).
  std::string manifest_id;
  std::string manifest_path;  // Absolute.
  std::string input_root;     // Absolute.
  std::string output_dir;     // Where the package is published (absolute).
  // The job's encoding profile as TOML (encode::ProfileToml): a retry or a resume encodes
  // with it, whatever the flags and environment of the process that runs it.
  std::string profile;
};

// Who holds a lease. `owner` is unique per process run ("host:pid:random").
struct LeaseHolder {
  std::string owner;
  std::string host;
  int64_t pid = 0;
};

struct JobRecord {
  NewJob job;
  JobState state = JobState::kRunning;
  int run = 1;       // 1, then +1 for every Reopen (retry).
  std::string step;  // The step most recently started.
  // Set when FAILED (or CANCELLED): the step, the absl::StatusCode name, the message.
  std::string error_step;
  std::string error_code;
  std::string error_message;
  bool cancel_requested = false;
  absl::Time created_at;
  absl::Time updated_at;
  LeaseHolder lease;         // owner empty when nobody holds it.
  absl::Time lease_expires;  // Meaningful only with an owner.
};

// One journal line. `kind` is "start" or "end"; `outcome` is empty for "start", "OK" or the
// absl::StatusCode name for "end".
struct StepEvent {
  int64_t sequence = 0;  // Assigned by the store, increasing per job.
  int run = 1;
  std::string step;
  std::string kind;
  int attempt = 1;
  std::string outcome;
  std::string message;
  absl::Time time;
};

struct DeliveryAttempt {
  std::string event_id;
  std::string destination;  // URL, or "log".
  int attempt = 1;
  int http_status = 0;  // 0 when no response.
  bool delivered = false;
  std::string error;
  absl::Time time;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Inserts `job` (RUNNING, run 1, no lease) and `first_events` (its journal so far: the
  // steps that ran before it existed) unless a job with its job_key exists, atomically even
  // across processes: both or neither are stored. Returns the job with that key and whether
  // this call created it.
  [[nodiscard]] virtual absl::StatusOr<std::pair<JobRecord, bool>> Reserve(
      const NewJob& job, absl::Time now, const std::vector<StepEvent>& first_events) = 0;
  [[nodiscard]] virtual absl::StatusOr<JobRecord> Get(std::string_view job_id) = 0;  // NotFound.
  [[nodiscard]] virtual absl::StatusOr<std::optional<JobRecord>> FindByKey(
      std::string_view job_key) = 0;
  // Most recently created first, at most `limit`.
  [[nodiscard]] virtual absl::StatusOr<std::vector<JobRecord>> List(int limit) = 0;

  // Takes the lease of a RUNNING job until now + ttl if nobody holds it, it expired at `now`,
  // or `holder` already holds it. Aborted (naming the holder) when another live holder has
  // it; FailedPrecondition when the job is terminal.
  [[nodiscard]] virtual absl::StatusOr<JobRecord> AcquireLease(std::string_view job_id,
                                                               const LeaseHolder& holder,
                                                               absl::Time now,
                                                               absl::Duration ttl) = 0;
  // Takes the lease from `previous_owner` (known dead) whatever its expiry; Aborted when the
  // lease is no longer `previous_owner`'s (someone else took it first).
  [[nodiscard]] virtual absl::StatusOr<JobRecord> TakeOverLease(std::string_view job_id,
                                                                std::string_view previous_owner,
                                                                const LeaseHolder& holder,
                                                                absl::Time now,
                                                                absl::Duration ttl) = 0;
  // Extends the lease; Aborted when `owner` does not hold it any more.
  [[nodiscard]] virtual absl::Status RenewLease(std::string_view job_id, std::string_view owner,
                                                absl::Time now, absl::Duration ttl) = 0;
  [[nodiscard]] virtual absl::Status ReleaseLease(std::string_view job_id,
                                                  std::string_view owner) = 0;

  // Appends to the journal (and sets the job's `step` on a "start"). Aborted when `owner`
  // does not hold the lease. The event's run is the job's current run.
  [[nodiscard]] virtual absl::Status AppendEvent(std::string_view job_id, std::string_view owner,
                                                 const StepEvent& event) = 0;
  // Events of every run, in order.
  [[nodiscard]] virtual absl::StatusOr<std::vector<StepEvent>> Events(std::string_view job_id) = 0;

  // Saves a named value for later steps of the current run (replaces an earlier one).
  // Aborted without the lease.
  [[nodiscard]] virtual absl::Status PutArtifact(std::string_view job_id, std::string_view owner,
                                                 std::string_view name, std::string_view value) = 0;
  // NotFound when the current run has not saved it.
  [[nodiscard]] virtual absl::StatusOr<std::string> GetArtifact(std::string_view job_id,
                                                                std::string_view name) = 0;

  // Ends the job as `state` (terminal) and releases the lease; for FAILED/CANCELLED records
  // `error_step` and `error`. Aborted without the lease.
  [[nodiscard]] virtual absl::Status Finish(std::string_view job_id, std::string_view owner,
                                            JobState state, std::string_view error_step,
                                            const absl::Status& error, absl::Time now) = 0;
  // FAILED or CANCELLED → RUNNING, run + 1, error and cancel request cleared, artifacts of
  // the old run dropped. FailedPrecondition for a RUNNING or COMPLETE job.
  [[nodiscard]] virtual absl::Status Reopen(std::string_view job_id, absl::Time now) = 0;
  // Marks a RUNNING job for cancellation (its worker stops at the next check). A job nobody
  // holds a live lease on is CANCELLED at once. FailedPrecondition for a terminal job.
  [[nodiscard]] virtual absl::StatusOr<JobRecord> RequestCancel(std::string_view job_id,
                                                                absl::Time now) = 0;

  [[nodiscard]] virtual absl::Status RecordDelivery(std::string_view job_id,
                                                    const DeliveryAttempt& attempt) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::vector<DeliveryAttempt>> Deliveries(
      std::string_view job_id) = 0;
};

}  // namespace atp::state

#endif  // ATP_STATE_JOB_STORE_H_
