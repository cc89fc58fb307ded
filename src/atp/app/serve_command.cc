// `atp serve`: the HTTP side of atp on one machine. Today: health and readiness, the read-only
// job API (server/job_api.h) and the published packages under /out/ (server/
// package_file_handler.h), with --signed-urls protecting them with HMAC token paths.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"
#include "atp/app/job_store_flags.h"
#include "atp/app/key_files.h"
#include "atp/app/notifiers.h"
#include "atp/app/settings.h"
#include "atp/app/stop_signals.h"
#include "atp/app/test_pause.h"
#include "atp/core/clock.h"
#include "atp/core/status_macros.h"
#include "atp/server/http_json.h"
#include "atp/server/inbox.h"
#include "atp/server/inbox_feeder.h"
#include "atp/server/job_api.h"
#include "atp/server/job_service.h"
#include "atp/server/package_file_handler.h"
#include "atp/server/service_metrics.h"
#include "atp/storage/local_blob_store.h"

namespace atp::app {
namespace {

// Requests with a longer body are refused (413) before a handler sees them.
constexpr size_t kMaxRequestBodyBytes = 1 << 20;
// Threads answering HTTP requests: a slow client holds one for up to the read timeout.
constexpr size_t kHttpThreads = 32;
// How long requests in flight may take to finish once atp serve stops.
constexpr absl::Duration kHttpGrace = absl::Seconds(3);
// How far back the jobs-by-state metric counts.
constexpr int kCountedJobs = 100000;

struct ServeFlags {
  JobStoreFlags store;
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path signed_urls;
  std::filesystem::path api_token_file;
  std::filesystem::path input_root;
  std::filesystem::path inbox;
  double settle_quiet_seconds = 5;
  double settle_timeout_seconds = 3600;
  int workers = 1;
  int threads = 0;  // 0: the profile's, else the machine's.
  std::filesystem::path web_root = ATP_WEB_ROOT;
};

// "host:port" (port 0: any free port).
absl::StatusOr<std::pair<std::string, int>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen '", listen, "': expected HOST:PORT, e.g. 127.0.0.1:8080"));
  }
  return std::make_pair(listen.substr(0, colon), port);
}

// Refreshes what the metrics read from the job store at a scrape.
void RefreshJobMetrics(state::JobStore& store, std::mutex& store_mutex,
                       server::ServiceMetrics& metrics) {
  absl::StatusOr<std::vector<state::JobRecord>> jobs;
  {
    std::lock_guard<std::mutex> lock(store_mutex);
    jobs = store.List(kCountedJobs);
  }
  if (!jobs.ok()) return;
  std::map<std::string, int64_t> counts;
  for (const state::JobRecord& job : *jobs) ++counts[std::string(state::JobStateName(job.state))];
  metrics.SetJobsByState(counts);
}

// The hooks that pause a job where the tests ask (test_pause.h).
pipeline::RunHooks TestPauseHooks(const Settings& settings) {
  pipeline::RunHooks hooks;
  if (settings.pause_at_step.empty()) return hooks;
  hooks.step_started = [settings](pipeline::Step step, int /*attempt*/) {
    PauseIfAsked(settings, pipeline::StepName(step));
  };
  hooks.unit_started = [settings](const std::string& unit) {
    PauseIfAsked(settings, "transcode/" + unit);
  };
  hooks.probe_finished = [settings](const std::string& /*probe*/) {
    PauseIfAsked(settings, "plan/per-title");
  };
  return hooks;
}

