#include "atp/pipeline/delivery_paths.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "atp/storage/input_root.h"

namespace atp::pipeline {

absl::StatusOr<DeliveryPaths> ResolveDeliveryPaths(const JobSpec& spec,
                                                   const std::filesystem::path& input_root) {
  DeliveryPaths paths;
  std::vector<std::string> problems;
  auto resolve = [&](const std::string& field, const std::string& relative,
                     std::filesystem::path& out) -> absl::Status {
    absl::StatusOr<std::filesystem::path> resolved =
        storage::ResolveInsideRoot(input_root, relative);
    if (resolved.ok()) {
      out = *std::move(resolved);
    } else if (resolved.status().code() == absl::StatusCode::kInvalidArgument) {
      problems.push_back(absl::StrCat(field, ": ", std::string(resolved.status().message())));
    } else {
      return resolved.status();
    }
    return absl::OkStatus();
  };
  if (absl::Status status =
          resolve("Mezzanine/FilePath", spec.mezzanine.file_path, paths.mezzanine);
      !status.ok()) {
    return status;
  }
  paths.subtitles.resize(spec.subtitle_tracks.size());
  for (size_t i = 0; i < spec.subtitle_tracks.size(); ++i) {
    if (absl::Status status =
            resolve(absl::StrCat("SubtitleTracks/SubtitleTrack[", i + 1, "]/FilePath"),
                    spec.subtitle_tracks[i].file_path, paths.subtitles[i]);
        !status.ok()) {
      return status;
    }
  }
  if (!problems.empty()) return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
  return paths;
}

}  // namespace atp::pipeline
