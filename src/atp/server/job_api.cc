#include "atp/server/job_api.h"

#include <openssl/crypto.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "atp/pipeline/job_runner.h"
#include "atp/server/http_json.h"
#include "atp/server/job_json.h"

namespace atp::server {
namespace {

constexpr int kListedJobs = 1000;  // How far back the list looks.
constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;

// The HTTP status of a store error.
int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

void SetStoreError(httplib::Response& response, const absl::Status& status) {
  SetJsonError(response, HttpStatusOf(status), status.code(), status.message());
}

// The query parameter `name` as an integer in [low, high]; `fallback` when absent.
absl::StatusOr<int> IntParameter(const httplib::Request& request, const char* name, int fallback,
                                 int low, int high) {
  if (!request.has_param(name)) return fallback;
  int value = 0;
  if (!absl::SimpleAtoi(request.get_param_value(name), &value) || value < low || value > high) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": expected a whole number from ", low,
                                                   " to ", high, ", got '",
                                                   request.get_param_value(name), "'"));
  }
  return value;
}

}  // namespace

void JobApi::Install(httplib::Server& server) {
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    SetJsonBody(response, 200, {{"ok", true}});
  });
  server.Get("/readyz",
             [this](const httplib::Request&, httplib::Response& response) { Ready(response); });
  server.Get("/v1/jobs", [this](const httplib::Request& request, httplib::Response& response) {
    ListJobs(request, response);
  });
  server.Get(R"(/v1/jobs/([0-9a-f]{16}))",
             [this](const httplib::Request& request, httplib::Response& response) {
               ShowJob(request.matches[1], /*events=*/false, response);
             });
  server.Get(R"(/v1/jobs/([0-9a-f]{16})/events)",
             [this](const httplib::Request& request, httplib::Response& response) {
               ShowJob(request.matches[1], /*events=*/true, response);
             });
  server.Post(R"(/v1/jobs/([0-9a-f]{16})/cancel)",
              [this](const httplib::Request& request, httplib::Response& response) {
                if (Authorized(request, response)) Cancel(request.matches[1], response);
              });
}

bool JobApi::Authorized(const httplib::Request& request, httplib::Response& response) const {
  if (!api_token_) {
    SetJsonError(response, 403, absl::StatusCode::kPermissionDenied,
                 "this server takes no mutating calls: start it with an API token "
                 "(atp serve --api-token-file)");
    return false;
  }
  const std::string header = request.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const bool matches =
      header.starts_with(kBearer) && header.size() - kBearer.size() == api_token_->size() &&
      CRYPTO_memcmp(header.data() + kBearer.size(), api_token_->data(), api_token_->size()) == 0;
  if (!matches) {
    response.set_header("WWW-Authenticate", "Bearer");
    SetJsonError(response, 401, absl::StatusCode::kUnauthenticated,
                 header.empty() ? "no Authorization: Bearer <token> header"
                                : "the bearer token is not this server's API token");
    return false;
  }
  return true;
}

void JobApi::Cancel(const std::string& job_id, httplib::Response& response) {
  std::lock_guard<std::mutex> lock(mutex_);
  const absl::StatusOr<state::JobRecord> job = pipeline::CancelJob(store_, job_id, clock_.Now());
  if (!job.ok()) {
    SetJsonError(response,
                 absl::IsFailedPrecondition(job.status()) ? 409 : HttpStatusOf(job.status()),
                 job.status().code(), job.status().message());
    return;
  }
  SetJsonBody(response, 200, JobJson(*job));
}

void JobApi::Ready(httplib::Response& response) {
  std::lock_guard<std::mutex> lock(mutex_);
  const absl::Status listed = store_.List(1).status();
  if (!listed.ok()) {
    SetJsonError(response, 503, absl::StatusCode::kUnavailable,
                 absl::StrCat("the job store does not answer: ", listed.message()));
    return;
  }
  SetJsonBody(response, 200, {{"ready", true}});
}

void JobApi::ListJobs(const httplib::Request& request, httplib::Response& response) {
  std::optional<state::JobState> wanted;
  if (request.has_param("state")) {
    wanted = state::ParseJobState(request.get_param_value("state"));
    if (!wanted) {
      SetJsonError(response, 400, absl::StatusCode::kInvalidArgument,
                   absl::StrCat("state: expected RUNNING, COMPLETE, FAILED or CANCELLED, got '",
                                request.get_param_value("state"), "'"));
      return;
    }
  }
  const absl::StatusOr<int> limit = IntParameter(request, "limit", kDefaultLimit, 1, kMaxLimit);
  const absl::StatusOr<int> offset = IntParameter(request, "offset", 0, 0, kListedJobs);
  for (const absl::Status& status : {limit.status(), offset.status()}) {
    if (!status.ok()) {
      SetJsonError(response, 400, status.code(), status.message());
      return;
    }
  }
  absl::StatusOr<std::vector<state::JobRecord>> jobs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs = store_.List(kListedJobs);
  }
  if (!jobs.ok()) {
    SetStoreError(response, jobs.status());
    return;
  }
  std::vector<const state::JobRecord*> matching;
  for (const state::JobRecord& job : *jobs) {
    if (!wanted || job.state == *wanted) matching.push_back(&job);
  }
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = *offset; i < matching.size() && list.size() < static_cast<size_t>(*limit); ++i) {
    list.push_back(JobJson(*matching[i]));
  }
  const size_t next = *offset + list.size();
  SetJsonBody(response, 200,
              {{"jobs", list},
               {"next_offset", next < matching.size() ? nlohmann::json(next) : nlohmann::json()}});
}

void JobApi::ShowJob(const std::string& job_id, bool events, httplib::Response& response) {
  std::lock_guard<std::mutex> lock(mutex_);
  const absl::StatusOr<state::JobRecord> job = store_.Get(job_id);
  if (!job.ok()) {
    SetStoreError(response, job.status());
    return;
  }
  if (!events) {
    SetJsonBody(response, 200, JobJson(*job));
    return;
  }
  absl::StatusOr<std::vector<state::StepEvent>> journal = store_.Events(job_id);
  absl::StatusOr<std::vector<state::DeliveryAttempt>> deliveries =
      journal.ok() ? store_.Deliveries(job_id) : journal.status();
  if (!deliveries.ok()) {
    SetStoreError(response, deliveries.status());
    return;
  }
  SetJsonBody(response, 200, JournalJson(*journal, *deliveries));
}

}  // namespace atp::server
