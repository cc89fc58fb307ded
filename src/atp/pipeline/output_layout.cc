#include "atp/pipeline/output_layout.h"

#include "absl/strings/str_format.h"

namespace atp::pipeline {

std::string JobIdFromKey(const std::string& job_key) { return job_key.substr(0, 16); }

std::filesystem::path JobOutputDir(const std::filesystem::path& out, const JobSpec& spec,
                                   const std::string& job_id) {
  return out / spec.episode.series_id / absl::StrFormat("s%02d", spec.episode.season_number) /
         absl::StrFormat("e%03d", spec.episode.episode_number) / job_id;
}

OutputPlace OutputPlaceOf(const std::filesystem::path& output_dir) {
  const std::filesystem::path episode = output_dir.parent_path();
  const std::filesystem::path season = episode.parent_path();
  const std::filesystem::path series = season.parent_path();
  const std::string folder =
      absl::StrFormat("%s/%s/%s", series.filename().string(), season.filename().string(),
                      episode.filename().string());
  return {.root = series.parent_path(),
          .published = absl::StrFormat("%s/%s", folder, output_dir.filename().string()),
          .staging = absl::StrFormat("%s/.staging-%s", folder, output_dir.filename().string())};
}

}  // namespace atp::pipeline
