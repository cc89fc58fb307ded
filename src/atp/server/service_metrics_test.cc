#include "atp/server/service_metrics.h"

#include <atomic>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace atp::server {
namespace {

using ::testing::Contains;
using ::testing::IsSupersetOf;
using ::testing::Not;

// The lines of `metrics`' scrape.
std::vector<std::string> ScrapeLines(const ServiceMetrics& metrics) {
  return absl::StrSplit(metrics.Scrape(), '\n', absl::SkipEmpty());
}

// Metrics with a sample in every family and every label of each.
void RecordOneOfEach(ServiceMetrics& metrics) {
  metrics.SetJobsByState({{"RUNNING", 2}, {"COMPLETE", 5}});
  metrics.SetQueueDepth(3);
  metrics.SetRunningWorkers(1);
  metrics.ObserveStep("transcode", "OK", 1800.5);
  metrics.ObserveStep("verify", "UNAVAILABLE", 0.25);
  metrics.CountRetry("verify", "UNAVAILABLE");
  metrics.SetEncodeFramesPerSecond(97.5);
  metrics.AddBytesRead(1 << 20);
  metrics.AddBytesWritten(4096);
  metrics.CountNotificationFailure("webhook");
  metrics.CountLeaseExpiry();
  metrics.CountJobSubmitted("inbox", /*created=*/true);
}

// The metric families named by the "# TYPE" lines of a scrape.
std::set<std::string> FamilyNames(const std::vector<std::string>& lines) {
  std::set<std::string> names;
  for (const std::string& line : lines) {
    if (line.starts_with("# TYPE ")) {
      names.insert(std::vector<std::string>(absl::StrSplit(line, ' '))[2]);
    }
  }
  return names;
}

// Series name (atp_step_duration_seconds_bucket) -> the label names of its samples in a scrape.
std::map<std::string, std::set<std::string>> LabelNamesBySeriesName(
    const std::vector<std::string>& lines) {
  const std::regex sample(R"(^([a-z_:][a-z0-9_:]*)(\{(.*)\})? \S+$)");
  const std::regex label(R"(([a-z_][a-z0-9_]*)=\")");
  std::map<std::string, std::set<std::string>> labels_of;
  for (const std::string& line : lines) {
    std::smatch match;
    if (line.starts_with("#") || !std::regex_match(line, match, sample)) continue;
    std::set<std::string>& names = labels_of[match[1]];
    const std::string labels = match[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), label), end; it != end; ++it) {
      names.insert((*it)[1]);
    }
  }
  return labels_of;
}

TEST(ServiceMetrics, UnlabelledAndKnownSeriesAreExposedFromTheStart) {
  ServiceMetrics metrics;
  EXPECT_THAT(ScrapeLines(metrics),
              IsSupersetOf({
                  "# HELP atp_queue_depth Jobs submitted and waiting for a worker.",
                  "# TYPE atp_queue_depth gauge",
                  "atp_queue_depth 0",
                  "atp_workers_busy 0",
                  "atp_encode_frames_per_second 0",
                  "# TYPE atp_read_bytes_total counter",
                  "atp_read_bytes_total 0",
                  "atp_written_bytes_total 0",
                  "atp_lease_expiries_total 0",
                  "atp_jobs{state=\"RUNNING\"} 0",
                  "atp_jobs{state=\"COMPLETE\"} 0",
                  "atp_jobs{state=\"FAILED\"} 0",
                  "atp_jobs{state=\"CANCELLED\"} 0",
                  "atp_notification_failures_total{destination=\"webhook\"} 0",
                  "atp_notification_failures_total{destination=\"callback\"} 0",
                  "atp_notification_failures_total{destination=\"log\"} 0",
                  "atp_jobs_submitted_total{result=\"created\",source=\"api\"} 0",
                  "atp_jobs_submitted_total{result=\"existing\",source=\"api\"} 0",
                  "atp_jobs_submitted_total{result=\"created\",source=\"inbox\"} 0",
                  "atp_jobs_submitted_total{result=\"existing\",source=\"inbox\"} 0",
              }));
}

