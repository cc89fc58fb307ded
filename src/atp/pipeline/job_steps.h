// atp/pipeline/job_steps.h
//
// The steps of a job, in order (DESIGN.md, "The job, step by step").
#ifndef ATP_PIPELINE_JOB_STEPS_H_
#define ATP_PIPELINE_JOB_STEPS_H_

#include <array>
#include <optional>
#include <string_view>

namespace atp::pipeline {

enum class Step { kIngest, kReserve, kVerify, kPlan, kTranscode, kPackage, kCheck, kPublish, kNotify };

inline constexpr std::array<Step, 9> kAllSteps = {
    Step::kIngest,    Step::kReserve, Step::kVerify,  Step::kPlan,  Step::kTranscode,
    Step::kPackage,   Step::kCheck,   Step::kPublish, Step::kNotify};

[[nodiscard]] std::string_view StepName(Step step);  // "ingest", "reserve", ...
[[nodiscard]] std::optional<Step> ParseStep(std::string_view name);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_JOB_STEPS_H_
