// The JobStore contract, run against every implementation (SQLite in memory and in a file).
#include <sqlite3.h>

#include <thread>

#include "atp/state/sqlite_job_store.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::state {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const absl::Duration kTtl = absl::Seconds(60);
const LeaseHolder kAlice{.owner = "host:1:a", .host = "host", .pid = 1};
const LeaseHolder kBob{.owner = "host:2:b", .host = "host", .pid = 2};

NewJob Job(const std::string& id) {
  return {.job_id = id,
          .job_key = "key-" + id,
          .manifest_id = "manifest-" + id,
          .manifest_path = "/in/" + id + ".xml",
          .input_root = "/in",
          .output_dir = "/out/" + id};
}

class JobStoreContract : public ::testing::TestWithParam<bool /*in a file*/> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_,
                         OpenSqliteJobStore(GetParam() ? dir_.path() / "state/jobs.db"
                                                       : std::filesystem::path(":memory:")));
  }
  testing::TempDir dir_;
  std::unique_ptr<JobStore> store_;
};

TEST_P(JobStoreContract, ReserveCreatesOnceAndReturnsTheExistingJob) {
  ASSERT_OK_AND_ASSIGN(auto first, store_->Reserve(Job("a"), kNow, {}));
  EXPECT_TRUE(first.second);
  EXPECT_EQ(first.first.state, JobState::kRunning);
  EXPECT_EQ(first.first.run, 1);
  EXPECT_EQ(first.first.job.output_dir, "/out/a");
  NewJob again = Job("a");
  again.job_id = "other-id";  // Same key: the stored job wins.
  ASSERT_OK_AND_ASSIGN(auto second, store_->Reserve(again, kNow + absl::Seconds(1), {}));
  EXPECT_FALSE(second.second);
  EXPECT_EQ(second.first.job.job_id, "a");
  ASSERT_OK_AND_ASSIGN(auto found, store_->FindByKey("key-a"));
  ASSERT_TRUE(found.has_value());
  ASSERT_OK_AND_ASSIGN(auto missing, store_->FindByKey("key-z"));
  EXPECT_FALSE(missing.has_value());
  EXPECT_THAT(store_->Get("z").status(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(JobStoreContract, ListsNewestFirstUpToTheLimit) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(store_->Reserve(Job(std::to_string(i)), kNow + absl::Seconds(i), {}).status());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<JobRecord> jobs, store_->List(2));
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].job.job_id, "2");
  EXPECT_EQ(jobs[1].job.job_id, "1");
}

TEST_P(JobStoreContract, LeasesExcludeOthersUntilTheyExpire) {
  ASSERT_OK(store_->Reserve(Job("a"), kNow, {}).status());
  ASSERT_OK_AND_ASSIGN(JobRecord leased, store_->AcquireLease("a", kAlice, kNow, kTtl));
  EXPECT_EQ(leased.lease.owner, kAlice.owner);
  EXPECT_EQ(leased.lease.pid, 1);
  EXPECT_EQ(leased.lease_expires, kNow + kTtl);
  EXPECT_THAT(store_->AcquireLease("a", kBob, kNow + absl::Seconds(59), kTtl).status(),
              StatusIs(absl::StatusCode::kAborted, HasSubstr(kAlice.owner)));
  ASSERT_OK(store_->AcquireLease("a", kAlice, kNow + absl::Seconds(1), kTtl).status());
  ASSERT_OK(store_->RenewLease("a", kAlice.owner, kNow + absl::Seconds(50), kTtl));
  EXPECT_THAT(store_->AcquireLease("a", kBob, kNow + absl::Seconds(100), kTtl).status(),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK_AND_ASSIGN(JobRecord taken,
                       store_->AcquireLease("a", kBob, kNow + absl::Seconds(110), kTtl));
  EXPECT_EQ(taken.lease.owner, kBob.owner);
  EXPECT_THAT(store_->RenewLease("a", kAlice.owner, kNow + absl::Seconds(111), kTtl),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("lease lost")));
}