// All twelve families, each with a HELP line that says something.
TEST(ServiceMetrics, EveryFamilyHasItsHelp) {
  ServiceMetrics metrics;
  RecordOneOfEach(metrics);
  const std::vector<std::string> lines = ScrapeLines(metrics);
  const std::set<std::string> families = FamilyNames(lines);
  EXPECT_EQ(families.size(), 12u);
  for (const std::string& name : families) {
    EXPECT_THAT(lines, Contains(::testing::MatchesRegex("# HELP " + name + " [A-Z].{20,}\\.")))
        << name;
  }
}

TEST(ServiceMetrics, RecordsWhatItIsTold) {
  ServiceMetrics metrics;
  metrics.SetQueueDepth(7);
  metrics.SetRunningWorkers(2);
  metrics.CountRetry("verify", "UNAVAILABLE");
  metrics.CountRetry("verify", "UNAVAILABLE");
  metrics.CountRetry("transcode", "RESOURCE_EXHAUSTED");
  metrics.ObserveStep("verify", "UNAVAILABLE", 0.5);
  metrics.ObserveStep("verify", "OK", 2.0);
  metrics.SetEncodeFramesPerSecond(120.25);
  metrics.AddBytesRead(1000);
  metrics.AddBytesRead(234);
  metrics.AddBytesRead(-5);  // Adds nothing.
  metrics.AddBytesWritten(1 << 30);
  metrics.CountNotificationFailure("callback");
  metrics.CountLeaseExpiry();
  metrics.CountJobSubmitted("api", /*created=*/true);
  metrics.CountJobSubmitted("api", /*created=*/false);
  metrics.CountJobSubmitted("api", /*created=*/false);
  EXPECT_THAT(ScrapeLines(metrics),
              IsSupersetOf({
                  "atp_queue_depth 7",
                  "atp_workers_busy 2",
                  "atp_step_retries_total{code=\"UNAVAILABLE\",step=\"verify\"} 2",
                  "atp_step_retries_total{code=\"RESOURCE_EXHAUSTED\",step=\"transcode\"} 1",
                  "atp_step_attempts_total{outcome=\"UNAVAILABLE\",step=\"verify\"} 1",
                  "atp_step_attempts_total{outcome=\"OK\",step=\"verify\"} 1",
                  "atp_encode_frames_per_second 120.25",
                  "atp_read_bytes_total 1234",
                  "atp_written_bytes_total 1073741824",
                  "atp_notification_failures_total{destination=\"callback\"} 1",
                  "atp_notification_failures_total{destination=\"webhook\"} 0",
                  "atp_lease_expiries_total 1",
                  "atp_jobs_submitted_total{result=\"created\",source=\"api\"} 1",
                  "atp_jobs_submitted_total{result=\"existing\",source=\"api\"} 2",
              }));
}

// Buckets double from 0.01 s to past 12 h; counts are cumulative.
TEST(ServiceMetrics, StepDurationsFallIntoDoublingBuckets) {
  ServiceMetrics metrics;
  for (double seconds : {0.005, 0.01, 0.3, 0.3, 30.0, 12 * 3600.0, 30 * 3600.0}) {
    metrics.ObserveStep("transcode", "OK", seconds);
  }
  const std::vector<std::string> lines = ScrapeLines(metrics);
  auto bucket = [](const std::string& le, int count) {
    return absl::StrCat("atp_step_duration_seconds_bucket{step=\"transcode\",le=\"", le, "\"} ",
                        count);
  };
  EXPECT_THAT(lines, IsSupersetOf(std::vector<std::string>{
                         "# TYPE atp_step_duration_seconds histogram",
                         bucket("0.01", 2),
                         bucket("0.02", 2),
                         bucket("0.16", 2),
                         bucket("0.32", 4),
                         bucket("20.48", 4),
                         bucket("40.96", 5),
                         bucket("41943.04", 5),
                         bucket("83886.08", 6),
                         bucket("+Inf", 7),
                         "atp_step_duration_seconds_count{step=\"transcode\"} 7",
                         "atp_step_duration_seconds_sum{step=\"transcode\"} 151230.615",
                     }));
  int buckets = 0;
  for (const std::string& line : lines) {
    buckets += line.starts_with("atp_step_duration_seconds_bucket{") ? 1 : 0;
  }
  EXPECT_EQ(buckets, 25);  // 24 bounds and +Inf.
}

