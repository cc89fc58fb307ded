// atp/server/job_api.h
//
// JobApi: atp's HTTP API over a JobStore and a JobService (docs/api.md):
//   GET /healthz                    200 {"ok":true}: the process answers
//   GET /readyz                     200 {"ready":true} when the job store answers, else 503
//   GET /v1/jobs[?state=S][&limit=N][&offset=M]
//                                   200 {"jobs":[JobJson...],"next_offset":M+N or null}, most
//                                   recently created first, of the 1000 most recent jobs;
//                                   state one of RUNNING COMPLETE FAILED CANCELLED; limit 1-200
//                                   (default 50); 400 for anything else
//   GET /v1/jobs/<id>               200 JobJson, 404 for an unknown id
//   GET /v1/jobs/<id>/events        200 JournalJson, 404 for an unknown id
//   GET /v1/jobs/<id>/report        200 the published report.json, 404 before it is published
//   POST /v1/jobs                   a manifest (XML body): 201 JobJson of the new job, 200 of
//                                   the delivery's existing one, 400 with ingest's errors
//   POST /v1/jobs/<id>/retry        200 JobJson (RUNNING, a new run), 404, 409 unless FAILED
//                                   or CANCELLED
//   POST /v1/jobs/<id>/cancel       200 JobJson (CANCELLED, or cancel requested from the
//                                   process that runs it), 404 unknown, 409 already ended
// Mutating calls (POST) need "Authorization: Bearer <token>" with the API token (compared in
// constant time): 401 without it or with another, 403 when the API was given no token.
// Errors are JSON (http_json.h). Store calls are serialized (one at a time).
#ifndef ATP_SERVER_JOB_API_H_
#define ATP_SERVER_JOB_API_H_

#include <httplib.h>

#include <mutex>
#include <optional>
#include <string>

#include "atp/core/clock.h"
#include "atp/server/job_service.h"
#include "atp/state/job_store.h"
#include "atp/storage/blob_store.h"
#include "nlohmann/json.hpp"

namespace atp::server {

struct JobApiOptions {
  // Without it the API takes no mutating call.
  std::optional<std::string> api_token;
  // Takes submissions and retries (503 without one).
  JobService* service = nullptr;
  // The output root, where reports are read (404 without it).
  storage::BlobStore* packages = nullptr;
  // Whether /out/ serves packages without a token: a COMPLETE job's JSON then says where its
  // package is ("package": "/out/<series>/sNN/eNNN/<id>/").
  bool packages_open = false;
};

class JobApi {
 public:
  // `store`, `clock` and what `options` point to outlive the API.
  JobApi(state::JobStore& store, Clock& clock, JobApiOptions options = {})
      : store_(store), clock_(clock), options_(std::move(options)) {}

  // Adds the routes to `server`; the API must outlive its listening.
  void Install(httplib::Server& server);

 private:
  void Ready(httplib::Response& response);
  void ListJobs(const httplib::Request& request, httplib::Response& response);
  void ShowJob(const std::string& job_id, bool events, httplib::Response& response);
  void ShowReport(const std::string& job_id, httplib::Response& response);
  void Submit(const httplib::Request& request, httplib::Response& response);
  void Retry(const std::string& job_id, httplib::Response& response);
  void Cancel(const std::string& job_id, httplib::Response& response);
  // 200 and `job` after a retry or a cancel; 409 when its state did not allow it; the error.
  void SetJobAnswer(httplib::Response& response, const absl::StatusOr<state::JobRecord>& job) const;
  // JobJson, with where the package is served when it is.
  [[nodiscard]] nlohmann::json JobBody(const state::JobRecord& job) const;
  // True when `request` carries the API token; otherwise sets the 401 or 403 answer.
  bool Authorized(const httplib::Request& request, httplib::Response& response) const;

  state::JobStore& store_;
  Clock& clock_;
  const JobApiOptions options_;
  std::mutex mutex_;
};

}  // namespace atp::server

#endif  // ATP_SERVER_JOB_API_H_
