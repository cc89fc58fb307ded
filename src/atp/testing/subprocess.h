// atp/testing/subprocess.h
#ifndef ATP_TESTING_SUBPROCESS_H_
#define ATP_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace atp::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when the command did not exit normally.
  std::string output;  // What it printed on stdout (redirect stderr in `command` to keep it).
};

// Runs `command` with /bin/sh and waits for it.
[[nodiscard]] CommandResult RunCommand(const std::string& command);

// `command` run with /bin/sh -c (exec'd, so signals reach it) in the background, its stdout
// and stderr appended to `log`. Killed (SIGKILL) and reaped when destroyed unless it ended.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::string& command, const std::filesystem::path& log);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  void Signal(int signal) const;
  // Waits up to `timeout` for it to end: its exit code, 128 + the signal that killed it, or
  // nullopt when it still runs.
  [[nodiscard]] std::optional<int> Wait(absl::Duration timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace atp::testing

#endif  // ATP_TESTING_SUBPROCESS_H_
