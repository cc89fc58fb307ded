// `atp serve` as a service: real processes over a real job database, asked over HTTP. Jobs
// come in over the API and through the inbox; SIGTERM drains a running job, which a restart
// resumes; metrics are checked by promtool.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "atp/app/exit_codes.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace atp::app {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kToken[] = "serve-test-token-0123456789abcdef";

std::string ReadText(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A connection to 127.0.0.1:`port`.
int ConnectTo(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)!connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  return fd;
}

// A connection that sends the start of a request and then nothing, as a slow or stalled
// client does; its descriptor.
int OpenStalledConnection(int port) {
  const int fd = ConnectTo(port);
  constexpr std::string_view kStart = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  (void)!send(fd, kStart.data(), kStart.size(), MSG_NOSIGNAL);
  return fd;
}

// Sends `request` to 127.0.0.1:`port` in one write; the start of the answer.
std::string RawExchange(int port, const std::string& request) {
  const int fd = ConnectTo(port);
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer(256, '\0');
  const ssize_t got = recv(fd, answer.data(), answer.size(), 0);
  close(fd);
  answer.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return answer;
}

// One `atp serve` process on a free port, its output in `log`.
class Server {
 public:
  Server(const std::string& arguments, const fs::path& log, const std::string& environment = "")
      : log_(log),
        process_(absl::StrCat("env ", environment, " ", ATP_BINARY, " serve --listen 127.0.0.1:0 ",
                              arguments),
                 log) {
    const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    for (int i = 0; i < 400 && port_ == 0; ++i) {
      std::smatch match;
      const std::string text = ReadText(log_);
      if (std::regex_search(text, match, listening)) {
        port_ = std::stoi(match[1]);
      } else {
        absl::SleepFor(absl::Milliseconds(25));
      }
    }
    EXPECT_NE(port_, 0) << ReadText(log_);
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(30, 0);
    return client;
  }

  // The answer's status and JSON body (null when it is not JSON).
  std::pair<int, nlohmann::json> Get(const std::string& path) const {
    httplib::Result result = Client().Get(path);
    if (!result) return {0, nullptr};
    return {result->status, nlohmann::json::parse(result->body, nullptr, false)};
  }
  std::pair<int, nlohmann::json> Post(const std::string& path, const std::string& body,
                                      bool with_token = true) const {
    httplib::Headers headers;
    if (with_token) headers.emplace("Authorization", absl::StrCat("Bearer ", kToken));
    httplib::Result result = Client().Post(path, headers, body, "application/xml");
    if (!result) return {0, nullptr};
    return {result->status, nlohmann::json::parse(result->body, nullptr, false)};
  }

  // Polls the job until `done` says so (at most two minutes); its last JSON.
  nlohmann::json WaitForJob(const std::string& id,
                            const std::function<bool(const nlohmann::json&)>& done) const {
    nlohmann::json job;
    for (int i = 0; i < 1200; ++i) {
      job = Get("/v1/jobs/" + id).second;
      if (done(job)) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return job;
  }

  testing::BackgroundProcess& process() { return process_; }
  int port() const { return port_; }
  std::string log() const { return ReadText(log_); }

 private:
  fs::path log_;
  testing::BackgroundProcess process_;
  int port_ = 0;
};

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A write to a connection the server closed (a refused body) is an error, not a signal.
    std::signal(SIGPIPE, SIG_IGN);
    inputs_ = new testing::TempDir();
    const testing::CommandResult sample = testing::RunCommand(
        absl::StrCat(ATP_BINARY, " sample --out ", inputs_->path().string(),
                     " --duration 2 --size 320x240 --fps 25 --audio ja --codec h264 2>&1"));
    ASSERT_EQ(sample.exit_code, kExitOk) << sample.output;
    manifest_ = new std::string(ReadText(inputs_->path() / "atp-sample-s01e01-sample.xml"));
  }
  static void TearDownTestSuite() {
    delete manifest_;
    delete inputs_;
  }

  void SetUp() override { std::ofstream(dir_.path() / "token") << kToken << "\n"; }

  std::string Arguments() const {
    return absl::StrCat("--out ", (dir_.path() / "out").string(), " --input-root ",
                        inputs_->path().string(), " --api-token-file ",
                        (dir_.path() / "token").string());
  }

  static testing::TempDir* inputs_;
  static std::string* manifest_;
  testing::TempDir dir_;
};
testing::TempDir* ServeTest::inputs_ = nullptr;
std::string* ServeTest::manifest_ = nullptr;

