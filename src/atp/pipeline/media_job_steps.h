// atp/pipeline/media_job_steps.h
//
// The real work of a job's steps: verify the mezzanine (and keep it open), plan the ladder,
// transcode it unit by unit into CMAF segments, write the HLS and DASH manifests, validate
// the staged package, publish it with its report.json.
#ifndef ATP_PIPELINE_MEDIA_JOB_STEPS_H_
#define ATP_PIPELINE_MEDIA_JOB_STEPS_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "atp/core/packaged_media.h"
#include "atp/core/source_info.h"
#include "atp/pipeline/job_steps.h"
#include "atp/state/job_store.h"
#include "atp/storage/file_digest.h"
#include "nlohmann/json.hpp"

namespace atp::pipeline {

struct MediaJobStepsOptions {
  // Whether verify starts the transcode's first video chunk beside the checksums (with more
  // than one thread and a fixed ladder): off for a run that ends before the transcode.
  bool start_transcode_beside_checksums = true;
};

// Steps for one job, worked by one process: it keeps the verified mezzanine open across
// steps, so make one per job run (JobRunner does).
[[nodiscard]] std::unique_ptr<JobSteps> MakeMediaJobSteps(const MediaJobStepsOptions& options = {});

// What the verify step found, as it saved it for `job_id`'s current run (NotFound before
// verify ended): for `atp check`, which stops after plan.
struct VerifiedSource {
  SourceInfo source;
  storage::FileDigest digest;
};
[[nodiscard]] absl::StatusOr<VerifiedSource> ReadVerifiedSource(state::JobStore& store,
                                                                std::string_view job_id);

// The transcode step's records of the package (NotFound before it ended).
[[nodiscard]] absl::StatusOr<PackagedMedia> ReadPackagedMedia(state::JobStore& store,
                                                              std::string_view job_id);

// The check step's picture quality per video rendition against the source (NotFound before
// it ended, or for a run of an atp that did not measure it): {"<rendition>": {"psnr_y_db",
// "ssim_y", "ssim_all", "frames", "windows": [[start, seconds]...]} or {"error": "..."}}.
[[nodiscard]] absl::StatusOr<nlohmann::json> ReadRenditionQuality(state::JobStore& store,
                                                                  std::string_view job_id);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_MEDIA_JOB_STEPS_H_
