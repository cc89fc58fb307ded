// atp/pipeline/job_key.h
//
// The idempotency key that makes one delivery one job (docs/job-key.md).
#ifndef ATP_PIPELINE_JOB_KEY_H_
#define ATP_PIPELINE_JOB_KEY_H_

#include <string>

#include "atp/core/job_spec.h"
#include "atp/encode/encoding_profile.h"

namespace atp::pipeline {

// The canonical text the key hashes:
//   atp-job-key/v1
//   manifest_id=<ManifestId>
//   md5=<lower-case MD5 of the mezzanine>
//   size_bytes=<FileSizeBytes>
//   audio_languages=<audio track languages, sorted, comma-separated, duplicates kept>
//   profile_version=<EncodingProfile::version>
//   profile_sha256=<SHA-256 of CanonicalProfileText(profile)>
// each line ending in "\n".
[[nodiscard]] std::string CanonicalJobKeyText(const JobSpec& spec,
                                              const encode::EncodingProfile& profile);

// SHA-256 of CanonicalJobKeyText, 64 lower-case hex digits.
[[nodiscard]] std::string ComputeJobKey(const JobSpec& spec,
                                        const encode::EncodingProfile& profile);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_JOB_KEY_H_
