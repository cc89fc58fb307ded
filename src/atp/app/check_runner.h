// atp/app/check_runner.h
//
// `atp check`: the settings, then CheckDelivery with a progress line.
#ifndef ATP_APP_CHECK_RUNNER_H_
#define ATP_APP_CHECK_RUNNER_H_

#include <filesystem>

#include "absl/status/statusor.h"
#include "atp/app/commands.h"
#include "atp/app/settings.h"
#include "atp/pipeline/check_delivery.h"

namespace atp::app {

struct CheckRun {
  Settings settings;
  pipeline::CheckReport report;
};

// Loads the settings (environment and --profile), then runs CheckDelivery on `manifest` with
// a progress line for the checksum pass. `input_root` defaults to the manifest's folder.
// Fails only when the settings cannot be loaded; a failed check is in the report.
[[nodiscard]] absl::StatusOr<CheckRun> RunCheckWithProgress(const std::filesystem::path& manifest,
                                                            const std::filesystem::path& input_root,
                                                            const GlobalOptions& global);

}  // namespace atp::app

#endif  // ATP_APP_CHECK_RUNNER_H_
