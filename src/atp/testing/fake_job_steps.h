// atp/testing/fake_job_steps.h
//
// Job steps that do no media work, for testing the orchestrator (pipeline::JobRunner) in
// milliseconds: each step returns the statuses a test scripted for it, one per attempt, then
// OK; the transcode step runs its units through StepContext::RunUnit (skipping those the run
// finished, as the real one does) and stages an object per unit; publish publishes the
// staging prefix. Everything that ran is recorded.
#ifndef ATP_TESTING_FAKE_JOB_STEPS_H_
#define ATP_TESTING_FAKE_JOB_STEPS_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/pipeline/job_steps.h"

namespace atp::testing {

// What the fake steps do, shared by every FakeJobSteps made from it (a resumed "process"
// makes new steps, with the same script).
struct JobStepsScript {
  // Consumed one per attempt of the step (or unit); OK once empty.
  std::map<pipeline::Step, std::deque<absl::Status>> step_results;
  std::map<std::string, std::deque<absl::Status>> unit_results;
  std::vector<std::string> units = {"audio", "video-001", "video-002"};
  // Called at the start of every step and unit, with its name ("verify", "transcode/video-001").
  std::function<void(const std::string& name, pipeline::StepContext& context)> during;
  // What ran, in order: "verify", "transcode/video-001", ...
  std::vector<std::string> ran;
};

class FakeJobSteps : public pipeline::JobSteps {
 public:
  explicit FakeJobSteps(JobStepsScript& script) : script_(script) {}

  // A RunnerOptions::make_steps that makes fakes following `script`.
  static std::function<std::unique_ptr<pipeline::JobSteps>()> Factory(JobStepsScript& script) {
    return [&script] { return std::make_unique<FakeJobSteps>(script); };
  }

  absl::Status Run(pipeline::Step step, pipeline::StepContext& context) override {
    const std::string name(pipeline::StepName(step));
    ATP_RETURN_IF_ERROR(Enter(name, script_.step_results[step], context));
    switch (step) {
      case pipeline::Step::kTranscode:
        return Transcode(context);
      case pipeline::Step::kPublish:
        return Publish(context);
      default:
        return context.Checkpoint();
    }
  }

 private:
  absl::Status Enter(const std::string& name, std::deque<absl::Status>& results,
                     pipeline::StepContext& context) {
    script_.ran.push_back(name);
    if (script_.during) script_.during(name, context);
    if (results.empty()) return absl::OkStatus();
    absl::Status result = results.front();
    results.pop_front();
    return result;
  }

  absl::Status Transcode(pipeline::StepContext& context) {
    ATP_RETURN_IF_ERROR(context.LockStaging());
    for (const std::string& unit : script_.units) {
      if (context.GetArtifact(pipeline::UnitArtifactName(pipeline::Step::kTranscode, unit)).ok()) {
        continue;
      }
      ATP_RETURN_IF_ERROR(context
                              .RunUnit(unit,
                                       [&]() -> absl::StatusOr<std::string> {
                                         ATP_RETURN_IF_ERROR(Enter(absl::StrCat("transcode/", unit),
                                                                   script_.unit_results[unit],
                                                                   context));
                                         ATP_RETURN_IF_ERROR(context.Checkpoint());
                                         ATP_RETURN_IF_ERROR(context.output().Put(
                                             absl::StrCat(context.staging(), "/", unit),
                                             absl::StrCat(unit, " encoded\n")));
                                         return unit;
                                       })
                              .status());
    }
    return absl::OkStatus();
  }

  static absl::Status Publish(pipeline::StepContext& context) {
    ATP_RETURN_IF_ERROR(context.LockStaging());
    return context.output().Publish(context.staging(), context.published());
  }

  JobStepsScript& script_;
};

}  // namespace atp::testing

#endif  // ATP_TESTING_FAKE_JOB_STEPS_H_
