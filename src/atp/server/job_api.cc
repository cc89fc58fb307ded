#include "atp/server/job_api.h"

#include <openssl/crypto.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/pipeline/job_runner.h"
#include "atp/pipeline/output_layout.h"
#include "atp/server/http_json.h"
#include "atp/server/job_json.h"

namespace atp::server {
namespace {

constexpr int kListedJobs = 1000;  // How far back the list looks.
constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;
constexpr int64_t kMaxReportBytes = 16 << 20;

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

// The text of the report at `key`, at most kMaxReportBytes.
absl::StatusOr<std::string> ReadReport(storage::BlobStore& packages, const std::string& key) {
  ATP_ASSIGN_OR_RETURN(std::unique_ptr<storage::BlobReader> reader, packages.Open(key));
  ATP_ASSIGN_OR_RETURN(const int64_t size, reader->Size());
  if (size > kMaxReportBytes) {
    return absl::FailedPreconditionError(absl::StrCat(
        reader->name(), " is ", size, " bytes, over the ", kMaxReportBytes, " a report can be"));
  }
  std::string text(static_cast<size_t>(size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    ATP_ASSIGN_OR_RETURN(const size_t got, reader->ReadAt(static_cast<int64_t>(done),
                                                          text.data() + done, text.size() - done));
    if (got == 0) break;
    done += got;
  }
  text.resize(done);
  return text;
}

}  // namespace

void JobApi::Install(httplib::Server& server) {
  // Before a body is read: a mutating call without the token is refused without reading it,
  // and a body must have a length (httplib bounds only those); a manifest must not be
  // form-encoded (httplib cuts those at 8 KiB).
  server.set_pre_routing_handler([this](const httplib::Request& request,
                                        httplib::Response& response) {
    if (request.method != "POST") return httplib::Server::HandlerResponse::Unhandled;
    if (!Authorized(request, response)) return httplib::Server::HandlerResponse::Handled;
    if (absl::StrContains(absl::AsciiStrToLower(request.get_header_value("Transfer-Encoding")),
                          "chunked")) {
      SetJsonError(response, 411, absl::StatusCode::kInvalidArgument,
                   "send the body with a Content-Length, not chunked");
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string type = absl::AsciiStrToLower(request.get_header_value("Content-Type"));
    if (request.path == "/v1/jobs" &&
        (type.starts_with("application/x-www-form-urlencoded") || type.starts_with("multipart/"))) {
      SetJsonError(response, 415, absl::StatusCode::kInvalidArgument,
                   "send the manifest itself as the body, with Content-Type: application/xml "
                   "(curl: -H 'Content-Type: application/xml' --data-binary @manifest.xml)");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
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
  server.Get(R"(/v1/jobs/([0-9a-f]{16})/report)",
             [this](const httplib::Request& request, httplib::Response& response) {
               ShowReport(request.matches[1], response);
             });
  server.Post("/v1/jobs", [this](const httplib::Request& request, httplib::Response& response) {
    if (Authorized(request, response)) Submit(request, response);
  });
  server.Post(R"(/v1/jobs/([0-9a-f]{16})/retry)",
              [this](const httplib::Request& request, httplib::Response& response) {
                if (Authorized(request, response)) Retry(request.matches[1], response);
              });
  server.Post(R"(/v1/jobs/([0-9a-f]{16})/cancel)",
              [this](const httplib::Request& request, httplib::Response& response) {
                if (Authorized(request, response)) Cancel(request.matches[1], response);
              });
}

bool JobApi::Authorized(const httplib::Request& request, httplib::Response& response) const {
  if (!options_.api_token) {
    SetJsonError(response, 403, absl::StatusCode::kPermissionDenied,
                 "this server takes no mutating calls: start it with an API token "
                 "(atp serve --api-token-file)");
    return false;
  }
  const std::string header = request.get_header_value("Authorization");
  constexpr absl::string_view kBearer = "bearer ";  // The scheme is case-insensitive.
  const std::string& token = *options_.api_token;
  const bool matches =
      absl::StartsWithIgnoreCase(header, kBearer) &&
      header.size() - kBearer.size() == token.size() &&
      CRYPTO_memcmp(header.data() + kBearer.size(), token.data(), token.size()) == 0;
  if (!matches) {
    response.set_header("WWW-Authenticate", "Bearer");
    SetJsonError(response, 401, absl::StatusCode::kUnauthenticated,
                 header.empty() ? "no Authorization: Bearer <token> header"
                                : "the bearer token is not this server's API token");
    return false;
  }
  return true;
}

nlohmann::json JobApi::JobBody(const state::JobRecord& job) const {
  nlohmann::json body = JobJson(job);
  if (options_.packages_open && job.state == state::JobState::kComplete) {
    body["package"] =
        absl::StrCat("/out/", pipeline::OutputPlaceOf(job.job.output_dir).published, "/");
  }
  return body;
}

void JobApi::Submit(const httplib::Request& request, httplib::Response& response) {
  if (options_.service == nullptr) {
    SetJsonError(response, 503, absl::StatusCode::kUnavailable, "this server runs no jobs");
    return;
  }
  const absl::StatusOr<Submission> submitted = options_.service->Submit(request.body, "api");
  if (!submitted.ok()) {
    const absl::Status& status = submitted.status();
    const int http_status = absl::IsInvalidArgument(status)      ? 400
                            : absl::IsFailedPrecondition(status) ? 409
                            : absl::IsUnavailable(status)        ? 503
                            : absl::IsResourceExhausted(status)  ? 507
                                                                 : 500;
    SetJsonError(response, http_status, status.code(), status.message());
    return;
  }
  SetJsonBody(response, submitted->created ? 201 : 200, JobBody(submitted->job));
}

void JobApi::Retry(const std::string& job_id, httplib::Response& response) {
  if (options_.service == nullptr) {
    SetJsonError(response, 503, absl::StatusCode::kUnavailable, "this server runs no jobs");
    return;
  }
  SetJobAnswer(response, options_.service->Retry(job_id));
}

void JobApi::ShowReport(const std::string& job_id, httplib::Response& response) {
  absl::StatusOr<state::JobRecord> job;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job = store_.Get(job_id);
  }
  if (!job.ok()) {
    SetStoreError(response, job.status());
    return;
  }
  if (options_.packages == nullptr || job->state != state::JobState::kComplete) {
    SetJsonError(response, 404, absl::StatusCode::kNotFound,
                 absl::StrCat("job ", job_id, " is ", std::string(state::JobStateName(job->state)),
                              ": its report is published with its package"));
    return;
  }
  const std::string key =
      absl::StrCat(pipeline::OutputPlaceOf(job->job.output_dir).published, "/report.json");
  absl::StatusOr<std::string> text = ReadReport(*options_.packages, key);
  if (!text.ok()) {
    SetStoreError(response, text.status());
    return;
  }
  const nlohmann::json report = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) {
    SetJsonError(response, 500, absl::StatusCode::kDataLoss,
                 absl::StrCat(key, " is not JSON: the package was changed after it was published"));
    return;
  }
  SetJsonBody(response, 200, report);
}

void JobApi::Cancel(const std::string& job_id, httplib::Response& response) {
  std::lock_guard<std::mutex> lock(mutex_);
  SetJobAnswer(response, pipeline::CancelJob(store_, job_id, clock_.Now()));
}

void JobApi::SetJobAnswer(httplib::Response& response,
                          const absl::StatusOr<state::JobRecord>& job) const {
  if (!job.ok()) {
    SetJsonError(response,
                 absl::IsFailedPrecondition(job.status()) ? 409 : HttpStatusOf(job.status()),
                 job.status().code(), job.status().message());
    return;
  }
  SetJsonBody(response, 200, JobBody(*job));
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
    list.push_back(JobBody(*matching[i]));
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
    SetJsonBody(response, 200, JobBody(*job));
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
