#include "atp/pipeline/job_steps.h"

#include "absl/strings/str_cat.h"

namespace atp::pipeline {

std::string_view StepName(Step step) {
  switch (step) {
    case Step::kIngest:
      return "ingest";
    case Step::kReserve:
      return "reserve";
    case Step::kVerify:
      return "verify";
    case Step::kPlan:
      return "plan";
    case Step::kTranscode:
      return "transcode";
    case Step::kPackage:
      return "package";
    case Step::kCheck:
      return "check";
    case Step::kPublish:
      return "publish";
    case Step::kNotify:
      return "notify";
  }
  return "unknown";
}

std::optional<Step> ParseStep(std::string_view name) {
  for (Step step : kAllSteps) {
    if (StepName(step) == name) return step;
  }
  return std::nullopt;
}

std::string UnitArtifactName(Step step, std::string_view unit) {
  return absl::StrCat(std::string(StepName(step)), "/", std::string(unit));
}

}  // namespace atp::pipeline
