// `atp run MANIFEST` and `atp retry JOB`: the durable pipeline (pipeline/job_runner.h) with
// progress on the terminal, webhook and log notifications, and the exit codes of README.

#include <iostream>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/str_format.h"
#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"
#include "atp/app/job_store_flags.h"
#include "atp/app/notifiers.h"
#include "atp/app/progress_line.h"
#include "atp/app/settings.h"
#include "atp/app/stop_signals.h"
#include "atp/app/test_pause.h"
#include "atp/pipeline/job_runner.h"

namespace atp::app {
namespace {

struct RunFlags {
  std::filesystem::path manifest;
  std::filesystem::path input_root;
  JobStoreFlags store;
  bool no_wait = false;
  bool retry = false;
  bool keep_staging = false;
  int threads = 0;     // --threads; 0: the profile's, else the machine's.
  std::string ladder;  // --ladder; empty: the profile's video.ladder.
  std::string job_id;  // `atp retry`.
};

int ExitCodeOf(const pipeline::RunOutcome& outcome) {
  if (outcome.stopped_by_signal != 0) return ExitCodeForSignal(outcome.stopped_by_signal);
  return ExitCodeFor(outcome.failed_step, outcome.status);
}

// The step a failure is reported at: a step's name, or what stopped this process.
std::string FailedAt(const pipeline::RunOutcome& outcome) {
  return outcome.failed_step ? std::string(pipeline::StepName(*outcome.failed_step))
                             : "this process (the job is left to the next run)";
}

void PrintOutcome(const pipeline::RunOutcome& outcome) {
  const state::JobRecord& job = outcome.job;
  if (job.job.job_id.empty()) {
    std::cerr << "atp run: " << FailedAt(outcome) << " failed ("
              << absl::StatusCodeToString(outcome.status.code()) << "):\n"
              << outcome.status.message() << "\nno job was created\n";
    return;
  }
  const char* how = outcome.created ? "new" : (outcome.worked ? "resumed" : "existing");
  std::cout << absl::StrFormat("job         %s (%s, run %d)\nstate       %s\n", job.job.job_id, how,
                               job.run, state::JobStateName(job.state));
  if (job.state == state::JobState::kComplete) {
    const std::filesystem::path folder = job.job.output_dir;
    std::cout << "output      " << folder.string() << "\n"
              << "report      " << (folder / "report.json").string() << "\n"
              << "play        ffplay " << (folder / "master.m3u8").string() << "\n";
  } else if (!outcome.status.ok()) {
    std::cout << absl::StrFormat("failed at   %s (%s)\n", FailedAt(outcome),
                                 absl::StatusCodeToString(outcome.status.code()))
              << "error       " << outcome.status.message() << "\n";
  }
}

// `job_profile`: the profile of the job being retried, which replaces the one the flags and
// environment make.
int RunPipeline(const RunFlags& flags, const GlobalOptions& global,
                const std::filesystem::path& manifest, const std::filesystem::path& input_root,
                bool retry, const std::optional<encode::EncodingProfile>& job_profile) {
  absl::StatusOr<Settings> settings = LoadSettings(ReadAtpEnvironment(), global.profile_file);
  if (!settings.ok()) {
    std::cerr << "atp run: " << settings.status().message() << "\n";
    return kExitOtherError;
  }
  if (!flags.ladder.empty()) settings->profile.ladder = flags.ladder;
  if (job_profile) settings->profile = *job_profile;
  InstallStopSignalHandlers();
  absl::StatusOr<std::unique_ptr<state::JobStore>> store = flags.store.Open();
  if (!store.ok()) {
    std::cerr << "atp run: job database " << flags.store.StateFile().string() << ": "
              << store.status().message() << "\n";
    return kExitOtherError;
  }
  const std::vector<std::unique_ptr<notify::Notifier>> owned =
      MakeOutcomeNotifiers(*settings, std::cerr, StoppableClock());
  std::vector<notify::Notifier*> notifiers;
  for (const auto& notifier : owned) notifiers.push_back(notifier.get());
  pipeline::RunnerOptions options;
  options.callback_notifier = CallbackNotifierFactory(*settings, StoppableClock());
  options.stop_signal = &StopSignal;
  pipeline::JobRunner runner(**store, notifiers, StoppableClock(), pipeline::ThisProcess(),
                             options);

  std::unique_ptr<ProgressLine> progress;
  pipeline::RunHooks hooks;
  hooks.step_started = [&](pipeline::Step step, int attempt) {
    progress.reset();
    std::cerr << "step " << pipeline::StepName(step)
              << (attempt > 1 ? absl::StrFormat(" (attempt %d)", attempt) : "") << "\n";
    PauseIfAsked(*settings, pipeline::StepName(step));
  };
  // Units run on threads of their own: their starts and their progress take turns at the line.
  std::mutex progress_mutex;
  hooks.unit_started = [&](const std::string& unit) {
    {
      std::lock_guard<std::mutex> lock(progress_mutex);
      if (progress) progress->EndLine();  // The step's rate goes on across its units.
      std::cerr << "  transcode " << unit << "\n";
    }
    PauseIfAsked(*settings, "transcode/" + unit);
  };
  hooks.probe_finished = [&](const std::string& /*probe*/) {
    PauseIfAsked(*settings, "plan/per-title");
  };
  ShowRunProgress(hooks, progress);
  hooks.transcode_progress = [&progress_mutex, show = hooks.transcode_progress](
                                 const encode::TranscodeProgress& reached,
                                 const SourceInfo& source) {
    std::lock_guard<std::mutex> lock(progress_mutex);
    show(reached, source);
  };
  bool told_waiting = false;
  hooks.waiting = [&](const state::JobRecord& job) {
    if (told_waiting) return;
    told_waiting = true;
    std::cerr << "job " << job.job.job_id << " is being worked on by " << job.lease.owner
              << "; waiting for it to finish\n";
  };
  const pipeline::RunOutcome outcome =
      runner.Run({.manifest_file = manifest,
                  .input_root = input_root,
                  .out = flags.store.out,
                  .profile = settings->profile,
                  .wait = !flags.no_wait,
                  .retry_failed = retry,
                  .keep_staging = flags.keep_staging,
                  .threads = encode::EncoderThreads(flags.threads, settings->profile)},
                 hooks);
  progress.reset();
  if (outcome.stopped_by_signal != 0) {
    std::cerr << "atp run: stopped by signal " << outcome.stopped_by_signal << " ("
              << outcome.status.message() << "); run it again to resume job "
              << outcome.job.job.job_id << "\n";
    return ExitCodeOf(outcome);
  }
  PrintOutcome(outcome);
  return ExitCodeOf(outcome);
}

// The output root a job was submitted with: its folder is <out>/<series>/sNN/eNNN/<job id>.
std::filesystem::path OutputRootOf(const state::JobRecord& job) {
  return std::filesystem::path(job.job.output_dir)
      .parent_path()
      .parent_path()
      .parent_path()
      .parent_path();
}

int RetryJob(RunFlags flags, const GlobalOptions& global) {
  absl::StatusOr<std::unique_ptr<state::JobStore>> store = flags.store.Open();
  if (!store.ok()) {
    std::cerr << "atp retry: " << store.status().message() << "\n";
    return kExitOtherError;
  }
  absl::StatusOr<state::JobRecord> job = (*store)->Get(flags.job_id);
  if (!job.ok()) {
    std::cerr << "atp retry: " << job.status().message() << "\n";
    return kExitOtherError;
  }
  if (job->state == state::JobState::kRunning || job->state == state::JobState::kComplete) {
    std::cerr << "atp retry: job " << flags.job_id << " is " << state::JobStateName(job->state)
              << "; only FAILED or CANCELLED jobs can be retried\n";
    return kExitOtherError;
  }
  flags.store.state = flags.store.StateFile();  // The database stays the one just read.
  flags.store.out = OutputRootOf(*job);
  // The job's own profile: the one its key was made from (a job of an atp that did not store
  // it runs with the profile of the flags and environment, as that atp did).
  std::optional<encode::EncodingProfile> job_profile;
  if (!job->job.profile.empty()) {
    absl::StatusOr<encode::EncodingProfile> stored =
        encode::ApplyProfileToml(job->job.profile, encode::EncodingProfile{});
    if (!stored.ok()) {
      std::cerr << "atp retry: job " << flags.job_id
                << ": its stored profile cannot be read: " << stored.status().message() << "\n";
      return kExitOtherError;
    }
    job_profile = *std::move(stored);
    if (!global.profile_file.empty()) {
      absl::StatusOr<Settings> settings = LoadSettings(ReadAtpEnvironment(), global.profile_file);
      // Compared as this atp writes both: a job stored by an earlier atp lacks settings
      // added since (enable_av1, [av1]) that the flags' profile has at their defaults.
      if (settings.ok() &&
          encode::ProfileToml(settings->profile) != encode::ProfileToml(*job_profile)) {
        std::cerr << "atp retry: --profile " << global.profile_file.string()
                  << " differs from the profile job " << flags.job_id
                  << " was made with; a retry encodes with the job's own profile (leave out "
                     "--profile), and another profile is another job (atp run --profile)\n";
        return kExitOtherError;
      }
    }
  }
  return RunPipeline(flags, global, job->job.manifest_path, job->job.input_root, /*retry=*/true,
                     job_profile);
}

}  // namespace

void AddRunCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* run = app.add_subcommand(
      "run", "Run a delivery through the durable pipeline, exactly once per delivery");
  run->add_option("manifest", flags->manifest, "The delivery manifest (XML)")->required();
  run->add_option("--input-root", flags->input_root,
                  "Folder the manifest's FilePaths are relative to (default: the manifest's)");
  flags->store.AddTo(*run);
  run->add_flag("--no-wait", flags->no_wait,
                "Return at once when another process is working on the job");
  run->add_flag("--retry", flags->retry, "Run the delivery again if its job FAILED");
  run->add_flag("--keep-staging", flags->keep_staging,
                "Keep the staging folder of a job that FAILED or was CANCELLED (for debugging)");
  run->add_option("--threads", flags->threads,
                  "Encoder threads (default: the profile's video.threads, else every core)")
      ->check(CLI::Range(1, 256));
  run->add_option("--ladder", flags->ladder,
                  "fixed: the profile's H.264 rungs; auto: per-title, probe encodes choose each "
                  "rung's CRF and drop rungs that add nothing (default: the profile's "
                  "video.ladder)")
      ->check(CLI::IsMember({"fixed", "auto"}));
  run->callback([flags, &global, &exit_code] {
    exit_code =
        RunPipeline(*flags, global, flags->manifest, flags->input_root, flags->retry, std::nullopt);
  });

  auto retry_flags = std::make_shared<RunFlags>();
  CLI::App* retry = app.add_subcommand("retry", "Run a FAILED or CANCELLED job again");
  retry->add_option("job", retry_flags->job_id, "Job id")->required();
  retry_flags->store.AddTo(*retry);
  retry->add_flag("--keep-staging", retry_flags->keep_staging,
                  "Keep the staging folder if the job fails again");
  retry->add_option("--threads", retry_flags->threads, "Encoder threads (default: every core)")
      ->check(CLI::Range(1, 256));
  retry->callback(
      [retry_flags, &global, &exit_code] { exit_code = RetryJob(*retry_flags, global); });
}

}  // namespace atp::app