TEST_P(JobStoreContract, TakeOverNeedsTheCurrentOwner) {
  ASSERT_OK(store_->Reserve(Job("a"), kNow, {}).status());
  ASSERT_OK(store_->AcquireLease("a", kAlice, kNow, kTtl).status());
  EXPECT_THAT(store_->TakeOverLease("a", "host:9:z", kBob, kNow, kTtl).status(),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK_AND_ASSIGN(JobRecord taken, store_->TakeOverLease("a", kAlice.owner, kBob, kNow, kTtl));
  EXPECT_EQ(taken.lease.owner, kBob.owner);
}

TEST_P(JobStoreContract, JournalNeedsTheLeaseAndKeepsOrder) {
  ASSERT_OK(store_->Reserve(Job("a"), kNow, {}).status());
  const StepEvent start{.step = "verify", .kind = "start", .attempt = 1, .time = kNow};
  EXPECT_THAT(store_->AppendEvent("a", kAlice.owner, start), StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK(store_->AcquireLease("a", kAlice, kNow, kTtl).status());
  ASSERT_OK(store_->AppendEvent("a", kAlice.owner, start));
  ASSERT_OK(store_->AppendEvent("a", kAlice.owner,
                                {.step = "verify",
                                 .kind = "end",
                                 .attempt = 1,
                                 .outcome = "UNAVAILABLE",
                                 .message = "disk",
                                 .time = kNow + absl::Seconds(2)}));
  ASSERT_OK_AND_ASSIGN(std::vector<StepEvent> events, store_->Events("a"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].sequence, 1);
  EXPECT_EQ(events[1].sequence, 2);
  EXPECT_EQ(events[1].outcome, "UNAVAILABLE");
  EXPECT_EQ(events[1].message, "disk");
  EXPECT_EQ(events[1].time, kNow + absl::Seconds(2));
  EXPECT_EQ(events[1].run, 1);
  ASSERT_OK_AND_ASSIGN(JobRecord job, store_->Get("a"));
  EXPECT_EQ(job.step, "verify");
}

TEST_P(JobStoreContract, ArtifactsBelongToTheCurrentRun) {
  ASSERT_OK(store_->Reserve(Job("a"), kNow, {}).status());
  EXPECT_THAT(store_->PutArtifact("a", kAlice.owner, "media", "{}"),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK(store_->AcquireLease("a", kAlice, kNow, kTtl).status());
  ASSERT_OK(store_->PutArtifact("a", kAlice.owner, "media", "one"));
  ASSERT_OK(store_->PutArtifact("a", kAlice.owner, "media", std::string("tw\0o", 4)));
  ASSERT_OK_AND_ASSIGN(std::string media, store_->GetArtifact("a", "media"));
  EXPECT_EQ(media, std::string("tw\0o", 4));
  EXPECT_THAT(store_->GetArtifact("a", "source").status(), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(store_->Finish("a", kAlice.owner, JobState::kFailed, "transcode",
                           absl::UnavailableError("gone"), kNow));
  ASSERT_OK(store_->Reopen("a", kNow));
  EXPECT_THAT(store_->GetArtifact("a", "media").status(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(JobStoreContract, FinishRecordsTheErrorAndEndsTheLease) {
  ASSERT_OK(store_->Reserve(Job("a"), kNow, {}).status());
  ASSERT_OK(store_->AcquireLease("a", kAlice, kNow, kTtl).status());
  EXPECT_THAT(store_->Finish("a", kBob.owner, JobState::kComplete, "", absl::OkStatus(), kNow),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK(store_->Finish("a", kAlice.owner, JobState::kFailed, "verify",
                           absl::DataLossError("MD5 differs"), kNow + absl::Seconds(3)));
  ASSERT_OK_AND_ASSIGN(JobRecord job, store_->Get("a"));
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(job.error_step, "verify");
  EXPECT_EQ(job.error_code, "DATA_LOSS");
  EXPECT_EQ(job.error_message, "MD5 differs");
  EXPECT_TRUE(job.lease.owner.empty());
  EXPECT_EQ(job.updated_at, kNow + absl::Seconds(3));
  EXPECT_THAT(store_->AcquireLease("a", kAlice, kNow, kTtl).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(store_->Reopen("a", kNow));
  ASSERT_OK_AND_ASSIGN(job, store_->Get("a"));
  EXPECT_EQ(job.state, JobState::kRunning);
  EXPECT_EQ(job.run, 2);
  EXPECT_TRUE(job.error_code.empty());
  ASSERT_OK(store_->AcquireLease("a", kAlice, kNow, kTtl).status());
  ASSERT_OK(store_->Finish("a", kAlice.owner, JobState::kComplete, "", absl::OkStatus(), kNow));
  EXPECT_THAT(store_->Reopen("a", kNow), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(JobStoreContract, CancelWaitsForALiveWorkerOrEndsAnIdleJob) {
  ASSERT_OK(store_->Reserve(Job("busy"), kNow, {}).status());
  ASSERT_OK(store_->Reserve(Job("idle"), kNow, {}).status());
  ASSERT_OK(store_->AcquireLease("busy", kAlice, kNow, kTtl).status());
  ASSERT_OK_AND_ASSIGN(JobRecord busy, store_->RequestCancel("busy", kNow));
  EXPECT_EQ(busy.state, JobState::kRunning);
  EXPECT_TRUE(busy.cancel_requested);
  ASSERT_OK_AND_ASSIGN(JobRecord idle, store_->RequestCancel("idle", kNow));
  EXPECT_EQ(idle.state, JobState::kCancelled);
  EXPECT_THAT(store_->RequestCancel("idle", kNow).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(JobStoreContract, DeliveriesAreKeptInOrder) {
  ASSERT_OK(store_->Reserve(Job("a"), kNow, {}).status());
  ASSERT_OK(store_->RecordDelivery("a", {.event_id = "e",
                                         .destination = "http://x",
                                         .attempt = 1,
                                         .http_status = 500,
                                         .error = "HTTP 500",
                                         .time = kNow}));
  ASSERT_OK(store_->RecordDelivery("a", {.event_id = "e",
                                         .destination = "http://x",
                                         .attempt = 2,
                                         .http_status = 200,
                                         .delivered = true,
                                         .time = kNow}));
  ASSERT_OK_AND_ASSIGN(std::vector<DeliveryAttempt> attempts, store_->Deliveries("a"));
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].http_status, 500);
  EXPECT_FALSE(attempts[0].delivered);
  EXPECT_EQ(attempts[1].attempt, 2);
  EXPECT_TRUE(attempts[1].delivered);
}

TEST_P(JobStoreContract, ReserveStoresTheJobWithItsFirstEventsAndProfile) {
  NewJob job = Job("a");
  job.profile = "version = \"7\"\n";
  const std::vector<StepEvent> first = {
      {.step = "ingest", .kind = "start", .time = kNow},
      {.step = "ingest", .kind = "end", .outcome = "OK", .time = kNow + absl::Seconds(1)}};
  ASSERT_OK(store_->Reserve(job, kNow, first).status());
  ASSERT_OK(store_->Reserve(job, kNow, first).status());  // Existing: nothing added.
  ASSERT_OK_AND_ASSIGN(std::vector<StepEvent> events, store_->Events("a"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].step, "ingest");
  EXPECT_EQ(events[1].outcome, "OK");
  EXPECT_EQ(events[1].run, 1);
  ASSERT_OK_AND_ASSIGN(JobRecord stored, store_->Get("a"));
  EXPECT_EQ(stored.job.profile, job.profile);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, JobStoreContract, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "File" : "InMemory"; });

// Eight stores on one file (as eight processes would have) reserving one key at once.
TEST(SqliteJobStore, ConcurrentReservesCreateOneJob) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "jobs.db";
  ASSERT_OK(OpenSqliteJobStore(file).status());
  std::atomic<int> created{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<std::unique_ptr<JobStore>> store = OpenSqliteJobStore(file);
      NewJob job = Job("a");
      job.job_id = "id-" + std::to_string(i);
      auto reserved = store.ok() ? (*store)->Reserve(job, kNow, {}) : store.status();
      if (!reserved.ok()) ++failed;
      if (reserved.ok() && reserved->second) ++created;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(created, 1);
}

TEST(SqliteJobStore, KeepsJobsAcrossReopening) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "jobs.db";
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteJobStore(file));
    ASSERT_OK(store->Reserve(Job("a"), kNow, {}).status());
  }
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteJobStore(file));
  ASSERT_OK_AND_ASSIGN(JobRecord job, store->Get("a"));
  EXPECT_EQ(job.job.manifest_id, "manifest-a");
  EXPECT_THAT(OpenSqliteJobStore(dir.WriteFile("junk.db", std::string(4096, 'x'))).status(),
              StatusIs(absl::StatusCode::kDataLoss));
}

// Runs `sql` on `file` with SQLite directly, as another program (or another atp) would.
void ExecSql(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error == nullptr ? "" : error);
  sqlite3_free(error);
  sqlite3_close(db);
}

// A constraint this atp does not know of fails the journal insert: the job is not left
// behind without its journal (it would stay RUNNING with nobody to run it).
TEST(SqliteJobStore, ReserveStoresNothingWhenTheFirstEventsCannotBeStored) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "jobs.db";
  ASSERT_OK(OpenSqliteJobStore(file).status());
  ExecSql(file,
          "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.step = 'reserve' "
          "BEGIN SELECT RAISE(ABORT, 'refused by a newer schema'); END;");
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteJobStore(file));
  EXPECT_FALSE(store
                   ->Reserve(Job("a"), kNow,
                             {{.step = "ingest", .kind = "start", .time = kNow},
                              {.step = "reserve", .kind = "start", .time = kNow}})
                   .ok());
  ASSERT_OK_AND_ASSIGN(std::optional<JobRecord> found, store->FindByKey("key-a"));
  EXPECT_FALSE(found.has_value());
  ASSERT_OK_AND_ASSIGN(std::vector<StepEvent> events, store->Events("a"));
  EXPECT_TRUE(events.empty());
}

TEST(SqliteJobStore, RefusesADatabaseOfANewerSchemaWithoutTouchingIt) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "jobs.db";
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteJobStore(file));
    ASSERT_OK(store->Reserve(Job("a"), kNow, {}).status());
  }
  ExecSql(file, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA user_version = 7;");
  const std::string before = testing::ReadFile(file);
  EXPECT_THAT(OpenSqliteJobStore(file).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("schema version 7, newer than this atp reads")));
  EXPECT_EQ(testing::ReadFile(file), before);
}

