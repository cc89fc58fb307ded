#include "atp/pipeline/output_layout.h"

#include "absl/strings/str_format.h"

namespace atp::pipeline {

std::string JobIdFromKey(const std::string& job_key) { return job_key.substr(0, 16); }

std::filesystem::path JobOutputDir(const std::filesystem::path& out, const JobSpec& spec,
                                   const std::string& job_id) {
  return out / spec.episode.series_id / absl::StrFormat("s%02d", spec.episode.season_number) /
         absl::StrFormat("e%03d", spec.episode.episode_number) / job_id;
}

}  // namespace atp::pipeline
