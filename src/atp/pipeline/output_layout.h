// atp/pipeline/output_layout.h
#ifndef ATP_PIPELINE_OUTPUT_LAYOUT_H_
#define ATP_PIPELINE_OUTPUT_LAYOUT_H_

#include <filesystem>
#include <string>

#include "atp/core/job_spec.h"

namespace atp::pipeline {

// A job's id: the first 16 hex digits of its job key (docs/job-key.md).
[[nodiscard]] std::string JobIdFromKey(const std::string& job_key);

// Where a job's package is published: <out>/<series>/s<season>/e<episode>/<job id>, with
// season and episode zero-padded to 2 and 3 digits ("attack-on-titan/s01/e001/e19f533d…").
[[nodiscard]] std::filesystem::path JobOutputDir(const std::filesystem::path& out,
                                                 const JobSpec& spec, const std::string& job_id);

// Where a job's output lives, as a BlobStore of its output root sees it.
struct OutputPlace {
  std::filesystem::path root;  // The output root (`out` of JobOutputDir).
  std::string published;       // "<series>/sNN/eNNN/<job id>": the package, once published.
  // "<series>/sNN/eNNN/.staging-<job id>": beside it, so publishing is one rename, and named
  // after the job, so a process resuming the job finds it.
  std::string staging;
};

// The place of the job whose package JobOutputDir put at `output_dir`.
[[nodiscard]] OutputPlace OutputPlaceOf(const std::filesystem::path& output_dir);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_OUTPUT_LAYOUT_H_
