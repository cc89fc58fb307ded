// atp/pipeline/job_steps.h
//
// The steps of a job (DESIGN.md, "The job, step by step"), and the seam between the
// orchestrator and the work: JobRunner journals, retries, leases, times out, cancels and
// notifies; a JobSteps does verify, plan, transcode, package, check and publish through the
// StepContext the runner gives it. MediaJobSteps (media_job_steps.h) is the real work;
// testing::FakeJobSteps lets the orchestrator be tested without encoding anything.
#ifndef ATP_PIPELINE_JOB_STEPS_H_
#define ATP_PIPELINE_JOB_STEPS_H_

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "atp/core/source_info.h"
#include "atp/encode/encoding_profile.h"
#include "atp/encode/transcoder.h"
#include "atp/manifest/manifest_parser.h"
#include "atp/pipeline/delivery_paths.h"
#include "atp/state/job_store.h"
#include "atp/storage/blob_store.h"

namespace atp::pipeline {

enum class Step {
  kIngest,
  kReserve,
  kVerify,
  kPlan,
  kTranscode,
  kPackage,
  kCheck,
  kPublish,
  kNotify
};

inline constexpr std::array<Step, 9> kAllSteps = {Step::kIngest, Step::kReserve,   Step::kVerify,
                                                  Step::kPlan,   Step::kTranscode, Step::kPackage,
                                                  Step::kCheck,  Step::kPublish,   Step::kNotify};

// The steps a JobSteps does, in order.
inline constexpr std::array<Step, 6> kWorkSteps = {Step::kVerify,  Step::kPlan,  Step::kTranscode,
                                                   Step::kPackage, Step::kCheck, Step::kPublish};

[[nodiscard]] std::string_view StepName(Step step);  // "ingest", "reserve", ...
[[nodiscard]] std::optional<Step> ParseStep(std::string_view name);

// Observers for the command line; all optional. None may block, except `step_started`,
// `unit_started` and `probe_finished`, which tests use to pause a process inside a named step,
// unit or the per-title probes and kill it there.
struct RunHooks {
  // When this process has journaled the start of an attempt at `step` and is about to run
  // it.
  std::function<void(Step step, int attempt)> step_started;
  // When this process has journaled the start of a transcode unit ("audio", "video-001",
  // ...) and is about to encode it; may block like step_started.
  std::function<void(const std::string& unit)> unit_started;
  // When the plan step (video.ladder "auto") has encoded and measured a per-title probe
  // ("probe-crf3-frame48"), whose files are still staged, and is about to go on; from the
  // thread that ran it. May block like step_started.
  std::function<void(const std::string& probe)> probe_finished;
  std::function<void(int64_t done, int64_t total)> verify_progress;
  std::function<void(const encode::TranscodeProgress& progress, const SourceInfo& source)>
      transcode_progress;
  std::function<void(const state::JobRecord& job)> waiting;  // Another process holds the job.
  // When this process has journaled the end of an attempt at `step` that took `took`:
  // `outcome` is its result, and `retrying` whether the step is tried again. Not called for
  // an attempt that a lost lease ended (it is not journaled).
  std::function<void(Step step, int attempt, const absl::Status& outcome, absl::Duration took,
                     bool retrying)>
      step_ended;
  // When this process took the job over from a holder whose lease expired or who died.
  std::function<void(const state::JobRecord& job)> lease_taken_over;
};

// What a step sees of its job, and the orchestrator's services it uses. Implemented by the
// runner for the one job it works; valid while the step runs.
class StepContext {
 public:
  virtual ~StepContext() = default;

  [[nodiscard]] virtual const state::JobRecord& job() const = 0;
  [[nodiscard]] virtual const manifest::ParsedManifest& manifest() const = 0;
  [[nodiscard]] virtual const DeliveryPaths& paths() const = 0;
  [[nodiscard]] virtual const encode::EncodingProfile& profile() const = 0;
  [[nodiscard]] virtual int threads() const = 0;
  [[nodiscard]] virtual const RunHooks& hooks() const = 0;

  // The store the job's output is staged and published in, and its prefixes there: the
  // package is written under staging() and published, all at once, as published().
  [[nodiscard]] virtual storage::BlobStore& output() = 0;
  [[nodiscard]] virtual const std::string& staging() const = 0;
  [[nodiscard]] virtual const std::string& published() const = 0;
  // Takes the staging prefix's lock, waiting while another process holds it; held until the
  // runner is done with the job. Steps that write or read the staged output call it first.
  [[nodiscard]] virtual absl::Status LockStaging() = 0;

  // Values the steps of this run saved (NotFound when none): what a resumed process reads
  // instead of doing a finished step again.
  [[nodiscard]] virtual absl::StatusOr<std::string> GetArtifact(std::string_view name) = 0;
  [[nodiscard]] virtual absl::Status PutArtifact(std::string_view name, std::string_view value) = 0;
  // The job's journal, every run.
  [[nodiscard]] virtual absl::StatusOr<std::vector<state::StepEvent>> Events() = 0;

  // Renews the lease, and fails with the reason the step must stop now (Cancelled: a cancel
  // request; DeadlineExceeded: the step's timeout; Aborted: a stop signal or a lost lease).
  // Long work calls it often and returns what it returns.
  [[nodiscard]] virtual absl::Status Checkpoint() = 0;

  // A resumable unit of the current step ("audio", "video-001"): journals
  // "<step>/<unit>", runs `work` and, when it succeeds, saves its result as the artifact
  // UnitArtifactName(step, unit). A step skips the units whose artifact exists.
  [[nodiscard]] virtual absl::StatusOr<std::string> RunUnit(
      std::string_view unit, const std::function<absl::StatusOr<std::string>()>& work) = 0;
};

// "<step>/<unit>": the journal's name of a unit and the artifact of its result.
[[nodiscard]] std::string UnitArtifactName(Step step, std::string_view unit);

class JobSteps {
 public:
  virtual ~JobSteps() = default;
  // Does `step` (one of kWorkSteps) for the job of `context`. Its status decides what the
  // runner does next (core/error_policy.h); a step that ran before in this run and failed or
  // was interrupted runs again from its start, with the artifacts it saved.
  [[nodiscard]] virtual absl::Status Run(Step step, StepContext& context) = 0;
};

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_JOB_STEPS_H_
