// atp/pipeline/media_job_steps.h
//
// The real work of a job's steps: verify the mezzanine (and keep it open), plan the ladder,
// transcode it unit by unit into CMAF segments, write the HLS and DASH manifests, validate
// the staged package, publish it with its report.json.
#ifndef ATP_PIPELINE_MEDIA_JOB_STEPS_H_
#define ATP_PIPELINE_MEDIA_JOB_STEPS_H_

#include <memory>

#include "atp/pipeline/job_steps.h"

namespace atp::pipeline {

// Steps for one job, worked by one process: it keeps the verified mezzanine open across
// steps, so make one per job run (JobRunner does).
[[nodiscard]] std::unique_ptr<JobSteps> MakeMediaJobSteps();

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_MEDIA_JOB_STEPS_H_
