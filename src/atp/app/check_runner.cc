#include "atp/app/check_runner.h"

#include "atp/app/progress_line.h"
#include "atp/core/status_macros.h"

namespace atp::app {

absl::StatusOr<CheckRun> RunCheckWithProgress(const std::filesystem::path& manifest,
                                              const std::filesystem::path& input_root,
                                              const GlobalOptions& global) {
  CheckRun run;
  ATP_ASSIGN_OR_RETURN(run.settings, LoadSettings(ReadAtpEnvironment(), global.profile_file));
  std::filesystem::path root = input_root.empty() ? manifest.parent_path() : input_root;
  if (root.empty()) root = ".";
  ProgressLine progress("verify: checksums");
  run.report = pipeline::CheckDelivery(
      manifest, root, run.settings.profile,
      [&progress](int64_t done, int64_t total) { progress.UpdateBytes(done, total); });
  return run;
}

}  // namespace atp::app