TEST(ServiceMetrics, SetJobsByStateZeroesTheStatesItIsNotGiven) {
  ServiceMetrics metrics;
  metrics.SetJobsByState({{"RUNNING", 3}, {"FAILED", 1}, {"PAUSED", 4}});
  EXPECT_THAT(ScrapeLines(metrics), IsSupersetOf({
                                        "atp_jobs{state=\"RUNNING\"} 3",
                                        "atp_jobs{state=\"COMPLETE\"} 0",
                                        "atp_jobs{state=\"FAILED\"} 1",
                                        "atp_jobs{state=\"CANCELLED\"} 0",
                                        "atp_jobs{state=\"PAUSED\"} 4",
                                    }));
  metrics.SetJobsByState({{"COMPLETE", 9}});
  const std::vector<std::string> lines = ScrapeLines(metrics);
  EXPECT_THAT(lines, IsSupersetOf({
                         "atp_jobs{state=\"RUNNING\"} 0",
                         "atp_jobs{state=\"COMPLETE\"} 9",
                         "atp_jobs{state=\"FAILED\"} 0",
                         "atp_jobs{state=\"CANCELLED\"} 0",
                         "atp_jobs{state=\"PAUSED\"} 0",
                     }));
  EXPECT_THAT(lines, Not(Contains("atp_jobs{state=\"RUNNING\"} 3")));
}

