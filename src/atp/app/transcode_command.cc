// `atp transcode MANIFEST [--input-root DIR] --out DIR`: the job of `atp run` (verify,
// plan, transcode, package, check, publish) without a job database or notifications.
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include "absl/strings/str_format.h"
#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"
#include "atp/app/progress_line.h"
#include "atp/app/settings.h"
#include "atp/core/clock.h"
#include "atp/pipeline/job_runner.h"
#include "atp/pipeline/media_job_steps.h"
#include "atp/state/sqlite_job_store.h"

namespace atp::app {
namespace {

struct TranscodeFlags {
  std::filesystem::path manifest;
  std::filesystem::path input_root;
  std::filesystem::path out;
  int threads = 0;  // --threads; 0: the profile's, else the machine's.
  bool keep_staging = false;
};

void PrintPackage(const PackagedMedia& media, const std::filesystem::path& dir) {
  std::cout << "package     " << dir.string() << "\n";
  for (const auto* tracks : {&media.video, &media.audio}) {
    for (const PackagedTrack& t : *tracks) {
      std::cout << absl::StrFormat(
          "  %-11s %-16s %3d segments  %8.3f s  avg %5d kbps  peak %5d kbps\n", t.name, t.codecs,
          t.segments.size(), t.duration_seconds(), t.average_bitrate_bps / 1000,
          t.peak_bitrate_bps / 1000);
    }
  }
  std::cout << "play        " << (dir / "master.m3u8").string() << "\n";
}

// The job of `atp run`, in a scratch job store: nothing is recorded, nobody is notified,
// and a killed transcode starts again from the beginning.
int RunTranscode(const TranscodeFlags& flags, const GlobalOptions& global) {
  absl::StatusOr<Settings> settings = LoadSettings(ReadAtpEnvironment(), global.profile_file);
  absl::StatusOr<std::unique_ptr<state::JobStore>> store =
      settings.ok() ? state::OpenSqliteJobStore(":memory:") : settings.status();
  if (!store.ok()) {
    std::cerr << "atp transcode: " << store.status().message() << "\n";
    return kExitOtherError;
  }
  // Its own staging name: a scratch job store cannot know what an `atp run` of the same
  // delivery staged.
  pipeline::RunnerOptions options;
  options.staging_suffix = ".transcode";
  pipeline::JobRunner runner(**store, /*notifiers=*/{}, RealClock(), pipeline::ThisProcess(),
                             options);
  std::unique_ptr<ProgressLine> progress;
  pipeline::RunHooks hooks;
  std::optional<std::chrono::steady_clock::time_point> started;  // When encoding began.
  hooks.step_started = [&](pipeline::Step step, int) {
    progress.reset();
    if (step == pipeline::Step::kTranscode && !started) started = std::chrono::steady_clock::now();
  };
  ShowRunProgress(hooks, progress);
  const pipeline::RunOutcome outcome =
      runner.Run({.manifest_file = flags.manifest,
                  .input_root = flags.input_root,
                  .out = flags.out,
                  .profile = settings->profile,
                  .keep_staging = flags.keep_staging,
                  .threads = encode::EncoderThreads(flags.threads, settings->profile)},
                 hooks);
  progress.reset();
  const std::filesystem::path final_dir = outcome.job.job.output_dir;
  if (!outcome.status.ok()) {
    std::cerr << "atp transcode: FAILED at "
              << (outcome.failed_step ? pipeline::StepName(*outcome.failed_step) : "this process")
              << " (" << absl::StatusCodeToString(outcome.status.code())
              << "): " << outcome.status.message() << "\nnothing was published\n";
    return ExitCodeFor(outcome.failed_step, outcome.status);
  }
  if (outcome.published_before) {
    std::cout << "already published: " << final_dir.string() << " (job " << outcome.job.job.job_id
              << ")\n";
    return kExitOk;
  }
  absl::StatusOr<pipeline::VerifiedSource> source =
      pipeline::ReadVerifiedSource(**store, outcome.job.job.job_id);
  absl::StatusOr<PackagedMedia> media =
      pipeline::ReadPackagedMedia(**store, outcome.job.job.job_id);
  if (!source.ok() || !media.ok()) {
    std::cerr << "atp transcode: published " << final_dir.string()
              << " but cannot show it: " << (source.ok() ? media.status() : source.status())
              << "\n";
    return kExitOtherError;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                    started.value_or(std::chrono::steady_clock::now()))
          .count();
  const double media_seconds = source->source.duration_seconds();
  std::cout << absl::StrFormat("transcoded  %.3f s of media in %.1f s (%.2fx realtime), job %s\n",
                               media_seconds, seconds, media_seconds / seconds,
                               outcome.job.job.job_id);
  PrintPackage(*media, final_dir);
  return kExitOk;
}

}  // namespace

void AddTranscodeCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto flags = std::make_shared<TranscodeFlags>();
  CLI::App* command = app.add_subcommand(
      "transcode", "Check a delivery, encode its ABR ladder once, package HLS + DASH, publish");
  command->add_option("manifest", flags->manifest, "The delivery manifest (XML)")->required();
  command->add_option("--input-root", flags->input_root,
                      "Folder the manifest's FilePaths are relative to (default: the manifest's)");
  command->add_option("--out", flags->out, "Output root")->required();
  command->add_flag("--keep-staging", flags->keep_staging,
                    "Keep the staging folder when the job fails (for debugging)");
  command
      ->add_option("--threads", flags->threads,
                   "Encoder threads (default: the profile's video.threads, else every core)")
      ->check(CLI::Range(1, 256));
  command->callback([flags, &global, &exit_code] { exit_code = RunTranscode(*flags, global); });
}

}  // namespace atp::app
