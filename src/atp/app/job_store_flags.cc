#include "atp/app/job_store_flags.h"

#include "atp/state/sqlite_job_store.h"

namespace atp::app {

void JobStoreFlags::AddTo(CLI::App& command) {
  command.add_option("--out", out, "Output root (default: ./atp-output)");
  command.add_option("--state", state, "Job database (default: <out>/.atp/jobs.db)");
}

std::filesystem::path JobStoreFlags::StateFile() const {
  return state.empty() ? out / ".atp" / "jobs.db" : state;
}

absl::StatusOr<std::unique_ptr<state::JobStore>> JobStoreFlags::Open() const {
  return state::OpenSqliteJobStore(StateFile());
}

}  // namespace atp::app
