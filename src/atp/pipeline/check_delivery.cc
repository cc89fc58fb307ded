#include "atp/pipeline/check_delivery.h"

#include "atp/encode/ladder_planner.h"
#include "atp/pipeline/job_key.h"
#include "atp/pipeline/read_manifest.h"

namespace atp::pipeline {

std::string_view CheckStepName(CheckStep step) {
  switch (step) {
    case CheckStep::kIngest:
      return "ingest";
    case CheckStep::kVerify:
      return "verify";
    case CheckStep::kPlan:
      return "plan";
  }
  return "unknown";
}

CheckReport CheckDelivery(const std::filesystem::path& manifest_file,
                          const std::filesystem::path& input_root,
                          const encode::EncodingProfile& profile,
                          const storage::DigestProgress& progress) {
  CheckReport report;
  auto fail = [&report](CheckStep step, absl::Status status) {
    report.failed_step = step;
    report.status = std::move(status);
    return std::move(report);
  };

  absl::StatusOr<manifest::ParsedManifest> parsed = ReadManifest(manifest_file);
  if (!parsed.ok()) return fail(CheckStep::kIngest, parsed.status());
  report.manifest = *std::move(parsed);
  const JobSpec& spec = report.manifest->spec;

  absl::StatusOr<DeliveryPaths> paths = ResolveDeliveryPaths(spec, input_root);
  if (!paths.ok()) return fail(CheckStep::kIngest, paths.status());
  report.paths = *std::move(paths);

  absl::StatusOr<VerifiedMezzanine> verified = VerifyMezzanine(spec, *report.paths, progress);
  if (!verified.ok()) return fail(CheckStep::kVerify, verified.status());
  report.mezzanine = *std::move(verified);

  absl::StatusOr<Ladder> ladder =
      encode::PlanLadder(profile, report.mezzanine->source.width, report.mezzanine->source.height);
  if (!ladder.ok()) return fail(CheckStep::kPlan, ladder.status());
  report.ladder = *std::move(ladder);
  report.job_key = ComputeJobKey(spec, profile);
  return report;
}

}  // namespace atp::pipeline
