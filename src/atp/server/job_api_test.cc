#include "atp/server/job_api.h"

#include <memory>
#include <optional>
#include <thread>

#include "absl/time/clock.h"
#include "atp/core/clock.h"
#include "atp/state/sqlite_job_store.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace atp::server {
namespace {

// The API over a real SQLite job store holding three jobs, served by a real httplib server on
// 127.0.0.1.
class JobApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, state::OpenSqliteJobStore(dir_.path() / "jobs.db"));
    for (int i = 1; i <= 3; ++i) {
      const state::NewJob job{.job_id = std::string(15, '0') + std::to_string(i),
                              .job_key = std::string(63, 'a') + std::to_string(i),
                              .manifest_id = "show-s01e0" + std::to_string(i)};
      ASSERT_OK(store_
                    ->Reserve(job, absl::Now() + absl::Seconds(i),
                              {{.step = "ingest", .kind = "start"},
                               {.step = "ingest", .kind = "end", .outcome = "OK"}})
                    .status());
    }
    api_ = std::make_unique<JobApi>(*store_, RealClock(), JobApiOptions{.api_token = token_});
    api_->Install(server_);
    const int port = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // GET `path`: the status and the parsed JSON body.
  std::pair<int, nlohmann::json> Get(const std::string& path) {
    const httplib::Result result = client_->Get(path);
    if (!result) return {0, nullptr};
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/json") << path;
    return {result->status, nlohmann::json::parse(result->body, nullptr, false)};
  }

  // POST with `token` as the bearer token (none when empty).
  std::pair<int, nlohmann::json> Post(const std::string& path, const std::string& token) {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    const httplib::Result result = client_->Post(path, headers, "", "application/json");
    if (!result) return {0, nullptr};
    return {result->status, nlohmann::json::parse(result->body, nullptr, false)};
  }

  std::optional<std::string> token_ = "s3cr3t-api-token-0123456789";
  testing::TempDir dir_;
  std::unique_ptr<state::JobStore> store_;
  std::unique_ptr<JobApi> api_;
  httplib::Server server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(JobApiTest, HealthAndReadiness) {
  EXPECT_EQ(Get("/healthz"), (std::pair<int, nlohmann::json>{200, {{"ok", true}}}));
  EXPECT_EQ(Get("/readyz"), (std::pair<int, nlohmann::json>{200, {{"ready", true}}}));
}

// Newest first, paged with next_offset, filtered by state.
TEST_F(JobApiTest, ListsJobsNewestFirstInPages) {
  auto [status, page] = Get("/v1/jobs?limit=2");
  ASSERT_EQ(status, 200);
  ASSERT_EQ(page["jobs"].size(), 2u);
  EXPECT_EQ(page["jobs"][0]["manifest_id"], "show-s01e03");
  EXPECT_EQ(page["jobs"][0]["state"], "RUNNING");
  EXPECT_EQ(page["next_offset"], 2);
  std::tie(status, page) = Get("/v1/jobs?limit=2&offset=2");
  ASSERT_EQ(page["jobs"].size(), 1u);
  EXPECT_EQ(page["jobs"][0]["manifest_id"], "show-s01e01");
  EXPECT_TRUE(page["next_offset"].is_null());
  std::tie(status, page) = Get("/v1/jobs?state=COMPLETE");
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(page["jobs"].empty());
}

TEST_F(JobApiTest, OneJobAndItsJournal) {
  auto [status, job] = Get("/v1/jobs/0000000000000002");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(job["manifest_id"], "show-s01e02");
  auto [events_status, journal] = Get("/v1/jobs/0000000000000002/events");
  ASSERT_EQ(events_status, 200);
  ASSERT_EQ(journal["events"].size(), 2u);
  EXPECT_EQ(journal["events"][1]["outcome"], "OK");
  EXPECT_TRUE(journal["deliveries"].empty());
}

// Errors are JSON with the code a client can act on.
TEST_F(JobApiTest, UnknownJobsAndBadParametersAreJsonErrors) {
  auto [status, body] = Get("/v1/jobs/00000000000000ff");
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body["error"]["code"], "NOT_FOUND");
  std::tie(status, body) = Get("/v1/jobs?state=DONE");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"]["code"], "INVALID_ARGUMENT");
  EXPECT_THAT(body["error"]["message"].get<std::string>(), ::testing::HasSubstr("'DONE'"));
  std::tie(status, body) = Get("/v1/jobs?limit=0");
  EXPECT_EQ(status, 400);
  std::tie(status, body) = Get("/v1/jobs?offset=-1");
  EXPECT_EQ(status, 400);
}

// Cancel needs the bearer token: 401 without it or with another; with it a job no process
// holds is CANCELLED at once, and cancelling it again is a conflict.
TEST_F(JobApiTest, CancelNeedsTheBearerToken) {
  const std::string path = "/v1/jobs/0000000000000001/cancel";
  auto [status, body] = Post(path, "");
  EXPECT_EQ(status, 401);
  EXPECT_EQ(body["error"]["code"], "UNAUTHENTICATED");
  std::tie(status, body) = Post(path, "s3cr3t-api-token-012345678X");
  EXPECT_EQ(status, 401);
  std::tie(status, body) = Post(path, *token_ + "0");
  EXPECT_EQ(status, 401);
  std::tie(status, body) = Post(path, *token_);
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["state"], "CANCELLED");
  EXPECT_EQ(Get("/v1/jobs/0000000000000001").second["state"], "CANCELLED");
  std::tie(status, body) = Post(path, *token_);
  EXPECT_EQ(status, 409);
  std::tie(status, body) = Post("/v1/jobs/00000000000000ff/cancel", *token_);
  EXPECT_EQ(status, 404);
}

class JobApiWithoutTokenTest : public JobApiTest {
 protected:
  JobApiWithoutTokenTest() { token_.reset(); }
};

TEST_F(JobApiWithoutTokenTest, TakesNoMutatingCall) {
  auto [status, body] = Post("/v1/jobs/0000000000000001/cancel", "anything");
  EXPECT_EQ(status, 403);
  EXPECT_EQ(body["error"]["code"], "PERMISSION_DENIED");
  EXPECT_EQ(Get("/v1/jobs/0000000000000001").second["state"], "RUNNING");
}

}  // namespace
}  // namespace atp::server
