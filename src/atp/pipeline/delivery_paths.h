// atp/pipeline/delivery_paths.h
#ifndef ATP_PIPELINE_DELIVERY_PATHS_H_
#define ATP_PIPELINE_DELIVERY_PATHS_H_

#include <filesystem>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/job_spec.h"

namespace atp::pipeline {

// Where the files a manifest names are on disk.
struct DeliveryPaths {
  std::filesystem::path mezzanine;
  std::vector<std::filesystem::path> subtitles;  // Parallel to JobSpec::subtitle_tracks.
};

// Resolves every FilePath of `spec` inside `input_root` (storage::ResolveInsideRoot).
// InvalidArgument lists each path that escapes the root, one line each, prefixed with its
// field path ("Mezzanine/FilePath: ..."); NotFound when the input root does not exist.
[[nodiscard]] absl::StatusOr<DeliveryPaths> ResolveDeliveryPaths(
    const JobSpec& spec, const std::filesystem::path& input_root);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_DELIVERY_PATHS_H_
