// atp/testing/faulty_job_store.h
//
// A JobStore decorator for faults a real store cannot be made to show on cue.
#ifndef ATP_TESTING_FAULTY_JOB_STORE_H_
#define ATP_TESTING_FAULTY_JOB_STORE_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "atp/state/job_store.h"

namespace atp::testing {

// Delegates to a real store; the next N writes of a named artifact, or the next N journal
// events, fail (and write nothing).
class FaultyJobStore : public state::JobStore {
 public:
  explicit FaultyJobStore(state::JobStore& store) : store_(store) {}

  void FailArtifactWrites(const std::string& name, int times, absl::Status error) {
    faults_[name] = {times, std::move(error)};
  }
  void FailEventAppends(int times, absl::Status error) { event_fault_ = {times, std::move(error)}; }

  absl::StatusOr<std::pair<state::JobRecord, bool>> Reserve(
      const state::NewJob& job, absl::Time now,
      const std::vector<state::StepEvent>& first_events) override {
    return store_.Reserve(job, now, first_events);
  }
  absl::StatusOr<state::JobRecord> Get(std::string_view job_id) override {
    return store_.Get(job_id);
  }
  absl::StatusOr<std::optional<state::JobRecord>> FindByKey(std::string_view job_key) override {
    return store_.FindByKey(job_key);
  }
  absl::StatusOr<std::vector<state::JobRecord>> List(int limit) override {
    return store_.List(limit);
  }
  absl::StatusOr<state::JobRecord> AcquireLease(std::string_view job_id,
                                                const state::LeaseHolder& holder, absl::Time now,
                                                absl::Duration ttl) override {
    return store_.AcquireLease(job_id, holder, now, ttl);
  }
  absl::StatusOr<state::JobRecord> TakeOverLease(std::string_view job_id,
                                                 std::string_view previous_owner,
                                                 const state::LeaseHolder& holder, absl::Time now,
                                                 absl::Duration ttl) override {
    return store_.TakeOverLease(job_id, previous_owner, holder, now, ttl);
  }
  absl::Status RenewLease(std::string_view job_id, std::string_view owner, absl::Time now,
                          absl::Duration ttl) override {
    return store_.RenewLease(job_id, owner, now, ttl);
  }
  absl::Status ReleaseLease(std::string_view job_id, std::string_view owner) override {
    return store_.ReleaseLease(job_id, owner);
  }
  absl::Status AppendEvent(std::string_view job_id, std::string_view owner,
                           const state::StepEvent& event) override {
    if (event_fault_.first > 0) {
      --event_fault_.first;
      return event_fault_.second;
    }
    return store_.AppendEvent(job_id, owner, event);
  }
  absl::StatusOr<std::vector<state::StepEvent>> Events(std::string_view job_id) override {
    return store_.Events(job_id);
  }
  absl::Status PutArtifact(std::string_view job_id, std::string_view owner, std::string_view name,
                           std::string_view value) override {
    auto fault = faults_.find(std::string(name));
    if (fault != faults_.end() && fault->second.first > 0) {
      --fault->second.first;
      return fault->second.second;
    }
    return store_.PutArtifact(job_id, owner, name, value);
  }
  absl::StatusOr<std::string> GetArtifact(std::string_view job_id, std::string_view name) override {
    return store_.GetArtifact(job_id, name);
  }
  absl::Status Finish(std::string_view job_id, std::string_view owner, state::JobState state,
                      std::string_view error_step, const absl::Status& error,
                      absl::Time now) override {
    return store_.Finish(job_id, owner, state, error_step, error, now);
  }
  absl::Status Reopen(std::string_view job_id, absl::Time now) override {
    return store_.Reopen(job_id, now);
  }
  absl::StatusOr<state::JobRecord> RequestCancel(std::string_view job_id, absl::Time now) override {
    return store_.RequestCancel(job_id, now);
  }
  absl::Status RecordDelivery(std::string_view job_id,
                              const state::DeliveryAttempt& attempt) override {
    return store_.RecordDelivery(job_id, attempt);
  }
  absl::StatusOr<std::vector<state::DeliveryAttempt>> Deliveries(std::string_view job_id) override {
    return store_.Deliveries(job_id);
  }

 private:
  state::JobStore& store_;
  std::map<std::string, std::pair<int, absl::Status>> faults_;
  std::pair<int, absl::Status> event_fault_ = {0, absl::OkStatus()};
};

}  // namespace atp::testing

#endif  // ATP_TESTING_FAULTY_JOB_STORE_H_
