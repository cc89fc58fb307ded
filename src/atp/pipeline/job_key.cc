#include "atp/pipeline/job_key.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "atp/storage/file_digest.h"

namespace atp::pipeline {

std::string CanonicalJobKeyText(const JobSpec& spec, const encode::EncodingProfile& profile) {
  std::vector<std::string> languages;
  for (const AudioTrackSpec& track : spec.audio_tracks) languages.push_back(track.language);
  std::sort(languages.begin(), languages.end());
  return absl::StrCat("atp-job-key/v1\n",                                                //
                      "manifest_id=", spec.manifest_id, "\n",                            //
                      "md5=", absl::AsciiStrToLower(spec.mezzanine.checksum_md5), "\n",  //
                      "size_bytes=", spec.mezzanine.file_size_bytes, "\n",               //
                      "audio_languages=", absl::StrJoin(languages, ","), "\n",           //
                      "profile_version=", profile.version, "\n",                         //
                      "profile_sha256=", storage::Sha256Hex(encode::CanonicalProfileText(profile)),
                      "\n");
}

std::string ComputeJobKey(const JobSpec& spec, const encode::EncodingProfile& profile) {
  return storage::Sha256Hex(CanonicalJobKeyText(spec, profile));
}

}  // namespace atp::pipeline
