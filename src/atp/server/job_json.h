// atp/server/job_json.h
//
// The JSON form of jobs and their journals, the same for `atp status/jobs/events --json` and
// for the HTTP API (docs/api.md).
#ifndef ATP_SERVER_JOB_JSON_H_
#define ATP_SERVER_JOB_JSON_H_

#include <vector>

#include "atp/state/job_store.h"
#include "nlohmann/json.hpp"

namespace atp::server {

// {job_id, job_key, manifest_id, manifest, output, state, run, step, created, updated,
//  error: {step, code, message} when it failed, lease: {owner, expires} while one is held}.
[[nodiscard]] nlohmann::json JobJson(const state::JobRecord& job);

// {events: [{sequence, run, step, kind, attempt, outcome, message, time}],
//  deliveries: [{event_id, destination, attempt, http_status, delivered, error}]}.
[[nodiscard]] nlohmann::json JournalJson(const std::vector<state::StepEvent>& events,
                                         const std::vector<state::DeliveryAttempt>& deliveries);

}  // namespace atp::server

#endif  // ATP_SERVER_JOB_JSON_H_
