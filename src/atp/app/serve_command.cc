// `atp serve`: the HTTP side of atp on one machine. Today: health and readiness, the read-only
// job API (server/job_api.h) and the published packages under /out/ (server/
// package_file_handler.h), with --signed-urls protecting them with HMAC token paths.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"
#include "atp/app/job_store_flags.h"
#include "atp/app/key_files.h"
#include "atp/app/stop_signals.h"
#include "atp/core/clock.h"
#include "atp/server/job_api.h"
#include "atp/server/package_file_handler.h"
#include "atp/storage/local_blob_store.h"

namespace atp::app {
namespace {

// Requests with a longer body are refused (413) before a handler sees them.
constexpr size_t kMaxRequestBodyBytes = 1 << 20;

struct ServeFlags {
  JobStoreFlags store;
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path signed_urls;
  std::filesystem::path api_token_file;
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

int Serve(const ServeFlags& flags) {
  auto fail = [](const absl::Status& status) {
    std::cerr << "atp serve: " << status.message() << "\n";
    return kExitOtherError;
  };
  const absl::StatusOr<std::pair<std::string, int>> listen = ParseListen(flags.listen);
  if (!listen.ok()) return fail(listen.status());
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
  absl::StatusOr<std::unique_ptr<state::JobStore>> jobs = flags.store.Open();
  if (!jobs.ok()) return fail(jobs.status());
  std::error_code error;
  std::filesystem::create_directories(flags.store.out, error);
  absl::StatusOr<std::unique_ptr<storage::BlobStore>> out =
      storage::OpenLocalBlobStore(flags.store.out);
  if (!out.ok()) return fail(out.status());
  absl::StatusOr<std::unique_ptr<server::PackageFileHandler>> files =
      server::PackageFileHandler::Create(**out, RealClock(), file_options);
  if (!files.ok()) return fail(files.status());
  server::JobApi api(**jobs, RealClock(), api_token);

  httplib::Server http;
  http.set_payload_max_length(kMaxRequestBodyBytes);
  api.Install(http);
  (*files)->Install(http);
  const auto& [host, port] = *listen;
  const int bound =
      port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return fail(absl::UnavailableError(absl::StrCat("cannot listen on ", flags.listen,
                                                    " (in use, or not an address of this host)")));
  }
  InstallStopSignalHandlers();
  // Stops the server at the first SIGTERM or SIGINT: the requests in flight finish first.
  std::atomic<bool> listening_ended = false;
  std::thread stopper([&http, &listening_ended] {
    while (StopSignal() == 0 && !listening_ended) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    http.stop();
  });
  std::cout << "atp serve: listening on http://" << host << ":" << bound << " (jobs "
            << flags.store.StateFile().string() << ", packages " << flags.store.out.string()
            << (file_options.signing_key ? ", signed URLs only" : "") << ")" << std::endl;
  http.listen_after_bind();
  listening_ended = true;
  stopper.join();
  const int signal = StopSignal();
  std::cout << "atp serve: stopped" << (signal ? " by a stop signal" : "") << std::endl;
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, const GlobalOptions& /*global*/, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* command = app.add_subcommand(
      "serve",
      "Serve the job API (/healthz, /readyz, /v1/jobs) and the published packages (/out/) over "
      "HTTP until SIGTERM or SIGINT");
  flags->store.AddTo(*command);
  command->add_option("--listen", flags->listen, "HOST:PORT to listen on (port 0: any free one)")
      ->capture_default_str();
  command->add_option("--signed-urls", flags->signed_urls,
                      "A key file: serve packages only under /out/t/<token>/ paths made by atp "
                      "sign-url --hmac with the same key");
  command->add_option("--api-token-file", flags->api_token_file,
                      "The bearer token of mutating API calls (else $ATP_API_TOKEN; without "
                      "either, the API is read-only)");
  command->callback([flags, &exit_code] { exit_code = Serve(*flags); });
}

}  // namespace atp::app
