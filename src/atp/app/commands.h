// atp/app/commands.h
//
// The atp subcommands. Each Add*Command registers its flags on `app`; when the subcommand
// runs, its callback stores the process exit code in `exit_code`.
#ifndef ATP_APP_COMMANDS_H_
#define ATP_APP_COMMANDS_H_

#include <filesystem>

#include "CLI/CLI.hpp"

namespace atp::app {

// Options every subcommand shares.
struct GlobalOptions {
  std::filesystem::path profile_file;  // --profile: a TOML encoding profile.
};

void AddSampleCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddCheckCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddHashCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddTranscodeCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddValidateCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddRunCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);  // And retry.
void AddJobCommands(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddSignUrlCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddServeCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);

}  // namespace atp::app

#endif  // ATP_APP_COMMANDS_H_
