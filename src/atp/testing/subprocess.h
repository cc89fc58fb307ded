// atp/testing/subprocess.h
#ifndef ATP_TESTING_SUBPROCESS_H_
#define ATP_TESTING_SUBPROCESS_H_

#include <string>

namespace atp::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when the command did not exit normally.
  std::string output;  // What it printed on stdout (redirect stderr in `command` to keep it).
};

// Runs `command` with /bin/sh and waits for it.
[[nodiscard]] CommandResult RunCommand(const std::string& command);

}  // namespace atp::testing

#endif  // ATP_TESTING_SUBPROCESS_H_