// A database made by the first atp (schema 1) opens with its jobs, migrated in place.
TEST(SqliteJobStore, MigratesAnOlderSchemaForward) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "jobs.db";
  ExecSql(file, R"sql(
    CREATE TABLE jobs (
      job_id TEXT PRIMARY KEY, job_key TEXT NOT NULL UNIQUE, manifest_id TEXT NOT NULL,
      manifest_path TEXT NOT NULL, input_root TEXT NOT NULL, output_dir TEXT NOT NULL,
      state TEXT NOT NULL, run INTEGER NOT NULL, step TEXT NOT NULL DEFAULT '',
      error_step TEXT NOT NULL DEFAULT '', error_code TEXT NOT NULL DEFAULT '',
      error_message TEXT NOT NULL DEFAULT '', cancel_requested INTEGER NOT NULL DEFAULT 0,
      created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL,
      lease_owner TEXT NOT NULL DEFAULT '', lease_host TEXT NOT NULL DEFAULT '',
      lease_pid INTEGER NOT NULL DEFAULT 0, lease_expires_us INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE events (
      job_id TEXT NOT NULL REFERENCES jobs(job_id), sequence INTEGER NOT NULL,
      run INTEGER NOT NULL, step TEXT NOT NULL, kind TEXT NOT NULL, attempt INTEGER NOT NULL,
      outcome TEXT NOT NULL, message TEXT NOT NULL, time_us INTEGER NOT NULL,
      PRIMARY KEY (job_id, sequence));
    CREATE TABLE artifacts (
      job_id TEXT NOT NULL REFERENCES jobs(job_id), run INTEGER NOT NULL, name TEXT NOT NULL,
      value BLOB NOT NULL, PRIMARY KEY (job_id, run, name));
    CREATE TABLE deliveries (
      id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL REFERENCES jobs(job_id),
      event_id TEXT NOT NULL, destination TEXT NOT NULL, attempt INTEGER NOT NULL,
      http_status INTEGER NOT NULL, delivered INTEGER NOT NULL, error TEXT NOT NULL,
      time_us INTEGER NOT NULL);
    INSERT INTO jobs (job_id, job_key, manifest_id, manifest_path, input_root, output_dir, state,
                      run, created_us, updated_us)
      VALUES ('old', 'key-old', 'm-old', '/in/old.xml', '/in', '/out/old', 'COMPLETE', 1, 1, 1);
    PRAGMA user_version = 1;)sql");
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteJobStore(file));
  ASSERT_OK_AND_ASSIGN(JobRecord old, store->Get("old"));
  EXPECT_EQ(old.state, JobState::kComplete);
  EXPECT_EQ(old.job.profile, "");
  NewJob job = Job("a");
  job.profile = "version = \"1\"\n";
  ASSERT_OK(store->Reserve(job, kNow, {}).status());
  ASSERT_OK_AND_ASSIGN(JobRecord stored, store->Get("a"));
  EXPECT_EQ(stored.job.profile, job.profile);
}

// The atp of schema 1 sets user_version back to 1 whenever it opens a database, so a
// database can say 1 and already have version 2's columns: it still opens.
TEST(SqliteJobStore, OpensADatabaseAnOlderAtpSetBackToAnOlderVersion) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "jobs.db";
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteJobStore(file));
    ASSERT_OK(store->Reserve(Job("a"), kNow, {}).status());
  }
  ExecSql(file, "PRAGMA user_version = 1;");
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteJobStore(file));
  EXPECT_OK(store->Get("a").status());
}

TEST(SqliteJobStore, RefusesAnSqliteDatabaseThatIsNotAJobDatabase) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "other.db";
  ExecSql(file, "CREATE TABLE photos (id INTEGER);");
  EXPECT_THAT(OpenSqliteJobStore(file).status(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                                          HasSubstr("not an atp job database")));
}

}  // namespace
}  // namespace atp::state
