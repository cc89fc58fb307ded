// atp/app/job_store_flags.h
//
// Where the job database is: --state PATH, else <--out DIR>/.atp/jobs.db (the output root
// defaults to ./atp-output). Shared by run, status, jobs, events, retry and cancel.
#ifndef ATP_APP_JOB_STORE_FLAGS_H_
#define ATP_APP_JOB_STORE_FLAGS_H_

#include <filesystem>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "atp/state/job_store.h"

namespace atp::app {

struct JobStoreFlags {
  std::filesystem::path state;
  std::filesystem::path out = "atp-output";

  void AddTo(CLI::App& command);
  [[nodiscard]] std::filesystem::path StateFile() const;
  [[nodiscard]] absl::StatusOr<std::unique_ptr<state::JobStore>> Open() const;
};

}  // namespace atp::app

#endif  // ATP_APP_JOB_STORE_FLAGS_H_
