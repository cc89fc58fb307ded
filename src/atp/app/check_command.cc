// `atp check MANIFEST [--input-root DIR] [--json]`
#include <iostream>
#include <memory>

#include "atp/app/check_report_format.h"
#include "atp/app/check_runner.h"
#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"

namespace atp::app {
namespace {

struct CheckFlags {
  std::filesystem::path manifest;
  std::filesystem::path input_root;
  bool json = false;
};

int RunCheck(const CheckFlags& flags, const GlobalOptions& global) {
  absl::StatusOr<CheckRun> run = RunCheckWithProgress(flags.manifest, flags.input_root, global);
  if (!run.ok()) {
    std::cerr << "atp check: " << run.status().message() << "\n";
    return kExitOtherError;
  }
  if (flags.json) {
    std::cout << FormatCheckJson(run->report, run->settings).dump(2) << "\n";
  } else {
    std::cout << FormatCheckText(run->report, run->settings);
  }
  return ExitCodeFor(run->report.failed_step, run->report.status);
}

}  // namespace

void AddCheckCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* command = app.add_subcommand(
      "check", "Validate a delivery: manifest, mezzanine checksums and probe, planned ladder");
  command->add_option("manifest", flags->manifest, "The delivery manifest (XML)")->required();
  command->add_option("--input-root", flags->input_root,
                      "Folder the manifest's FilePaths are relative to (default: the manifest's)");
  command->add_flag("--json", flags->json, "Print the report as JSON");
  command->callback([flags, &global, &exit_code] { exit_code = RunCheck(*flags, global); });
}

}  // namespace atp::app
