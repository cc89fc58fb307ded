// atp: anime transcoding pipeline. See README.md for the commands.
#include <cstdlib>
#include <exception>
#include <iostream>

#include "CLI/CLI.hpp"
#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"
#include "atp/core/heap_tuning.h"
#include "atp/media/cpu_features.h"

int main(int argc, char** argv) {
  // SVT-AV1 (the AV1 rungs' encoder) prints its configuration on stderr for every encoder it
  // opens unless SVT_LOG says otherwise: keep its warnings and errors (level 2) only, unless
  // the caller chose a level. Set before any thread starts.
  setenv("SVT_LOG", "2", /*overwrite=*/0);
  // Before any thread starts (see the function's contract); without it atp is only slower.
  if (absl::Status status = atp::RetainFreedHeapMemory(); !status.ok()) {
    std::cerr << "atp: warning: " << status.message() << "\n";
  }
  // Before any FFmpeg context exists (see the function's contract).
  atp::media::MarkSlowGathers();
  CLI::App app("atp: validated ABR packages from mezzanine deliveries", "atp");
  app.require_subcommand(1);
  atp::app::GlobalOptions global;
  app.add_option("--profile", global.profile_file, "TOML encoding profile (see docs/profile.md)")
      ->check(CLI::ExistingFile);
  int exit_code = atp::app::kExitOk;
  atp::app::AddSampleCommand(app, global, exit_code);
  atp::app::AddCheckCommand(app, global, exit_code);
  atp::app::AddHashCommand(app, global, exit_code);
  atp::app::AddTranscodeCommand(app, global, exit_code);
  atp::app::AddValidateCommand(app, global, exit_code);
  atp::app::AddRunCommand(app, global, exit_code);
  atp::app::AddSignUrlCommand(app, global, exit_code);
  atp::app::AddServeCommand(app, global, exit_code);
  atp::app::AddJobCommands(app, global, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? atp::app::kExitOk : atp::app::kExitOtherError;
  } catch (const std::exception& error) {
    // Libraries report errors as statuses; an exception reaching here is a bug, reported as
    // one instead of an abort.
    std::cerr << "atp: internal error: " << error.what() << "\n";
    return atp::app::kExitOtherError;
  }
  return exit_code;
}
