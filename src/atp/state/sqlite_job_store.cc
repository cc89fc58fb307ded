#include "atp/state/sqlite_job_store.h"

#include <sqlite3.h>

#include <iterator>
#include <variant>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"

namespace atp::state {
namespace {

// The schema this build reads and writes (PRAGMA user_version). A database of an older
// version is migrated forward when opened; a newer one is refused untouched.
constexpr int kSchemaVersion = 2;

constexpr char kSchema[] = R"sql(
CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY, job_key TEXT NOT NULL UNIQUE, manifest_id TEXT NOT NULL,
  manifest_path TEXT NOT NULL, input_root TEXT NOT NULL, output_dir TEXT NOT NULL,
  state TEXT NOT NULL, run INTEGER NOT NULL, step TEXT NOT NULL DEFAULT '',
  error_step TEXT NOT NULL DEFAULT '', error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '', cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '', lease_host TEXT NOT NULL DEFAULT '',
  lease_pid INTEGER NOT NULL DEFAULT 0, lease_expires_us INTEGER NOT NULL DEFAULT 0,
  profile TEXT NOT NULL DEFAULT '');
CREATE TABLE events (
  job_id TEXT NOT NULL REFERENCES jobs(job_id), sequence INTEGER NOT NULL, run INTEGER NOT NULL,
  step TEXT NOT NULL, kind TEXT NOT NULL, attempt INTEGER NOT NULL, outcome TEXT NOT NULL,
  message TEXT NOT NULL, time_us INTEGER NOT NULL, PRIMARY KEY (job_id, sequence));
CREATE TABLE artifacts (
  job_id TEXT NOT NULL REFERENCES jobs(job_id), run INTEGER NOT NULL, name TEXT NOT NULL,
  value BLOB NOT NULL, PRIMARY KEY (job_id, run, name));
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL REFERENCES jobs(job_id),
  event_id TEXT NOT NULL, destination TEXT NOT NULL, attempt INTEGER NOT NULL,
  http_status INTEGER NOT NULL, delivered INTEGER NOT NULL, error TEXT NOT NULL,
  time_us INTEGER NOT NULL);
)sql";

// kMigrations[v] takes a database from version v to v + 1. Each is guarded by the schema it
// finds, not only by the version number: an atp of schema 1 resets the number to 1 whenever
// it opens a database, so a database may be at version 1 with version 2's columns.
struct Migration {
  const char* already_done;  // A query that returns a row when the schema has the change.
  const char* sql;
};
const Migration kMigrations[] = {
    /*0 -> 1: the schema above, created whole instead*/ {nullptr, nullptr},
    /*1 -> 2: jobs own their profile*/
    {"SELECT 1 FROM pragma_table_info('jobs') WHERE name = 'profile'",
     "ALTER TABLE jobs ADD COLUMN profile TEXT NOT NULL DEFAULT ''"},
};
static_assert(std::size(kMigrations) == kSchemaVersion);

constexpr char kJobColumns[] =
    "job_id, job_key, manifest_id, manifest_path, input_root, output_dir, state, run, step, "
    "error_step, error_code, error_message, cancel_requested, created_us, updated_us, "
    "lease_owner, lease_host, lease_pid, lease_expires_us, profile";

// SQLite result codes → canonical codes, once, here.
absl::Status SqliteError(sqlite3* db, int code, std::string_view doing) {
  const std::string message =
      absl::StrCat("job database: ", std::string(doing), ": ", sqlite3_errmsg(db));
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return absl::UnavailableError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

using Value = std::variant<int64_t, std::string>;

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  Statement(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(statement_); }

  // Advances; true while there is a row.
  absl::StatusOr<bool> Step() {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    return SqliteError(db_, code, sqlite3_sql(statement_));
  }
  int64_t Int(int column) { return sqlite3_column_int64(statement_, column); }
  std::string Text(int column) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_blob(statement_, column));
    return text == nullptr ? std::string()
                           : std::string(text, sqlite3_column_bytes(statement_, column));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_;
};

