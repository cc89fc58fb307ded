// atp/server/job_api.h
//
// JobApi: the read-only half of atp's HTTP API over a JobStore (docs/api.md):
//   GET /healthz                    200 {"ok":true}: the process answers
//   GET /readyz                     200 {"ready":true} when the job store answers, else 503
//   GET /v1/jobs[?state=S][&limit=N][&offset=M]
//                                   200 {"jobs":[JobJson...],"next_offset":M+N or null}, most
//                                   recently created first, of the 1000 most recent jobs;
//                                   state one of RUNNING COMPLETE FAILED CANCELLED; limit 1-200
//                                   (default 50); 400 for anything else
//   GET /v1/jobs/<id>               200 JobJson, 404 for an unknown id
//   GET /v1/jobs/<id>/events        200 JournalJson, 404 for an unknown id
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
#include "atp/state/job_store.h"

namespace atp::server {

class JobApi {
 public:
  // `store` and `clock` outlive the API; without `api_token` it takes no mutating call.
  JobApi(state::JobStore& store, Clock& clock, std::optional<std::string> api_token = std::nullopt)
      : store_(store), clock_(clock), api_token_(std::move(api_token)) {}

  // Adds the routes to `server`; the API must outlive its listening.
  void Install(httplib::Server& server);

 private:
  void Ready(httplib::Response& response);
  void ListJobs(const httplib::Request& request, httplib::Response& response);
  void ShowJob(const std::string& job_id, bool events, httplib::Response& response);
  void Cancel(const std::string& job_id, httplib::Response& response);
  // True when `request` carries the API token; otherwise sets the 401 or 403 answer.
  bool Authorized(const httplib::Request& request, httplib::Response& response) const;

  state::JobStore& store_;
  Clock& clock_;
  std::optional<std::string> api_token_;
  std::mutex mutex_;
};

}  // namespace atp::server

#endif  // ATP_SERVER_JOB_API_H_
