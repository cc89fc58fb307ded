// atp/pipeline/check_delivery.h
//
// `atp check`: the ingest, verify and plan steps of a job, without encoding anything.
#ifndef ATP_PIPELINE_CHECK_DELIVERY_H_
#define ATP_PIPELINE_CHECK_DELIVERY_H_

#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "atp/core/rendition.h"
#include "atp/encode/encoding_profile.h"
#include "atp/manifest/manifest_parser.h"
#include "atp/pipeline/delivery_paths.h"
#include "atp/pipeline/verify_mezzanine.h"
#include "atp/storage/file_digest.h"

namespace atp::pipeline {

enum class CheckStep { kIngest, kVerify, kPlan };

[[nodiscard]] std::string_view CheckStepName(CheckStep step);  // "ingest", "verify", "plan".

struct CheckReport {
  // Filled step by step; a step's fields are set only when it succeeded.
  std::optional<manifest::ParsedManifest> manifest;
  std::optional<DeliveryPaths> paths;
  std::optional<VerifiedMezzanine> mezzanine;
  std::optional<Ladder> ladder;
  std::string job_key;  // Set with the ladder.

  std::optional<CheckStep> failed_step;  // Empty when every step passed.
  absl::Status status;                   // The failed step's error.

  [[nodiscard]] bool ok() const { return !failed_step.has_value(); }
};

// Runs ingest (read and validate the manifest, resolve its paths inside `input_root`), verify
// (VerifyMezzanine) and plan (PlanLadder on the probed size, job key), stopping at the first
// step that fails. `progress` follows the checksum pass.
[[nodiscard]] CheckReport CheckDelivery(const std::filesystem::path& manifest_file,
                                        const std::filesystem::path& input_root,
                                        const encode::EncodingProfile& profile,
                                        const storage::DigestProgress& progress = nullptr);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_CHECK_DELIVERY_H_