class SqliteJobStore : public JobStore {
 public:
  explicit SqliteJobStore(sqlite3* db) : db_(db) {}
  ~SqliteJobStore() override { sqlite3_close_v2(db_); }

  // Refuses a database of a newer schema before writing anything to it, then brings an
  // older one (or a new empty file) to kSchemaVersion in one transaction.
  absl::Status Init(bool file, const std::string& name) {
    sqlite3_busy_timeout(db_, 10000);
    ATP_ASSIGN_OR_RETURN(const int version, UserVersion());
    if (version > kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("job database ", name, " has schema version ", version,
                       ", newer than this atp reads (", kSchemaVersion,
                       "): it was written by a newer atp. Run that atp, or use another "
                       "--state; the file was not changed"));
    }
    if (file) ATP_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    ATP_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
    ATP_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
    if (version == kSchemaVersion) return absl::OkStatus();
    return Transaction([&]() -> absl::Status {
      // Read again under the write lock: another process may have migrated meanwhile.
      ATP_ASSIGN_OR_RETURN(int current, UserVersion());
      if (current == 0) {
        ATP_ASSIGN_OR_RETURN(auto tables, Prepare("SELECT count(*) FROM sqlite_master", {}));
        ATP_RETURN_IF_ERROR(tables->Step().status());
        if (tables->Int(0) != 0) {
          return absl::FailedPreconditionError(absl::StrCat(
              name,
              " is an SQLite database but not an atp job database (it has tables and no "
              "schema version); use another --state"));
        }
        ATP_RETURN_IF_ERROR(Exec(kSchema));
        current = kSchemaVersion;
      }
      for (; current < kSchemaVersion; ++current) {
        bool has_change = false;
        {  // The query is finished before the schema changes.
          ATP_ASSIGN_OR_RETURN(auto done, Prepare(kMigrations[current].already_done, {}));
          ATP_ASSIGN_OR_RETURN(has_change, done->Step());
        }
        if (!has_change) ATP_RETURN_IF_ERROR(Exec(kMigrations[current].sql));
      }
      return Exec(absl::StrCat("PRAGMA user_version = ", kSchemaVersion).c_str());
    });
  }

  absl::StatusOr<std::pair<JobRecord, bool>> Reserve(
      const NewJob& job, absl::Time now, const std::vector<StepEvent>& first_events) override {
    bool created = false;
    ATP_RETURN_IF_ERROR(Transaction([&]() -> absl::Status {
      ATP_RETURN_IF_ERROR(Run(
          "INSERT INTO jobs (job_id, job_key, manifest_id, manifest_path, input_root, output_dir,"
          " profile, state, run, created_us, updated_us)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, 'RUNNING', 1, ?, ?) ON CONFLICT(job_key) DO NOTHING",
          {job.job_id, job.job_key, job.manifest_id, job.manifest_path, job.input_root,
           job.output_dir, job.profile, Micros(now), Micros(now)}));
      created = sqlite3_changes(db_) == 1;
      if (!created) return absl::OkStatus();
      for (const StepEvent& event : first_events) {
        ATP_RETURN_IF_ERROR(InsertEvent(job.job_id, /*run=*/1, event));
      }
      return absl::OkStatus();
    }));
    ATP_ASSIGN_OR_RETURN(std::optional<JobRecord> record, FindByKey(job.job_key));
    if (!record) return absl::InternalError("job database: reserved job vanished");
    return std::make_pair(*std::move(record), created);
  }

  absl::StatusOr<JobRecord> Get(std::string_view job_id) override {
    ATP_ASSIGN_OR_RETURN(std::vector<JobRecord> jobs,
                         QueryJobs("WHERE job_id = ?", {std::string(job_id)}));
    if (jobs.empty()) return absl::NotFoundError(absl::StrCat("no job ", std::string(job_id)));
    return jobs.front();
  }

  absl::StatusOr<std::optional<JobRecord>> FindByKey(std::string_view job_key) override {
    ATP_ASSIGN_OR_RETURN(std::vector<JobRecord> jobs,
                         QueryJobs("WHERE job_key = ?", {std::string(job_key)}));
    if (jobs.empty()) return std::optional<JobRecord>();
    return std::optional<JobRecord>(jobs.front());
  }

  absl::StatusOr<std::vector<JobRecord>> List(int limit) override {
    return QueryJobs("ORDER BY created_us DESC, rowid DESC LIMIT ?", {int64_t{limit}});
  }

  absl::StatusOr<JobRecord> AcquireLease(std::string_view job_id, const LeaseHolder& holder,
                                         absl::Time now, absl::Duration ttl) override {
    ATP_RETURN_IF_ERROR(Transaction([&]() -> absl::Status {
      ATP_ASSIGN_OR_RETURN(JobRecord job, Get(job_id));
      if (IsTerminal(job.state)) {
        return absl::FailedPreconditionError(absl::StrCat("job ", std::string(job_id), " is ",
                                                          std::string(JobStateName(job.state))));
      }
      if (!job.lease.owner.empty() && job.lease.owner != holder.owner && job.lease_expires > now) {
        return absl::AbortedError(absl::StrCat("job ", std::string(job_id), " is leased by ",
                                               job.lease.owner, " until ",
                                               absl::FormatTime(job.lease_expires)));
      }
      return SetLease(job_id, holder, now, ttl);
    }));
    return Get(job_id);
  }

  absl::StatusOr<JobRecord> TakeOverLease(std::string_view job_id, std::string_view previous_owner,
                                          const LeaseHolder& holder, absl::Time now,
                                          absl::Duration ttl) override {
    ATP_RETURN_IF_ERROR(Transaction([&]() -> absl::Status {
      ATP_ASSIGN_OR_RETURN(JobRecord job, Get(job_id));
      if (IsTerminal(job.state)) {
        return absl::FailedPreconditionError(absl::StrCat("job ", std::string(job_id), " is ",
                                                          std::string(JobStateName(job.state))));
      }
      if (job.lease.owner != previous_owner) {
        return absl::AbortedError(absl::StrCat(
            "job ", std::string(job_id), " is no longer leased by ", std::string(previous_owner)));
      }
      return SetLease(job_id, holder, now, ttl);
    }));
    return Get(job_id);
  }

  absl::Status RenewLease(std::string_view job_id, std::string_view owner, absl::Time now,
                          absl::Duration ttl) override {
    ATP_RETURN_IF_ERROR(
        Run("UPDATE jobs SET lease_expires_us = ? WHERE job_id = ? AND lease_owner = ? AND "
            "lease_owner <> ''",
            {Micros(now + ttl), std::string(job_id), std::string(owner)}));
    return sqlite3_changes(db_) == 1 ? absl::OkStatus() : LeaseLost(job_id, owner);
  }

  absl::Status ReleaseLease(std::string_view job_id, std::string_view owner) override {
    return Run(
        "UPDATE jobs SET lease_owner = '', lease_host = '', lease_pid = 0, lease_expires_us = 0"
        " WHERE job_id = ? AND lease_owner = ?",
        {std::string(job_id), std::string(owner)});
  }

  absl::Status AppendEvent(std::string_view job_id, std::string_view owner,
                           const StepEvent& event) override {
    return Transaction([&]() -> absl::Status {
      ATP_ASSIGN_OR_RETURN(JobRecord job, HeldJob(job_id, owner));
      ATP_RETURN_IF_ERROR(InsertEvent(job_id, job.run, event));
      if (event.kind != "start") return absl::OkStatus();
      return Run("UPDATE jobs SET step = ?, updated_us = ? WHERE job_id = ?",
                 {event.step, Micros(event.time), std::string(job_id)});
    });
  }

  absl::StatusOr<std::vector<StepEvent>> Events(std::string_view job_id) override {
    return Query<StepEvent>(
        "SELECT sequence, run, step, kind, attempt, outcome, message, time_us FROM events"
        " WHERE job_id = ? ORDER BY sequence",
        {std::string(job_id)}, [](Statement& s) -> StepEvent {
          return {.sequence = s.Int(0),
                  .run = static_cast<int>(s.Int(1)),
                  .step = s.Text(2),
                  .kind = s.Text(3),
                  .attempt = static_cast<int>(s.Int(4)),
                  .outcome = s.Text(5),
                  .message = s.Text(6),
                  .time = absl::FromUnixMicros(s.Int(7))};
        });
  }

  absl::Status PutArtifact(std::string_view job_id, std::string_view owner, std::string_view name,
                           std::string_view value) override {
    return Transaction([&]() -> absl::Status {
      ATP_ASSIGN_OR_RETURN(JobRecord job, HeldJob(job_id, owner));
      return Run("INSERT OR REPLACE INTO artifacts (job_id, run, name, value) VALUES (?, ?, ?, ?)",
                 {std::string(job_id), int64_t{job.run}, std::string(name), std::string(value)});
    });
  }

  absl::StatusOr<std::string> GetArtifact(std::string_view job_id, std::string_view name) override {
    ATP_ASSIGN_OR_RETURN(auto statement, Prepare("SELECT a.value FROM artifacts a JOIN jobs j ON"
                                                 " a.job_id = j.job_id AND a.run = j.run"
                                                 " WHERE a.job_id = ? AND a.name = ?",
                                                 {std::string(job_id), std::string(name)}));
    ATP_ASSIGN_OR_RETURN(bool row, statement->Step());
    if (!row) {
      return absl::NotFoundError(absl::StrCat("job ", std::string(job_id), " has no artifact ",
                                              std::string(name), " in its current run"));
    }
    return statement->Text(0);
  }

  absl::Status Finish(std::string_view job_id, std::string_view owner, JobState state,
                      std::string_view error_step, const absl::Status& error,
                      absl::Time now) override {
    return Transaction([&]() -> absl::Status {
      ATP_RETURN_IF_ERROR(HeldJob(job_id, owner).status());
      return Run(
          "UPDATE jobs SET state = ?, error_step = ?, error_code = ?, error_message = ?,"
          " updated_us = ?, lease_owner = '', lease_host = '', lease_pid = 0,"
          " lease_expires_us = 0 WHERE job_id = ?",
          {std::string(JobStateName(state)), error.ok() ? "" : std::string(error_step),
           error.ok() ? "" : absl::StatusCodeToString(error.code()), std::string(error.message()),
           Micros(now), std::string(job_id)});
    });
  }

  absl::Status Reopen(std::string_view job_id, absl::Time now) override {
    return Transaction([&]() -> absl::Status {
      ATP_ASSIGN_OR_RETURN(JobRecord job, Get(job_id));
      if (job.state != JobState::kFailed && job.state != JobState::kCancelled) {
        return absl::FailedPreconditionError(
            absl::StrCat("job ", std::string(job_id), " is ", std::string(JobStateName(job.state)),
                         "; only FAILED or CANCELLED jobs can run again"));
      }
      ATP_RETURN_IF_ERROR(Run("DELETE FROM artifacts WHERE job_id = ?", {std::string(job_id)}));
      return Run(
          "UPDATE jobs SET state = 'RUNNING', run = run + 1, error_step = '', error_code = '',"
          " error_message = '', cancel_requested = 0, updated_us = ?, lease_owner = '',"
          " lease_host = '', lease_pid = 0, lease_expires_us = 0 WHERE job_id = ?",
          {Micros(now), std::string(job_id)});
    });
  }

  absl::StatusOr<JobRecord> RequestCancel(std::string_view job_id, absl::Time now) override {
    ATP_RETURN_IF_ERROR(Transaction([&]() -> absl::Status {
      ATP_ASSIGN_OR_RETURN(JobRecord job, Get(job_id));
      if (IsTerminal(job.state)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "job ", std::string(job_id), " is already ", std::string(JobStateName(job.state))));
      }
      if (!job.lease.owner.empty() && job.lease_expires > now) {
        return Run("UPDATE jobs SET cancel_requested = 1, updated_us = ? WHERE job_id = ?",
                   {Micros(now), std::string(job_id)});
      }
      return Run(
          "UPDATE jobs SET state = 'CANCELLED', cancel_requested = 1, error_step = step,"
          " error_code = 'CANCELLED', error_message = 'cancelled while no process worked on it',"
          " updated_us = ? WHERE job_id = ?",
          {Micros(now), std::string(job_id)});
    }));
    return Get(job_id);
  }

  absl::Status RecordDelivery(std::string_view job_id, const DeliveryAttempt& a) override {
    return Run(
        "INSERT INTO deliveries (job_id, event_id, destination, attempt, http_status, delivered,"
        " error, time_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {std::string(job_id), a.event_id, a.destination, int64_t{a.attempt}, int64_t{a.http_status},
         int64_t{a.delivered ? 1 : 0}, a.error, Micros(a.time)});
  }

  absl::StatusOr<std::vector<DeliveryAttempt>> Deliveries(std::string_view job_id) override {
    return Query<DeliveryAttempt>(
        "SELECT event_id, destination, attempt, http_status, delivered, error, time_us"
        " FROM deliveries WHERE job_id = ? ORDER BY id",
        {std::string(job_id)}, [](Statement& s) -> DeliveryAttempt {
          return {.event_id = s.Text(0),
                  .destination = s.Text(1),
                  .attempt = static_cast<int>(s.Int(2)),
                  .http_status = static_cast<int>(s.Int(3)),
                  .delivered = s.Int(4) != 0,
                  .error = s.Text(5),
                  .time = absl::FromUnixMicros(s.Int(6))};
        });
  }

 private:
  static int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }

  absl::StatusOr<int> UserVersion() {
    ATP_ASSIGN_OR_RETURN(auto statement, Prepare("PRAGMA user_version", {}));
    ATP_RETURN_IF_ERROR(statement->Step().status());
    return static_cast<int>(statement->Int(0));
  }

  absl::Status InsertEvent(std::string_view job_id, int run, const StepEvent& event) {
    return Run(
        "INSERT INTO events (job_id, sequence, run, step, kind, attempt, outcome, message,"
        " time_us) SELECT ?, COALESCE(MAX(sequence), 0) + 1, ?, ?, ?, ?, ?, ?, ?"
        " FROM events WHERE job_id = ?",
        {std::string(job_id), int64_t{run}, event.step, event.kind, int64_t{event.attempt},
         event.outcome, event.message, Micros(event.time), std::string(job_id)});
  }

  absl::Status Exec(const char* sql) {
    char* error = nullptr;
    const int code = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
    sqlite3_free(error);
    return code == SQLITE_OK ? absl::OkStatus() : SqliteError(db_, code, sql);
  }

  absl::StatusOr<std::unique_ptr<Statement>> Prepare(const char* sql,
                                                     const std::vector<Value>& values) {
    sqlite3_stmt* raw = nullptr;
    if (int code = sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr); code != SQLITE_OK) {
      return SqliteError(db_, code, sql);
    }
    auto statement = std::make_unique<Statement>(db_, raw);
    for (size_t i = 0; i < values.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      if (const auto* number = std::get_if<int64_t>(&values[i])) {
        sqlite3_bind_int64(raw, index, *number);
      } else {
        const std::string& text = std::get<std::string>(values[i]);
        sqlite3_bind_text(raw, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
      }
    }
    return statement;
  }

  // Every row of `sql`, each made into a T by `row`.
  template <typename T>
  absl::StatusOr<std::vector<T>> Query(const char* sql, const std::vector<Value>& values,
                                       const std::function<T(Statement&)>& row) {
    ATP_ASSIGN_OR_RETURN(auto statement, Prepare(sql, values));
    std::vector<T> rows;
    for (;;) {
      ATP_ASSIGN_OR_RETURN(bool more, statement->Step());
      if (!more) return rows;
      rows.push_back(row(*statement));
    }
  }

  absl::Status Run(const char* sql, const std::vector<Value>& values) {
    ATP_ASSIGN_OR_RETURN(auto statement, Prepare(sql, values));
    return statement->Step().status();
  }

  // Runs `body` in one IMMEDIATE transaction (the write lock is taken up front, so two
  // processes' read-then-write bodies never interleave); rolls back when it fails.
  absl::Status Transaction(const std::function<absl::Status()>& body) {
    ATP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    absl::Status status = body();
    if (status.ok()) status = Exec("COMMIT");
    if (!status.ok()) (void)Exec("ROLLBACK");
    return status;
  }

  absl::StatusOr<std::vector<JobRecord>> QueryJobs(const std::string& where,
                                                   const std::vector<Value>& values) {
    const std::string sql = absl::StrCat("SELECT ", kJobColumns, " FROM jobs ", where);
    return Query<JobRecord>(sql.c_str(), values, [](Statement& s) -> JobRecord {
      return {.job = {.job_id = s.Text(0),
                      .job_key = s.Text(1),
                      .manifest_id = s.Text(2),
                      .manifest_path = s.Text(3),
                      .input_root = s.Text(4),
                      .output_dir = s.Text(5),
                      .profile = s.Text(19)},
              .state = ParseJobState(s.Text(6)).value_or(JobState::kFailed),
              .run = static_cast<int>(s.Int(7)),
              .step = s.Text(8),
              .error_step = s.Text(9),
              .error_code = s.Text(10),
              .error_message = s.Text(11),
              .cancel_requested = s.Int(12) != 0,
              .created_at = absl::FromUnixMicros(s.Int(13)),
              .updated_at = absl::FromUnixMicros(s.Int(14)),
              .lease = {.owner = s.Text(15), .host = s.Text(16), .pid = s.Int(17)},
              .lease_expires = absl::FromUnixMicros(s.Int(18))};
    });
  }

  absl::Status SetLease(std::string_view job_id, const LeaseHolder& holder, absl::Time now,
                        absl::Duration ttl) {
    return Run(
        "UPDATE jobs SET lease_owner = ?, lease_host = ?, lease_pid = ?, lease_expires_us = ?,"
        " updated_us = ? WHERE job_id = ?",
        {holder.owner, holder.host, holder.pid, Micros(now + ttl), Micros(now),
         std::string(job_id)});
  }

  absl::Status LeaseLost(std::string_view job_id, std::string_view owner) {
    return absl::AbortedError(absl::StrCat("lease lost: job ", std::string(job_id),
                                           " is not leased by ", std::string(owner)));
  }

  // The job, when `owner` holds its lease; Aborted otherwise.
  absl::StatusOr<JobRecord> HeldJob(std::string_view job_id, std::string_view owner) {
    ATP_ASSIGN_OR_RETURN(JobRecord job, Get(job_id));
    if (job.lease.owner.empty() || job.lease.owner != owner) return LeaseLost(job_id, owner);
    return job;
  }

  sqlite3* db_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<JobStore>> OpenSqliteJobStore(const std::filesystem::path& file) {
  const bool in_memory = file == ":memory:";
  if (!in_memory && file.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    if (error) {
      return absl::UnavailableError(absl::StrCat(
          "job database: cannot create ", file.parent_path().string(), ": ", error.message()));
    }
  }
  sqlite3* db = nullptr;
  const int code =
      sqlite3_open_v2(file.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  auto store = std::make_unique<SqliteJobStore>(db);
  if (code != SQLITE_OK) return SqliteError(db, code, absl::StrCat("open ", file.string()));
  ATP_RETURN_IF_ERROR(store->Init(!in_memory, file.string()));
  return store;
}

}  // namespace atp::state
