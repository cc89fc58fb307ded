#include "atp/pipeline/check_delivery.h"

#include "atp/encode/audio_planner.h"
#include "atp/encode/ladder_planner.h"
#include "atp/pipeline/job_runner.h"
#include "atp/state/sqlite_job_store.h"

namespace atp::pipeline {

CheckReport CheckDelivery(const std::filesystem::path& manifest_file,
                          const std::filesystem::path& input_root,
                          const encode::EncodingProfile& profile,
                          const std::function<void(int64_t done, int64_t total)>& verify_progress) {
  CheckReport report;
  absl::StatusOr<std::unique_ptr<state::JobStore>> store = state::OpenSqliteJobStore(":memory:");
  if (!store.ok()) {
    report.status = store.status();
    return report;
  }
  // One attempt per step: a check reports what it finds rather than wait for it to change.
  RunnerOptions options;
  options.retry.max_attempts = 1;
  options.retry_later.max_attempts = 1;
  options.stop_after_plan = true;
  JobRunner runner(**store, /*notifiers=*/{}, RealClock(), ThisProcess(), options);
  RunHooks hooks;
  hooks.verify_progress = verify_progress;
  RunOutcome outcome = runner.Run(
      {.manifest_file = manifest_file, .input_root = input_root, .profile = profile}, hooks);
  report.manifest = std::move(outcome.manifest);
  report.status = outcome.status;
  report.failed_step = outcome.failed_step;
  if (outcome.job.job.job_id.empty()) return report;
  if (absl::StatusOr<VerifiedSource> verified = ReadVerifiedSource(**store, outcome.job.job.job_id);
      verified.ok()) {
    report.mezzanine = *std::move(verified);
  }
  if (!report.ok() || !report.mezzanine) return report;
  absl::StatusOr<Ladder> ladder = encode::PlanLadder(
      profile, report.mezzanine->source.display_width(), report.mezzanine->source.height);
  if (ladder.ok()) report.ladder = *std::move(ladder);
  report.audio = encode::PlanAudioRenditions(profile, report.manifest->spec.audio_tracks,
                                             report.mezzanine->source);
  report.job_key = outcome.job.job.job_key;
  return report;
}

}  // namespace atp::pipeline
