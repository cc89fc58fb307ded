#include "atp/app/job_store_flags.h"

#include "absl/strings/str_cat.h"
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
  // SQLite's private in-memory database would forget every job when the process ends, so the
  // same delivery would be encoded again on every run.
  if (StateFile() == ":memory:") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--state ", StateFile().string(),
        " keeps no record between runs (every run would encode again); give a file path"));
  }
  return state::OpenSqliteJobStore(StateFile());
}

}  // namespace atp::app