// The API contract, then SIGTERM in the middle of the transcode: the process exits
// within 10 s, the job stays RUNNING with its lease released, and a restart resumes it to
// COMPLETE, journaled as interrupted then done.
TEST_F(ServeTest, ApiSubmissionDrainsOnSigtermAndARestartResumesIt) {
  const fs::path marker = dir_.path() / "paused";
  std::string id;
  {
    Server server(
        Arguments(), dir_.path() / "first.log",
        absl::StrCat("ATP_TEST_PAUSE_AT_STEP=transcode ATP_TEST_PAUSE_MARKER=", marker.string()));
    auto [created_status, created] = server.Post("/v1/jobs", *manifest_);
    ASSERT_EQ(created_status, 201) << created.dump() << server.log();
    id = created["job_id"];
    EXPECT_EQ(created["state"], "RUNNING");
    auto [again_status, again] = server.Post("/v1/jobs", *manifest_);
    EXPECT_EQ(again_status, 200);
    EXPECT_EQ(again["job_id"], id);
    auto [bad_status, bad] = server.Post("/v1/jobs", "<AnimeTranscodeManifest><ManifestId>");
    EXPECT_EQ(bad_status, 400);
    EXPECT_EQ(bad["error"]["code"], "INVALID_ARGUMENT");
    EXPECT_THAT(bad["error"]["message"].get<std::string>(), HasSubstr("not well-formed XML"));
    const std::string invalid =
        absl::StrReplaceAll(*manifest_, {{"<FileSizeBytes>", "<FileSizeBytes>-"}});
    auto [invalid_status, invalid_body] = server.Post("/v1/jobs", invalid);
    EXPECT_EQ(invalid_status, 400);
    EXPECT_THAT(invalid_body["error"]["message"].get<std::string>(), HasSubstr("FileSizeBytes"));
    EXPECT_EQ(server.Post("/v1/jobs", *manifest_, /*with_token=*/false).first, 401);
    EXPECT_EQ(server.Post("/v1/jobs", std::string(2 << 20, 'x')).first, 413);
    EXPECT_EQ(server.Get("/v1/jobs/00000000000000ff").first, 404);
    EXPECT_EQ(server.Post("/v1/jobs/00000000000000ff/retry", "").first, 404);
    EXPECT_EQ(server.Get("/v1/jobs/" + id + "/report").first, 404);

    // Requests are judged on their headers: a form-encoded manifest (what curl sends by
    // default), a chunked body, no token; errors are JSON even for unknown paths.
    httplib::Client client = server.Client();
    const httplib::Headers token = {{"Authorization", absl::StrCat("bearer ", kToken)}};
    httplib::Result form =
        client.Post("/v1/jobs", token, *manifest_, "application/x-www-form-urlencoded");
    ASSERT_TRUE(form);
    EXPECT_EQ(form->status, 415);
    EXPECT_THAT(form->body, HasSubstr("application/xml"));
    // The whole chunked request in one write: the server answers after the headers and closes.
    const std::string chunked =
        absl::StrCat("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ", kToken,
                     "\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n",
                     absl::Hex(manifest_->size()), "\r\n", *manifest_, "\r\n0\r\n\r\n");
    EXPECT_THAT(RawExchange(server.port(), chunked), ::testing::StartsWith("HTTP/1.1 411"));
    httplib::Result unknown = client.Get("/v1/jobs/NOT-AN-ID");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 404);
    EXPECT_EQ(nlohmann::json::parse(unknown->body, nullptr, false)["error"]["code"], "NOT_FOUND");

    for (int i = 0; i < 1200 && !fs::exists(marker); ++i) absl::SleepFor(absl::Milliseconds(50));
    ASSERT_TRUE(fs::exists(marker)) << server.log();
    // Clients that never finish their request do not hold the stop up.
    std::vector<int> stalled;
    for (int i = 0; i < 40; ++i) stalled.push_back(OpenStalledConnection(server.port()));
    const absl::Time signalled = absl::Now();
    server.process().Signal(SIGTERM);
    EXPECT_EQ(server.process().Wait(absl::Seconds(30)), 0) << server.log();
    EXPECT_LT(absl::Now() - signalled, absl::Seconds(10));
    EXPECT_THAT(server.log(), HasSubstr("atp serve: stopped by a stop signal"));
    for (const int fd : stalled) close(fd);
  }
  const testing::CommandResult left = testing::RunCommand(absl::StrCat(
      ATP_BINARY, " status ", id, " --json --out ", (dir_.path() / "out").string(), " 2>&1"));
  const nlohmann::json left_job = nlohmann::json::parse(left.output, nullptr, false);
  EXPECT_EQ(left_job["state"], "RUNNING") << left.output;
  EXPECT_FALSE(left_job.contains("lease")) << left.output;

  Server server(Arguments(), dir_.path() / "second.log");
  const nlohmann::json job =
      server.WaitForJob(id, [](const nlohmann::json& job) { return job["state"] != "RUNNING"; });
  ASSERT_EQ(job["state"], "COMPLETE") << job.dump() << server.log();
  EXPECT_EQ(job["run"], 1);
  EXPECT_EQ(
      job["package"],
      absl::StrCat("/out",
                   job["output"].get<std::string>().substr((dir_.path() / "out").string().size()),
                   "/"));
  std::vector<std::string> transcode;
  const nlohmann::json journal = server.Get("/v1/jobs/" + id + "/events").second;
  for (const nlohmann::json& event : journal["events"]) {
    if (event["step"] == "transcode" && event["kind"] == "end")
      transcode.push_back(event["outcome"]);
  }
  EXPECT_THAT(transcode, ::testing::ElementsAre("INTERRUPTED", "OK"));
  auto [report_status, report] = server.Get("/v1/jobs/" + id + "/report");
  EXPECT_EQ(report_status, 200);
  EXPECT_TRUE(report["validation"]["ok"].get<bool>()) << report.dump();
  EXPECT_FALSE(report["renditions"].empty());
  EXPECT_EQ(server.Post("/v1/jobs/" + id + "/retry", "").first, 409);
  httplib::Result master = server.Client().Get(job["package"].get<std::string>() + "master.m3u8");
  ASSERT_TRUE(master);
  EXPECT_EQ(master->status, 200);

  // The metrics, as Prometheus reads them.
  httplib::Result metrics = server.Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("atp_jobs{state=\"COMPLETE\"} 1"));
  EXPECT_THAT(metrics->body,
              HasSubstr("atp_step_attempts_total{outcome=\"OK\",step=\"transcode\"} 1"));
  const fs::path scraped = dir_.path() / "metrics.txt";
  std::ofstream(scraped) << metrics->body;
  const testing::CommandResult promtool =
      testing::RunCommand("promtool check metrics < " + scraped.string() + " 2>&1");
  EXPECT_EQ(promtool.exit_code, 0) << promtool.output;
  server.process().Signal(SIGTERM);
  EXPECT_EQ(server.process().Wait(absl::Seconds(30)), 0);
}