// Eight threads count into the same series, new and existing, while others scrape: no count is
// lost.
TEST(ServiceMetrics, CountsFromManyThreadsAreExact) {
  constexpr int kThreads = 8;
  constexpr int kEach = 5000;
  ServiceMetrics metrics;
  std::atomic<bool> counting = true;
  std::thread scraper([&] {
    while (counting) EXPECT_FALSE(metrics.Scrape().empty());
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kEach; ++i) {
        metrics.CountRetry("verify", "UNAVAILABLE");
        metrics.ObserveStep("verify", "OK", 0.5);
        metrics.AddBytesRead(3);
        metrics.CountLeaseExpiry();
        metrics.CountJobSubmitted(t % 2 == 0 ? "api" : "inbox", /*created=*/false);
        metrics.SetJobsByState({{"RUNNING", i}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  counting = false;
  scraper.join();
  const int total = kThreads * kEach;
  EXPECT_THAT(
      ScrapeLines(metrics),
      IsSupersetOf({
          absl::StrCat("atp_step_retries_total{code=\"UNAVAILABLE\",step=\"verify\"} ", total),
          absl::StrCat("atp_step_attempts_total{outcome=\"OK\",step=\"verify\"} ", total),
          absl::StrCat("atp_step_duration_seconds_count{step=\"verify\"} ", total),
          absl::StrCat("atp_step_duration_seconds_bucket{step=\"verify\",le=\"0.64\"} ", total),
          absl::StrCat("atp_read_bytes_total ", 3 * total),
          absl::StrCat("atp_lease_expiries_total ", total),
          absl::StrCat("atp_jobs_submitted_total{result=\"existing\",source=\"api\"} ", total / 2),
          absl::StrCat("atp_jobs_submitted_total{result=\"existing\",source=\"inbox\"} ",
                       total / 2),
          absl::StrCat("atp_jobs{state=\"RUNNING\"} ", kEach - 1),
      }));
}

// GET /metrics over a real httplib server on 127.0.0.1.
class ServiceMetricsRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InstallMetricsRoute(server_, metrics_, [this] {
      const int scrapes = ++scrapes_;
      metrics_.SetJobsByState({{"COMPLETE", scrapes}});
    });
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

  ServiceMetrics metrics_;
  std::atomic<int> scrapes_ = 0;
  httplib::Server server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServiceMetricsRouteTest, AnswersTheExpositionAfterCallingBeforeScrape) {
  metrics_.CountRetry("publish", "UNAVAILABLE");
  for (int i = 1; i <= 2; ++i) {
    const httplib::Result result = client_->Get("/metrics");
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(scrapes_, i);
    const std::vector<std::string> lines = absl::StrSplit(result->body, '\n', absl::SkipEmpty());
    EXPECT_THAT(lines, IsSupersetOf(std::vector<std::string>{
                           absl::StrCat("atp_jobs{state=\"COMPLETE\"} ", i),
                           "atp_step_retries_total{code=\"UNAVAILABLE\",step=\"publish\"} 1"}));
  }
  const httplib::Result posted = client_->Post("/metrics", "", "text/plain");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 404);
}

TEST(ServiceMetricsRoute, AnswersWithoutABeforeScrape) {
  ServiceMetrics metrics;
  httplib::Server server;
  InstallMetricsRoute(server, metrics, nullptr);
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread thread([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();
  const httplib::Result result = httplib::Client("127.0.0.1", port).Get("/metrics");
  server.stop();
  thread.join();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_THAT(result->body, ::testing::HasSubstr("\natp_queue_depth 0\n"));
}

// Prometheus' own checker (promtool, from Debian's prometheus package; scripts/install-deps)
// accepts the exposition, lint included.
TEST(ServiceMetricsPromtool, ChecksTheExposition) {
  if (testing::RunCommand("command -v promtool >/dev/null").exit_code != 0) {
    GTEST_SKIP() << "promtool is not installed (scripts/install-deps installs it)";
  }
  ServiceMetrics metrics;
  RecordOneOfEach(metrics);
  metrics.ObserveStep("notify", "DEADLINE_EXCEEDED", 30.0);
  testing::TempDir dir;
  const std::filesystem::path scrape = dir.WriteFile("metrics.txt", metrics.Scrape());
  const testing::CommandResult checked =
      testing::RunCommand("promtool check metrics < '" + scrape.string() + "' 2>&1");
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
}

// One query of deploy/grafana-dashboard.json.
struct DashboardQuery {
  std::string where;  // "panel 'Title'" or "variable 'name'".
  std::string expr;
};

// The dashboard, and its queries: every target of every panel (rows included) and every
// query variable. Fails the test when the file is not JSON.
void ReadDashboard(nlohmann::json& dashboard, std::vector<DashboardQuery>& queries) {
  const std::string text = testing::ReadFile(ATP_GRAFANA_DASHBOARD);
  ASSERT_FALSE(text.empty()) << ATP_GRAFANA_DASHBOARD;
  dashboard = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(dashboard.is_discarded()) << ATP_GRAFANA_DASHBOARD << " is not JSON";
  std::vector<nlohmann::json> panels(dashboard["panels"].begin(), dashboard["panels"].end());
  for (size_t i = 0; i < panels.size(); ++i) {
    const nlohmann::json panel = panels[i];  // A copy: the insert below may move panels[i].
    if (panel.contains("panels")) {          // A collapsed row holds its panels.
      panels.insert(panels.end(), panel["panels"].begin(), panel["panels"].end());
    }
    if (panel.value("type", "") == "row") continue;
    const std::string where = "panel '" + panel.value("title", "") + "'";
    EXPECT_EQ(panel["datasource"]["uid"], "${DS_PROMETHEUS}") << where;
    EXPECT_FALSE(panel.value("targets", nlohmann::json::array()).empty()) << where;
    for (const nlohmann::json& target : panel.value("targets", nlohmann::json::array())) {
      queries.push_back({where, target.value("expr", "")});
    }
  }
  for (const nlohmann::json& variable : dashboard["templating"]["list"]) {
    if (variable.value("type", "") == "query") {
      queries.push_back(
          {"variable '" + variable.value("name", "") + "'", variable.value("definition", "")});
    }
  }
}

// deploy/grafana-dashboard.json asks only for series and labels ServiceMetrics exports, and
// shows every metric family, so that the dashboard cannot drift from the code.
TEST(ServiceMetricsDashboard, QueriesOnlyAndAllExportedMetrics) {
  nlohmann::json dashboard;
  std::vector<DashboardQuery> queries;
  ASSERT_NO_FATAL_FAILURE(ReadDashboard(dashboard, queries));
  ASSERT_FALSE(queries.empty());
  EXPECT_EQ(dashboard["__inputs"][0]["name"], "DS_PROMETHEUS");

  ServiceMetrics metrics;
  RecordOneOfEach(metrics);
  const std::vector<std::string> lines = ScrapeLines(metrics);
  const std::set<std::string> families = FamilyNames(lines);
  std::map<std::string, std::set<std::string>> labels_of = LabelNamesBySeriesName(lines);
  ASSERT_EQ(families.size(), 12u);

  std::set<std::string> used;
  const std::regex metric_name(R"(\batp_[a-z0-9_]+)");
  const std::regex grouping(R"(\b(?:by|without)\s*\(([^)]*)\))");
  for (const auto& [where, expr] : queries) {
    std::set<std::string> labels = {"le"};
    bool names_one = false;
    for (std::sregex_iterator it(expr.begin(), expr.end(), metric_name), end; it != end; ++it) {
      const std::string name = (*it)[0];
      names_one = true;
      EXPECT_TRUE(labels_of.contains(name)) << where << ": " << name << " is not exported";
      labels.insert(labels_of[name].begin(), labels_of[name].end());
      for (const std::string& family : families) {
        for (const char* suffix : {"", "_bucket", "_sum", "_count"}) {
          if (name == family + suffix) used.insert(family);
        }
      }
    }
    EXPECT_TRUE(names_one) << where << " names no atp_ metric: " << expr;
    for (std::sregex_iterator it(expr.begin(), expr.end(), grouping), end; it != end; ++it) {
      const std::string grouped = (*it)[1];
      for (absl::string_view label : absl::StrSplit(grouped, ',', absl::SkipWhitespace())) {
        label = absl::StripAsciiWhitespace(label);
        EXPECT_TRUE(labels.contains(std::string(label)))
            << where << ": groups by '" << label << "', a label its metrics do not have";
      }
    }
  }
  EXPECT_EQ(used, families) << "a metric without a panel";
}

// Every panel query is PromQL that Prometheus parses: promtool checks them as recording rules,
// with Grafana's variables replaced.
TEST(ServiceMetricsDashboard, QueriesParseAsPromQl) {
  if (testing::RunCommand("command -v promtool >/dev/null").exit_code != 0) {
    GTEST_SKIP() << "promtool is not installed (scripts/install-deps installs it)";
  }
  nlohmann::json dashboard;
  std::vector<DashboardQuery> queries;
  ASSERT_NO_FATAL_FAILURE(ReadDashboard(dashboard, queries));
  std::string rules = "groups:\n  - name: dashboard\n    rules:\n";
  int count = 0;
  for (const auto& [where, expr] : queries) {
    if (where.starts_with("variable")) continue;  // label_values() is Grafana's, not PromQL.
    std::string promql =
        absl::StrReplaceAll(expr, {{"$__rate_interval", "5m"}, {"$instance", ".*"}, {"'", "''"}});
    absl::StrAppend(&rules, "      - record: dashboard:query_", ++count, "\n", "        expr: '",
                    promql, "'\n");
  }
  ASSERT_GT(count, 0);
  testing::TempDir dir;
  const std::filesystem::path file = dir.WriteFile("rules.yml", rules);
  const testing::CommandResult checked =
      testing::RunCommand("promtool check rules '" + file.string() + "' 2>&1");
  EXPECT_EQ(checked.exit_code, 0) << checked.output << rules;
}

}  // namespace
}  // namespace atp::server
