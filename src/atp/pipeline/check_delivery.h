// atp/pipeline/check_delivery.h
//
// `atp check`: a job run to the end of its plan step (ingest, verify, plan) in a scratch job
// store, so it checks exactly what `atp run` would, without encoding or recording anything.
#ifndef ATP_PIPELINE_CHECK_DELIVERY_H_
#define ATP_PIPELINE_CHECK_DELIVERY_H_

#include <filesystem>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "atp/core/rendition.h"
#include "atp/encode/encoding_profile.h"
#include "atp/manifest/manifest_parser.h"
#include "atp/pipeline/job_steps.h"
#include "atp/pipeline/media_job_steps.h"
#include "atp/storage/file_digest.h"

namespace atp::pipeline {

struct CheckReport {
  // Filled step by step; a step's fields are set only when it succeeded.
  std::optional<manifest::ParsedManifest> manifest;
  std::optional<VerifiedSource> mezzanine;
  std::optional<Ladder> ladder;
  std::vector<AudioRendition> audio;  // Set with the ladder.
  std::string job_key;                // Set with the ladder.

  std::optional<Step> failed_step;  // Empty when every step passed.
  absl::Status status;              // The failed step's error.

  [[nodiscard]] bool ok() const { return status.ok(); }
};

// Runs ingest (read and validate the manifest, resolve its paths inside `input_root`), verify
// and plan (the ladder for the probed source, the job key) as a job of an in-memory job
// store, stopping at the first step that fails (after the retries the error's code calls
// for). `verify_progress` follows the checksum pass.
[[nodiscard]] CheckReport CheckDelivery(
    const std::filesystem::path& manifest_file, const std::filesystem::path& input_root,
    const encode::EncodingProfile& profile,
    const std::function<void(int64_t done, int64_t total)>& verify_progress = nullptr);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_CHECK_DELIVERY_H_