int Serve(const ServeFlags& flags, const GlobalOptions& global) {
  auto fail = [](const absl::Status& status) {
    std::cerr << "atp serve: " << status.message() << "\n";
    return kExitOtherError;
  };
  const absl::StatusOr<std::pair<std::string, int>> listen = ParseListen(flags.listen);
  if (!listen.ok()) return fail(listen.status());
  absl::StatusOr<Settings> settings = LoadSettings(ReadAtpEnvironment(), global.profile_file);
  if (!settings.ok()) return fail(settings.status());
  server::PackageFileOptions file_options;
  if (!flags.signed_urls.empty()) {
    absl::StatusOr<std::string> key = ReadUrlSigningKey(flags.signed_urls, "--signed-urls");
    if (!key.ok()) return fail(key.status());
    file_options.signing_key = *std::move(key);
  }
  std::optional<std::string> api_token;
  if (!flags.api_token_file.empty()) {
    absl::StatusOr<std::string> token = ReadUrlSigningKey(flags.api_token_file, "--api-token-file");
    if (!token.ok()) return fail(token.status());
    api_token = *std::move(token);
  } else if (const char* token = std::getenv("ATP_API_TOKEN"); token != nullptr && *token) {
    api_token = token;
  }
  if (!flags.inbox.empty() && flags.input_root.empty()) {
    return fail(absl::InvalidArgumentError(
        "--inbox needs --input-root: the folder the manifests' FilePaths are in"));
  }
  std::error_code error;
  if (!flags.input_root.empty() && !std::filesystem::is_directory(flags.input_root, error)) {
    return fail(absl::NotFoundError(
        absl::StrCat("--input-root ", flags.input_root.string(), " is not a folder")));
  }
  // Everything that can fail is opened before the workers start.
  absl::StatusOr<std::unique_ptr<state::JobStore>> jobs = flags.store.Open();
  if (!jobs.ok()) return fail(jobs.status());
  absl::StatusOr<std::unique_ptr<state::JobStore>> metrics_store = flags.store.Open();
  if (!metrics_store.ok()) return fail(metrics_store.status());
  std::filesystem::create_directories(flags.store.out, error);
  absl::StatusOr<std::unique_ptr<storage::BlobStore>> out =
      storage::OpenLocalBlobStore(flags.store.out);
  if (!out.ok()) return fail(out.status());
  absl::StatusOr<std::unique_ptr<server::PackageFileHandler>> files =
      server::PackageFileHandler::Create(**out, RealClock(), file_options);
  if (!files.ok()) return fail(files.status());
  std::unique_ptr<server::Inbox> inbox;
  if (!flags.inbox.empty()) {
    absl::StatusOr<std::unique_ptr<server::Inbox>> opened = server::Inbox::Open(flags.inbox);
    if (!opened.ok()) return fail(opened.status());
    inbox = *std::move(opened);
  }

  InstallStopSignalHandlers();
  server::ServiceMetrics metrics;
  pipeline::RunnerOptions runner;
  runner.callback_notifier = CallbackNotifierFactory(*settings, StoppableClock());
  const JobStoreFlags store_flags = flags.store;
  const Settings worker_settings = *settings;
  // Set while the inbox is fed; the workers tell it of the jobs they are done with. Declared
  // before the service, so it outlives the workers.
  std::atomic<server::InboxFeeder*> inbox_feeder = nullptr;
  server::JobService service(
      {.workers = flags.workers,
       .manifest_dir = store_flags.StateFile().parent_path() / "manifests",
       .input_root = flags.input_root.empty() ? std::filesystem::path()
                                              : std::filesystem::absolute(flags.input_root),
       .out = std::filesystem::absolute(flags.store.out),
       .profile = settings->profile,
       .threads = encode::EncoderThreads(flags.threads, settings->profile),
       .hooks = TestPauseHooks(worker_settings),
       .log = [](std::string_view line) { std::cerr << "atp serve: " << line << std::endl; }},
      [store_flags, worker_settings]() -> absl::StatusOr<server::WorkerResources> {
        ATP_ASSIGN_OR_RETURN(std::unique_ptr<state::JobStore> store, store_flags.Open());
        return server::WorkerResources{
            .store = std::move(store),
            .notifiers = MakeOutcomeNotifiers(worker_settings, std::cerr, StoppableClock())};
      },
      runner, RealClock(), &metrics);
  service.SetJobDoneCallback([&inbox_feeder](const pipeline::RunOutcome& outcome) {
    if (server::InboxFeeder* feeder = inbox_feeder.load(); feeder != nullptr) {
      feeder->JobDone(outcome);
    }
  });

  server::JobApi api(**jobs, RealClock(),
                     {.api_token = api_token,
                      .service = &service,
                      .packages = out->get(),
                      .packages_open = !file_options.signing_key.has_value()});
  std::mutex metrics_store_mutex;
  httplib::Server http;
  http.set_payload_max_length(kMaxRequestBodyBytes);
  http.new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  server::InstallJsonErrorBodies(http);
  api.Install(http);
  (*files)->Install(http);
  server::InstallMetricsRoute(http, metrics, [&] {
    RefreshJobMetrics(**metrics_store, metrics_store_mutex, metrics);
    metrics.SetQueueDepth(service.QueueDepth());
    metrics.SetRunningWorkers(service.BusyWorkers());
  });
  const bool dashboard = std::filesystem::is_regular_file(flags.web_root / "index.html", error);
  if (dashboard) {
    http.set_mount_point("/ui", flags.web_root.string());
    http.Get("/", [](const httplib::Request&, httplib::Response& response) {
      response.set_redirect("/ui/");
    });
  }
  const auto& [host, port] = *listen;
  const int bound =
      port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return fail(absl::UnavailableError(absl::StrCat("cannot listen on ", flags.listen,
                                                    " (in use, or not an address of this host)")));
  }

  if (absl::Status started = service.Start(); !started.ok()) return fail(started);
  std::unique_ptr<server::InboxFeeder> feeder;
  if (inbox != nullptr) {
    feeder = std::make_unique<server::InboxFeeder>(
        std::move(inbox), service, std::filesystem::absolute(flags.input_root),
        server::SettleOptions{.quiet = absl::Seconds(flags.settle_quiet_seconds),
                              .timeout = absl::Seconds(flags.settle_timeout_seconds)},
        StoppableClock(), std::cerr);
    inbox_feeder = feeder.get();
    feeder->Start();
  }
  std::cout << "atp serve: listening on http://" << host << ":" << bound << " (jobs "
            << flags.store.StateFile().string() << ", packages " << flags.store.out.string()
            << (file_options.signing_key ? ", signed URLs only" : "")
            << (flags.input_root.empty() ? ", no deliveries"
                                         : ", deliveries in " + flags.input_root.string())
            << (flags.inbox.empty() ? "" : ", inbox " + flags.inbox.string()) << ", "
            << flags.workers << (flags.workers == 1 ? " worker" : " workers")
            << (dashboard ? ""
                          : ", no dashboard: " + flags.web_root.string() + " has no index.html")
            << ")" << std::endl;
  std::atomic<bool> listening_ended = false;
  std::thread listener([&http, &listening_ended] {
    http.listen_after_bind();
    listening_ended = true;
  });
  // Until SIGTERM or SIGINT. Then the running jobs are asked to stop at once and the server
  // stops listening (stop() is repeated: it does nothing before the server runs); the jobs
  // checkpoint and the workers end; requests in flight get kHttpGrace to finish.
  while (StopSignal() == 0 && !listening_ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const int signal = StopSignal();
  service.RequestStop(signal != 0 ? signal : SIGTERM);
  http.stop();
  if (feeder != nullptr) feeder->Stop();
  service.Drain(signal != 0 ? signal : SIGTERM);
  inbox_feeder = nullptr;
  const absl::Time give_up = absl::Now() + kHttpGrace;
  while (!listening_ended && absl::Now() < give_up) {
    http.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::cout << "atp serve: stopped" << (signal ? " by a stop signal" : "") << std::endl;
  if (!listening_ended) {
    // Connections that stay open past the grace (slow or stalled clients) are cut: the jobs
    // are checkpointed and the stores' transactions committed, so nothing is lost.
    std::cerr << "atp serve: closing connections still open after "
              << absl::FormatDuration(kHttpGrace) << std::endl;
    std::_Exit(kExitOk);
  }
  listener.join();
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* command = app.add_subcommand(
      "serve",
      "Run submitted jobs and serve the job API (/v1/jobs), metrics (/metrics), the dashboard "
      "(/ui/) and the published packages (/out/) over HTTP until SIGTERM or SIGINT");
  flags->store.AddTo(*command);
  command->add_option("--listen", flags->listen, "HOST:PORT to listen on (port 0: any free one)")
      ->capture_default_str();
  command->add_option("--signed-urls", flags->signed_urls,
                      "A key file: serve packages only under /out/t/<token>/ paths made by atp "
                      "sign-url --hmac with the same key");
  command->add_option("--api-token-file", flags->api_token_file,
                      "The bearer token of mutating API calls (else $ATP_API_TOKEN; without "
                      "either, the API is read-only)");
  command->add_option("--input-root", flags->input_root,
                      "Folder the FilePaths of submitted manifests are relative to (without it, "
                      "the server takes no deliveries)");
  command->add_option("--inbox", flags->inbox,
                      "A folder to watch for delivery manifests (needs --input-root); each moves "
                      "to done/ or failed/ when its job ends");
  command
      ->add_option("--settle-quiet", flags->settle_quiet_seconds,
                   "Seconds a mezzanine must keep its declared size before its job starts")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  command
      ->add_option("--settle-timeout", flags->settle_timeout_seconds,
                   "Seconds to wait for a mezzanine to arrive whole before its manifest fails")
      ->check(CLI::Range(1.0, 7.0 * 86400))
      ->capture_default_str();
  command->add_option("--workers", flags->workers, "Jobs run at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command
      ->add_option("--threads", flags->threads,
                   "Encoder threads per job (default: the profile's video.threads, else every "
                   "core)")
      ->check(CLI::Range(1, 256));
  command->add_option("--web-root", flags->web_root, "The dashboard's files, served under /ui/")
      ->capture_default_str();
  command->callback([flags, &global, &exit_code] { exit_code = Serve(*flags, global); });
}

}  // namespace atp::app
