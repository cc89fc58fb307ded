// atp/pipeline/verify_mezzanine.h
//
// The verify step: is the file on disk the one the manifest describes?
#ifndef ATP_PIPELINE_VERIFY_MEZZANINE_H_
#define ATP_PIPELINE_VERIFY_MEZZANINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/job_spec.h"
#include "atp/core/source_info.h"
#include "atp/pipeline/delivery_paths.h"
#include "atp/storage/file_digest.h"

namespace atp::pipeline {

struct VerifiedMezzanine {
  storage::FileDigest digest;
  SourceInfo source;
};

// Tolerances of the comparison (manifest-format.md).
inline constexpr double kDurationToleranceSeconds = 0.5;
inline constexpr double kFrameRateTolerance = 0.01;

// Reads the mezzanine once (size, MD5, XXH64), then probes it, and compares both with `spec`.
// Each failure names the manifest field and both values:
// - NotFound: the mezzanine or a subtitle file does not exist;
// - FailedPrecondition: the size differs (the checksums are then not compared), or the probed
//   duration, resolution, frame rate or audio streams disagree (all listed, one per line);
// - DataLoss: the size matches but MD5 or XXH64 does not;
// - InvalidArgument: the file is not media libavformat can read, or has no video stream.
[[nodiscard]] absl::StatusOr<VerifiedMezzanine> VerifyMezzanine(
    const JobSpec& spec, const DeliveryPaths& paths, const storage::DigestProgress& progress);

// The probe half of the comparison: one line per disagreement, empty when all agree.
[[nodiscard]] std::vector<std::string> CompareSourceWithManifest(const JobSpec& spec,
                                                                 const SourceInfo& source);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_VERIFY_MEZZANINE_H_
