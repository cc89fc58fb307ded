// atp/state/sqlite_job_store.h
//
// JobStore on one SQLite database (WAL, busy timeout), shared safely by many processes on one
// host: Reserve is INSERT ... ON CONFLICT(job_key) DO NOTHING in an IMMEDIATE transaction,
// lease changes are conditional UPDATEs. SQLITE_BUSY past the timeout maps to Unavailable.
#ifndef ATP_STATE_SQLITE_JOB_STORE_H_
#define ATP_STATE_SQLITE_JOB_STORE_H_

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "atp/state/job_store.h"

namespace atp::state {

// Opens (creating the file, its folder and the schema when missing) the database at `file`;
// ":memory:" gives a private in-memory database.
[[nodiscard]] absl::StatusOr<std::unique_ptr<JobStore>> OpenSqliteJobStore(
    const std::filesystem::path& file);

}  // namespace atp::state

#endif  // ATP_STATE_SQLITE_JOB_STORE_H_