// The inbox: a whole delivery goes to done/ once its job is COMPLETE; a manifest that is not
// one, and one whose mezzanine never arrives whole, go to failed/ with the reason beside them;
// a duplicate is answered by the job it duplicates.
TEST_F(ServeTest, InboxManifestsEndInDoneOrFailedWithTheReason) {
  const fs::path inbox = dir_.path() / "inbox";
  fs::create_directories(inbox);
  std::ofstream(inbox / "broken.xml") << "<AnimeTranscodeManifest>";
  Server server(absl::StrCat(Arguments(), " --inbox ", inbox.string(),
                             " --settle-quiet 0.2 --settle-timeout 2"),
                dir_.path() / "serve.log");
  // Written beside the inbox, then renamed in, as an upload tool does.
  std::ofstream(dir_.path() / "good.xml") << *manifest_;
  fs::rename(dir_.path() / "good.xml", inbox / "good.xml");
  const std::string short_mezzanine =
      absl::StrReplaceAll(*manifest_, {{"<ManifestId>atp-sample-s01e01", "<ManifestId>short"},
                                       {"<FileSizeBytes>", "<FileSizeBytes>1"}});
  std::ofstream(inbox / "short.xml") << short_mezzanine;

  for (int i = 0; i < 1200 && !(fs::exists(inbox / "done/good.xml") &&
                                fs::exists(inbox / "failed/short.xml.txt"));
       ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(fs::exists(inbox / "done/good.xml")) << server.log();
  EXPECT_THAT(ReadText(inbox / "done/good.xml.txt"), HasSubstr("COMPLETE"));
  EXPECT_THAT(ReadText(inbox / "failed/broken.xml.txt"), HasSubstr("not well-formed XML"));
  EXPECT_THAT(ReadText(inbox / "failed/short.xml.txt"),
              HasSubstr("bytes after 2s: the delivery is incomplete"));
  EXPECT_FALSE(fs::exists(inbox / "good.xml"));

  // The same delivery again, now that its job is COMPLETE: moved to done/ at once, beside the
  // first, naming the same job.
  std::ofstream(dir_.path() / "again.xml") << *manifest_;
  fs::rename(dir_.path() / "again.xml", inbox / "good.xml");
  std::vector<fs::path> notes;
  for (int i = 0; i < 200 && notes.size() < 2; ++i) {
    notes.clear();
    for (const auto& entry : fs::directory_iterator(inbox / "done")) {
      if (entry.path().extension() == ".txt") notes.push_back(entry.path());
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(notes.size(), 2u) << server.log();
  EXPECT_EQ(ReadText(notes[0]), ReadText(notes[1]));
  auto [status, list] = server.Get("/v1/jobs");
  EXPECT_EQ(list["jobs"].size(), 1u);
  httplib::Result metrics = server.Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body,
              HasSubstr("atp_jobs_submitted_total{result=\"existing\",source=\"inbox\"} 1"));
}

// The browser test: a sample submitted through the API, followed on the dashboard in
// Debian's Chromium until COMPLETE, then played there with hls.js and with dash.js, every video
// rendition selected in turn and decoded at its size (web/dashboard/dashboard-check.mjs).
// Screenshots go to the build's test-artifacts folder.
TEST_F(ServeTest, DashboardFollowsASubmittedJobAndPlaysEveryRenditionInBothPlayers) {
  testing::TempDir inputs;
  const testing::CommandResult sample = testing::RunCommand(
      absl::StrCat(ATP_BINARY, " sample --out ", inputs.path().string(),
                   " --duration 10 --size 854x480 --fps 25 --audio ja,en --codec h264 2>&1"));
  ASSERT_EQ(sample.exit_code, kExitOk) << sample.output;
  Server server(
      absl::StrCat("--out ", (dir_.path() / "out").string(), " --input-root ",
                   inputs.path().string(), " --api-token-file ", (dir_.path() / "token").string()),
      dir_.path() / "serve.log");
  auto [status, job] =
      server.Post("/v1/jobs", ReadText(inputs.path() / "atp-sample-s01e01-sample.xml"));
  ASSERT_EQ(status, 201) << job.dump() << server.log();
  const std::string id = job["job_id"];

  const fs::path artifacts = fs::path(ATP_ARTIFACT_DIR);
  fs::create_directories(artifacts);
  const fs::path stderr_file = dir_.path() / "dashboard-check.stderr";
  const testing::CommandResult checked = testing::RunCommand(absl::StrCat(
      "node ", ATP_DASHBOARD_CHECK, " --url http://127.0.0.1:", server.port(), "/ --job ", id,
      " --expect-state COMPLETE --players hls,dash --play-seconds 2 --timeout-seconds 240",
      " --screenshot-prefix ", (artifacts / "ServeTest.Dashboard").string(), " 2>",
      stderr_file.string()));
  const nlohmann::json report = nlohmann::json::parse(checked.output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << checked.output << ReadText(stderr_file) << server.log();
  EXPECT_EQ(checked.exit_code, 0) << report.dump(2);
  EXPECT_TRUE(report.value("ok", false)) << report["failures"].dump(2);
  EXPECT_EQ(report["job"]["state"], "COMPLETE");
  ASSERT_EQ(report["players"].size(), 2u) << report.dump(2);
  for (const nlohmann::json& player : report["players"]) {
    SCOPED_TRACE(player.value("player", ""));
    EXPECT_TRUE(player.value("available", false));
    EXPECT_GE(player.value("advanced_seconds", 0.0), 2.0);
    EXPECT_TRUE(player["errors"].empty()) << player["errors"].dump();
    // 854x480 makes the 480- and 360-line rungs.
    ASSERT_EQ(player["renditions"].size(), 2u) << player.dump(2);
    for (const nlohmann::json& rendition : player["renditions"]) {
      EXPECT_TRUE(rendition.value("ok", false)) << rendition.dump();
      EXPECT_TRUE(rendition.value("size_matches", false)) << rendition.dump();
      EXPECT_TRUE(rendition.value("played", false)) << rendition.dump();
    }
    EXPECT_TRUE(fs::exists(player.value("screenshot", ""))) << player.dump();
  }
  EXPECT_TRUE(report["page_errors"].empty()) << report["page_errors"].dump();
}

}  // namespace
}  // namespace atp::app
