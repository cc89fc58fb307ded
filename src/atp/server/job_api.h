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
// Errors are JSON (http_json.h). Store calls are serialized (one at a time).
#ifndef ATP_SERVER_JOB_API_H_
#define ATP_SERVER_JOB_API_H_

#include <httplib.h>

#include <mutex>

#include "atp/state/job_store.h"

namespace atp::server {

class JobApi {
 public:
  // `store` outlives the API.
  explicit JobApi(state::JobStore& store) : store_(store) {}

  // Adds the routes to `server`; the API must outlive its listening.
  void Install(httplib::Server& server);

 private:
  void Ready(httplib::Response& response);
  void ListJobs(const httplib::Request& request, httplib::Response& response);
  void ShowJob(const std::string& job_id, bool events, httplib::Response& response);

  state::JobStore& store_;
  std::mutex mutex_;
};

}  // namespace atp::server

#endif  // ATP_SERVER_JOB_API_H_
