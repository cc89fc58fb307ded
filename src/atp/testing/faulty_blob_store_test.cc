#include "atp/testing/faulty_blob_store.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "atp/storage/local_blob_store.h"
#include "atp/testing/fake_clock.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::testing {
namespace {

namespace fs = std::filesystem;
using storage::BlobReader;
using storage::BlobStore;
using storage::BlobWriter;
using storage::PrefixLock;
using Operation = FaultyBlobStore::Operation;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Status kDiskFull = absl::ResourceExhaustedError("No space left on device");
const absl::Status kEio = absl::UnavailableError("EIO");

class FaultyBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(base_, storage::OpenLocalBlobStore(root_)); }

  // What the decorated store holds: its keys, and every file on its disk (partial ones too).
  std::vector<std::string> BaseKeys() {
    absl::StatusOr<std::vector<std::string>> keys = base_->List("");
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.ok() ? *keys : std::vector<std::string>{};
  }
  std::vector<std::string> FilesOnDisk() {
    std::vector<std::string> names;
    std::error_code error;
    fs::recursive_directory_iterator entries(root_, error);
    for (; !error && entries != fs::recursive_directory_iterator(); entries.increment(error)) {
      if (entries->is_regular_file(error)) {
        names.push_back(entries->path().lexically_relative(root_).string());
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  TempDir dir_;
  const fs::path root_ = dir_.path() / "store";
  std::unique_ptr<BlobStore> base_;
};

TEST_F(FaultyBlobStoreTest, WithoutFaultsPassesEverythingThroughAndCountsIt) {
  FaultyBlobStore faulty(*base_);
  ASSERT_OK(faulty.Put("staged/a", "12345"));
  EXPECT_EQ(faulty.bytes_appended(), 5);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobReader> reader, faulty.Open("staged/a"));
  char buffer[8];
  ASSERT_OK_AND_ASSIGN(size_t got, reader->ReadAt(0, buffer, sizeof(buffer)));
  EXPECT_EQ(std::string(buffer, got), "12345");
  EXPECT_EQ(reader->name(), base_->Describe("staged/a"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> keys, faulty.List(""));
  EXPECT_THAT(keys, ElementsAre("staged/a"));
  ASSERT_OK_AND_ASSIGN(bool exists, faulty.Exists("staged"));
  EXPECT_TRUE(exists);
  ASSERT_OK(faulty.Publish("staged", "final"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PrefixLock> lock, faulty.TryLock("final"));
  ASSERT_OK(faulty.Delete("final/a"));
  ASSERT_OK(faulty.DeletePrefix("final"));
  EXPECT_EQ(faulty.Describe("k"), base_->Describe("k"));
  for (const auto& [op, count] : std::vector<std::pair<Operation, int>>{{Operation::kOpen, 1},
                                                                        {Operation::kRead, 1},
                                                                        {Operation::kCreate, 1},
                                                                        {Operation::kAppend, 1},
                                                                        {Operation::kCommit, 1},
                                                                        {Operation::kList, 1},
                                                                        {Operation::kExists, 1},
                                                                        {Operation::kDelete, 2},
                                                                        {Operation::kPublish, 1},
                                                                        {Operation::kLock, 1}}) {
    EXPECT_EQ(faulty.calls(op), count) << OperationName(op);
  }
  EXPECT_THAT(BaseKeys(), IsEmpty());
}

// A 10-byte disk shared by every writer: the write that passes it stores what fits and
// fails, and so does every later Append and Commit, until the faults are cleared.
TEST_F(FaultyBlobStoreTest, FailWritesAfterBytesFillsTheDiskForEveryWriter) {
  FaultyBlobStore faulty(*base_);
  faulty.FailWritesAfterBytes(10, kDiskFull);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobWriter> early, faulty.Create("early"));
  ASSERT_OK(early->Append("12"));
  ASSERT_OK(faulty.Put("fits", "123456"));  // 8 of 10 bytes used.
  EXPECT_THAT(faulty.Put("big", "12345"),
              StatusIs(absl::StatusCode::kResourceExhausted, "No space left on device"));
  EXPECT_EQ(faulty.bytes_appended(), 10);  // 2 + 6 + the 2 that fit.
  EXPECT_THAT(early->Commit(), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(faulty.Put("empty", ""), StatusIs(absl::StatusCode::kResourceExhausted));
  early.reset();
  EXPECT_THAT(BaseKeys(), ElementsAre("fits"));
  EXPECT_THAT(FilesOnDisk(), ElementsAre("fits"));  // No partial file of "big" or "early".
  faulty.ClearFaults();
  ASSERT_OK(faulty.Put("after", "freed"));
  EXPECT_THAT(BaseKeys(), ElementsAre("after", "fits"));
}

// Each operation fails exactly the number of times asked, with the status given, without
// reaching the decorated store; then it works again.
TEST_F(FaultyBlobStoreTest, FailNextFailsEachOperationTheTimesAsked) {
  FaultyBlobStore faulty(*base_);
  ASSERT_OK(base_->Put("obj", "bytes"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobReader> reader, faulty.Open("obj"));
  int publishes = 0;
  const std::vector<std::pair<Operation, std::function<absl::Status()>>> operations = {
      {Operation::kOpen, [&] { return faulty.Open("obj").status(); }},
      {Operation::kRead,
       [&] {
         char buffer[4];
         return reader->ReadAt(0, buffer, sizeof(buffer)).status();
       }},
      {Operation::kCreate, [&] { return faulty.Create("new").status(); }},
      {Operation::kAppend,
       [&] {
         absl::StatusOr<std::unique_ptr<BlobWriter>> writer = faulty.Create("appended");
         return writer.ok() ? (*writer)->Append("x") : writer.status();
       }},
      {Operation::kCommit, [&] { return faulty.Put("committed", "x"); }},
      {Operation::kList, [&] { return faulty.List("").status(); }},
      {Operation::kExists, [&] { return faulty.Exists("obj").status(); }},
      {Operation::kDelete, [&] { return faulty.Delete("never-was"); }},
      {Operation::kPublish,
       [&] {
         const std::string staged = "staged-" + std::to_string(publishes);
         EXPECT_OK(base_->Put(staged + "/x", "x"));
         return faulty.Publish(staged, "final-" + std::to_string(publishes++));
       }},
      {Operation::kLock, [&] { return faulty.TryLock("locked").status(); }},
  };
  for (const auto& [op, call] : operations) {
    SCOPED_TRACE(OperationName(op));
    faulty.FailNext(op, 2, kEio);
    const int64_t before = faulty.calls(op);
    EXPECT_THAT(call(), StatusIs(absl::StatusCode::kUnavailable, "EIO"));
    EXPECT_THAT(call(), StatusIs(absl::StatusCode::kUnavailable, "EIO"));
    EXPECT_OK(call());
    EXPECT_EQ(faulty.calls(op) - before, 3);
  }
  // What failed never reached the store: only the third calls did.
  EXPECT_THAT(BaseKeys(), ElementsAre("committed", "final-2/x", "obj", "staged-0/x", "staged-1/x"));
  EXPECT_THAT(FilesOnDisk(),
              ElementsAre("committed", "final-2/x", "obj", "staged-0/x", "staged-1/x"));
}

TEST_F(FaultyBlobStoreTest, AFailedCommitPublishOrDeleteChangesNothing) {
  FaultyBlobStore faulty(*base_);
  ASSERT_OK(base_->Put("old", "old"));
  ASSERT_OK(base_->Put("staged/x", "x"));
  faulty.FailNext(Operation::kCommit, 1, kEio);
  EXPECT_THAT(faulty.Put("old", "new"), StatusIs(absl::StatusCode::kUnavailable));
  faulty.FailNext(Operation::kPublish, 1, kEio);
  EXPECT_THAT(faulty.Publish("staged", "final"), StatusIs(absl::StatusCode::kUnavailable));
  faulty.FailNext(Operation::kDelete, 1, kEio);
  EXPECT_THAT(faulty.DeletePrefix(""), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(FilesOnDisk(), ElementsAre("old", "staged/x"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobReader> reader, base_->Open("old"));
  EXPECT_EQ(reader->Size().value_or(-1), 3);
}

TEST_F(FaultyBlobStoreTest, AShortWriteStoresHalfAndTheObjectNeverBecomesVisible) {
  FaultyBlobStore faulty(*base_);
  faulty.ShortWrites(true);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobWriter> writer, faulty.Create("seg.m4s"));
  EXPECT_THAT(writer->Append("12345678"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("short write: stored 4 of 8")));
  EXPECT_EQ(faulty.bytes_appended(), 4);
  EXPECT_THAT(writer->Commit(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(base_->Open("seg.m4s"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(FilesOnDisk(), IsEmpty());  // The half written is gone already.
  writer.reset();
  faulty.ShortWrites(false);
  ASSERT_OK(faulty.Put("seg.m4s", "12345678"));
  EXPECT_THAT(BaseKeys(), ElementsAre("seg.m4s"));
}

TEST_F(FaultyBlobStoreTest, TheLatencyHookRunsBeforeEveryOperation) {
  FaultyBlobStore faulty(*base_);
  FakeClock clock;
  const absl::Time start = clock.Now();
  faulty.SetLatency([&] { clock.Advance(absl::Seconds(1)); });
  ASSERT_OK(faulty.Put("k", "v"));  // Create, Append, Commit.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobReader> reader, faulty.Open("k"));
  char byte;
  ASSERT_OK(reader->ReadAt(0, &byte, 1).status());
  EXPECT_EQ(clock.Now() - start, absl::Seconds(5));

  // A hook that blocks holds the operation until it returns.
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> entered{0};
  faulty.SetLatency([&] {
    ++entered;
    gate.wait();
  });
  auto listed = std::async(std::launch::async, [&] { return faulty.List(""); });
  for (int i = 0; i < 10'000 && entered == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(entered, 1);
  EXPECT_EQ(listed.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  release.set_value();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> keys, listed.get());
  EXPECT_THAT(keys, ElementsAre("k"));
}

TEST_F(FaultyBlobStoreTest, ScopedStoresShareFaultsAndCounters) {
  FaultyBlobStore faulty(*base_);
  ASSERT_OK(base_->Put("pkg/master.m3u8", "m"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobStore> pkg, faulty.Scoped("pkg"));
  faulty.FailNext(Operation::kOpen, 1, kEio);
  EXPECT_THAT(pkg->Open("master.m3u8"), StatusIs(absl::StatusCode::kUnavailable, "EIO"));
  EXPECT_OK(pkg->Open("master.m3u8").status());
  EXPECT_EQ(faulty.calls(Operation::kOpen), 2);
  EXPECT_EQ(pkg->Describe("master.m3u8"), base_->Describe("pkg/master.m3u8"));
}

}  // namespace
}  // namespace atp::testing
