// The BlobStore contract, run against every implementation: the local folder (reads
// confined by openat2, and by the /proc/self/fd fallback) and the FaultyBlobStore decorator
// without faults. Another store (S3) joins by adding a StoreUnderTest to the list at the end.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "absl/strings/escaping.h"
#include "atp/storage/blob_store.h"
#include "atp/storage/local_blob_store.h"
#include "atp/testing/faulty_blob_store.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::storage {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::IsOk;
using ::atp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// One implementation, as the suite sees it.
struct StoreUnderTest {
  std::string name;
  // A store of its own, empty, for one test; `scratch` is a fresh folder of that test.
  std::function<absl::StatusOr<std::unique_ptr<BlobStore>>(const fs::path& scratch)> open;
  // Every name the store keeps, objects or not, sorted: for a local store every regular file
  // below its root, so that what an unfinished write left behind shows.
  std::function<std::vector<std::string>(const fs::path& scratch)> raw_names;
  // Overwrites the first bytes of the object `key` in place, as another program could (the
  // same local inode); nullptr where objects cannot be written in place.
  std::function<void(const fs::path& scratch, const std::string& key, const std::string& bytes)>
      write_in_place;
  // A reader keeps reading the object it opened after another is committed under its key.
  bool readers_pin_objects = true;
};

// gtest names the store in failure messages by this.
void PrintTo(const StoreUnderTest& store, std::ostream* out) { *out << store.name; }

fs::path LocalRoot(const fs::path& scratch) { return scratch / "store"; }

std::vector<std::string> LocalRawNames(const fs::path& scratch) {
  std::vector<std::string> names;
  std::error_code error;
  fs::recursive_directory_iterator entries(LocalRoot(scratch), error);
  for (; !error && entries != fs::recursive_directory_iterator(); entries.increment(error)) {
    if (entries->is_regular_file(error)) {
      names.push_back(entries->path().lexically_relative(LocalRoot(scratch)).string());
    }
  }
  EXPECT_FALSE(error) << error.message();
  std::sort(names.begin(), names.end());
  return names;
}

void LocalWriteInPlace(const fs::path& scratch, const std::string& key, const std::string& bytes) {
  std::fstream(LocalRoot(scratch) / key, std::ios::in | std::ios::out | std::ios::binary) << bytes;
}

StoreUnderTest Local(std::string name, Confinement confinement) {
  return {.name = std::move(name),
          .open =
              [confinement](const fs::path& scratch) {
                return OpenLocalBlobStore(LocalRoot(scratch), confinement);
              },
          .raw_names = LocalRawNames,
          .write_in_place = LocalWriteInPlace};
}

StoreUnderTest FaultyWithoutFaults() {
  StoreUnderTest store = Local("FaultyOverLocal", Confinement::kOpenat2);
  store.open = [](const fs::path& scratch) -> absl::StatusOr<std::unique_ptr<BlobStore>> {
    ATP_ASSIGN_OR_RETURN(std::unique_ptr<BlobStore> local, OpenLocalBlobStore(LocalRoot(scratch)));
    return std::unique_ptr<BlobStore>(
        std::make_unique<atp::testing::FaultyBlobStore>(std::move(local)));
  };
  return store;
}

// The whole object, read by position.
std::string ReadAll(const BlobReader& reader) {
  absl::StatusOr<int64_t> size = reader.Size();
  EXPECT_TRUE(size.ok()) << size.status();
  std::string bytes(size.ok() ? static_cast<size_t>(*size) : 0, '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    absl::StatusOr<size_t> got =
        reader.ReadAt(static_cast<int64_t>(done), bytes.data() + done, bytes.size() - done);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok() || *got == 0) break;
    done += *got;
  }
  bytes.resize(done);
  return bytes;
}

class BlobStoreContract : public ::testing::TestWithParam<StoreUnderTest> {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(store_, GetParam().open(dir_.path())); }

  // The object `key` of `store`, or its error as text.
  static std::string Read(BlobStore& store, std::string_view key) {
    absl::StatusOr<std::unique_ptr<BlobReader>> reader = store.Open(key);
    if (!reader.ok()) return reader.status().ToString();
    return ReadAll(**reader);
  }
  std::string Read(std::string_view key) { return Read(*store_, key); }

  std::vector<std::string> List(std::string_view prefix) {
    absl::StatusOr<std::vector<std::string>> keys = store_->List(prefix);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.ok() ? *keys : std::vector<std::string>{"<" + keys.status().ToString() + ">"};
  }

  bool Exists(std::string_view prefix) {
    absl::StatusOr<bool> exists = store_->Exists(prefix);
    EXPECT_TRUE(exists.ok()) << exists.status();
    return exists.ok() && *exists;
  }

  std::vector<std::string> RawNames() { return GetParam().raw_names(dir_.path()); }

  // Another process opens the store and tries to lock `prefix`: 0 when it got the lock,
  // 1 when it was Unavailable, 2 for another error, 3 when the store did not open.
  int LockInAnotherProcess(const std::string& prefix) {
    const pid_t child = fork();
    if (child == 0) {
      absl::StatusOr<std::unique_ptr<BlobStore>> store = GetParam().open(dir_.path());
      if (!store.ok()) _exit(3);
      absl::StatusOr<std::unique_ptr<PrefixLock>> lock = (*store)->TryLock(prefix);
      _exit(lock.ok() ? 0 : absl::IsUnavailable(lock.status()) ? 1 : 2);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
  }

  testing::TempDir dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_P(BlobStoreContract, RoundTripsBytesWholeAndByPosition) {
  std::string bytes;
  for (int i = 0; i < 100'000; ++i) bytes.push_back(static_cast<char>(i * 7 % 256));  // NULs too.
  const std::string key = "atp-sample/s01/e001/.staging-x/h264_720p/seg_00001.m4s";
  ASSERT_OK(store_->Put(key, bytes));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobReader> reader, store_->Open(key));
  EXPECT_EQ(reader->name(), store_->Describe(key));
  ASSERT_OK_AND_ASSIGN(int64_t size, reader->Size());
  EXPECT_EQ(size, 100'000);
  char buffer[10] = {};
  ASSERT_OK_AND_ASSIGN(size_t got, reader->ReadAt(99'995, buffer, sizeof(buffer)));
  EXPECT_EQ(std::string(buffer, got), bytes.substr(99'995));
  ASSERT_OK_AND_ASSIGN(got, reader->ReadAt(100'000, buffer, sizeof(buffer)));
  EXPECT_EQ(got, 0u);
  EXPECT_EQ(ReadAll(*reader), bytes);
  EXPECT_FALSE(reader->version().tag.empty());
  ASSERT_OK_AND_ASSIGN(BlobVersion now, reader->CurrentVersion());
  EXPECT_EQ(now, reader->version());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobReader> again, store_->Open(key));
  EXPECT_EQ(again->version(), reader->version());

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobWriter> writer, store_->Create("a/pieces"));
  for (std::string_view piece : {"ab", "", "cd"}) ASSERT_OK(writer->Append(piece));
  ASSERT_OK(writer->Commit());
  EXPECT_EQ(Read("a/pieces"), "abcd");
  ASSERT_OK(store_->Put("a/empty", ""));
  EXPECT_EQ(Read("a/empty"), "");
  EXPECT_THAT(List(""), ElementsAre("a/empty", "a/pieces", key));
}

TEST_P(BlobStoreContract, OpenOfAMissingKeyIsNotFoundAndNamesIt) {
  EXPECT_THAT(store_->Open("no/such/key"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(store_->Describe("no/such/key"))));
  ASSERT_OK(store_->Put("a/b", "x"));
  EXPECT_THAT(store_->Open("a/c"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Open("a/b/c"), StatusIs(absl::StatusCode::kNotFound));
}

// Only a refusal of something that is there carries an OpenRefusal: not a missing key, not a
// bad one. A prefix without aliases is its own canonical prefix.
TEST_P(BlobStoreContract, OnlyRefusalsCarryAnOpenRefusalAndPlainPrefixesAreCanonical) {
  ASSERT_OK(store_->Put("a/b/c", "x"));
  EXPECT_EQ(OpenRefusalOf(store_->Open("a/none").status()), std::nullopt);
  EXPECT_EQ(OpenRefusalOf(store_->Open("../a").status()), std::nullopt);
  for (const char* prefix : {"", "a", "a/b"}) {
    ASSERT_OK_AND_ASSIGN(const std::string canonical, store_->CanonicalPrefix(prefix));
    EXPECT_EQ(canonical, prefix);
  }
  EXPECT_THAT(store_->CanonicalPrefix("a/../b"), StatusIs(absl::StatusCode::kInvalidArgument));
  const absl::Status refused =
      WithOpenRefusal(absl::FailedPreconditionError("x: not a regular file (a FIFO)"),
                      {.reason = OpenRefusal::Reason::kNotAnObject, .what = "a FIFO"});
  EXPECT_EQ(OpenRefusalOf(refused),
            (OpenRefusal{.reason = OpenRefusal::Reason::kNotAnObject, .what = "a FIFO"}));
  EXPECT_EQ(refused.message(), "x: not a regular file (a FIFO)");
}

TEST_P(BlobStoreContract, BadKeysAreInvalidArgumentEverywhere) {
  const std::vector<std::string> bad_keys = {"",
                                             "/abs",
                                             "/",
                                             "a//b",
                                             "a/",
                                             "./a",
                                             "a/./b",
                                             "a/..",
                                             "../a",
                                             "..",
                                             ".",
                                             "a\\b",
                                             std::string("a\0b", 3)};
  const auto invalid = StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad key"));
  for (const std::string& key : bad_keys) {
    SCOPED_TRACE(absl::CEscape(key));
    EXPECT_THAT(store_->Open(key), invalid);
    EXPECT_THAT(store_->Create(key), invalid);
    EXPECT_THAT(store_->Put(key, "x"), invalid);
    EXPECT_THAT(store_->Delete(key), invalid);
    EXPECT_THAT(store_->Publish(key, "final"), invalid);
    EXPECT_THAT(store_->Publish("staged", key), invalid);
    if (key.empty()) continue;  // "" is the prefix of the whole store.
    EXPECT_THAT(store_->List(key), invalid);
    EXPECT_THAT(store_->Exists(key), invalid);
    EXPECT_THAT(store_->DeletePrefix(key), invalid);
    EXPECT_THAT(store_->TryLock(key), invalid);
    EXPECT_THAT(store_->Scoped(key), invalid);
  }
  EXPECT_THAT(List(""), IsEmpty());
  EXPECT_THAT(RawNames(), IsEmpty());
}

TEST_P(BlobStoreContract, AWriterDestroyedWithoutCommitLeavesNothing) {
  ASSERT_OK(store_->Put("keep/old", "old"));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobWriter> fresh, store_->Create("w/new"));
    ASSERT_OK(fresh->Append("partial bytes"));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobWriter> over, store_->Create("keep/old"));
    ASSERT_OK(over->Append("new"));
    // Nothing of either shows while they write.
    EXPECT_THAT(store_->Open("w/new"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_FALSE(Exists("w"));
    EXPECT_THAT(List(""), ElementsAre("keep/old"));
    EXPECT_EQ(Read("keep/old"), "old");
  }
  EXPECT_THAT(List(""), ElementsAre("keep/old"));
  EXPECT_EQ(Read("keep/old"), "old");
  EXPECT_THAT(RawNames(), ElementsAre("keep/old"));  // No partial file either.
}

TEST_P(BlobStoreContract, CommitReplacesTheObjectAtOnce) {
  ASSERT_OK(store_->Put("k", "old bytes"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobReader> old_reader, store_->Open("k"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobWriter> writer, store_->Create("k"));
  ASSERT_OK(writer->Append("new bytes, "));
  ASSERT_OK(writer->Append("longer"));
  EXPECT_EQ(Read("k"), "old bytes");
  ASSERT_OK(writer->Commit());
  EXPECT_EQ(Read("k"), "new bytes, longer");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobReader> new_reader, store_->Open("k"));
  EXPECT_NE(new_reader->version(), old_reader->version());
  if (GetParam().readers_pin_objects) {
    EXPECT_EQ(ReadAll(*old_reader), "old bytes");
  }
  EXPECT_THAT(RawNames(), ElementsAre("k"));
  // A committed writer is done.
  EXPECT_THAT(writer->Append("more"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(writer->Commit(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

// One thread replaces an object over and over; readers only ever see one whole version.
TEST_P(BlobStoreContract, ReadersNeverSeePartOfAnObject) {
  const std::string a(256 << 10, 'a');
  const std::string b(256 << 10, 'b');
  ASSERT_OK(store_->Put("hot", a));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) EXPECT_OK(store_->Put("hot", i % 2 == 0 ? b : a));
    done = true;
  });
  int reads = 0;
  while (!done || reads == 0) {
    absl::StatusOr<std::unique_ptr<BlobReader>> reader = store_->Open("hot");
    if (!reader.ok()) {
      ADD_FAILURE() << reader.status();
      break;
    }
    const std::string got = ReadAll(**reader);
    EXPECT_TRUE(got == a || got == b) << "read " << got.size() << " bytes that mix two writes";
    ++reads;
  }
  writer.join();
  EXPECT_THAT(RawNames(), ElementsAre("hot"));
}

TEST_P(BlobStoreContract, TheLastOfTwoWritersOfOneKeyWins) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobWriter> first, store_->Create("k"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobWriter> second, store_->Create("k"));
  ASSERT_OK(first->Append("first"));
  ASSERT_OK(second->Append("second!"));
  ASSERT_OK(first->Commit());
  EXPECT_EQ(Read("k"), "first");
  ASSERT_OK(second->Commit());
  EXPECT_EQ(Read("k"), "second!");
  EXPECT_THAT(RawNames(), ElementsAre("k"));
}

TEST_P(BlobStoreContract, ListIsSortedRecursiveAndStopsAtSegments) {
  for (const char* key : {"c", "a/b/2/z", "a/bc/x", "a/b0", "a/B/q", "a/b/1"}) {
    ASSERT_OK(store_->Put(key, key));
  }
  EXPECT_THAT(List(""), ElementsAre("a/B/q", "a/b/1", "a/b/2/z", "a/b0", "a/bc/x", "c"));
  EXPECT_THAT(List("a/b"), ElementsAre("a/b/1", "a/b/2/z"));  // Never "a/bc/x" or "a/b0".
  EXPECT_THAT(List("a/b/2"), ElementsAre("a/b/2/z"));
  EXPECT_THAT(List("a/b/1"), ElementsAre("a/b/1"));  // An object is its own prefix.
  EXPECT_THAT(List("a/bc"), ElementsAre("a/bc/x"));
  EXPECT_THAT(List("a/b/1/x"), IsEmpty());
  EXPECT_THAT(List("nothing/here"), IsEmpty());
}

TEST_P(BlobStoreContract, ExistsSeesAnObjectOrAnythingBelowIt) {
  EXPECT_FALSE(Exists(""));
  ASSERT_OK(store_->Put("a/b/c", "x"));
  for (const char* prefix : {"", "a", "a/b", "a/b/c"}) {
    EXPECT_TRUE(Exists(prefix)) << prefix;
  }
  for (const char* prefix : {"a/b/c/d", "a/bc", "a/b/cd", "b"}) {
    EXPECT_FALSE(Exists(prefix)) << prefix;
  }
}

TEST_P(BlobStoreContract, DeleteAndDeletePrefixAreIdempotent) {
  for (const char* key : {"a/1", "a/2/x", "ab", "b"}) ASSERT_OK(store_->Put(key, key));
  ASSERT_OK(store_->Delete("a/1"));
  ASSERT_OK(store_->Delete("a/1"));
  EXPECT_THAT(store_->Open("a/1"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(store_->Delete("never/was"));
  (void)store_->Delete("a");  // Not an object: whatever it answers, what is below stays.
  EXPECT_THAT(List("a"), ElementsAre("a/2/x"));
  ASSERT_OK(store_->DeletePrefix("a"));
  EXPECT_THAT(List(""), ElementsAre("ab", "b"));  // "ab" is not under "a".
  EXPECT_FALSE(Exists("a"));
  ASSERT_OK(store_->DeletePrefix("a"));
  ASSERT_OK(store_->DeletePrefix("b"));  // An object is its own prefix.
  EXPECT_THAT(List(""), ElementsAre("ab"));
  ASSERT_OK(store_->DeletePrefix(""));
  EXPECT_THAT(List(""), IsEmpty());
  ASSERT_OK(store_->DeletePrefix(""));
  EXPECT_THAT(RawNames(), IsEmpty());
}

TEST_P(BlobStoreContract, PublishMovesAStagedPrefixAtOnceAndNeverReplaces) {
  const std::string staged = "atp-sample/s01/e001/.staging-x";
  const std::string final = "atp-sample/s01/e001/job-1";
  ASSERT_OK(store_->Put(staged + "/master.m3u8", "m"));
  ASSERT_OK(store_->Put(staged + "/h264_720p/seg_00001.m4s", "s"));
  ASSERT_OK(store_->Publish(staged, final));
  EXPECT_THAT(List(final), ElementsAre(final + "/h264_720p/seg_00001.m4s", final + "/master.m3u8"));
  EXPECT_EQ(Read(final + "/master.m3u8"), "m");
  EXPECT_FALSE(Exists(staged));

  // A second publish to the same place replaces nothing and keeps what it staged.
  const std::string staged_again = "atp-sample/s01/e001/.staging-y";
  ASSERT_OK(store_->Put(staged_again + "/master.m3u8", "other"));
  EXPECT_THAT(store_->Publish(staged_again, final),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr(store_->Describe(final))));
  EXPECT_EQ(Read(final + "/master.m3u8"), "m");
  EXPECT_THAT(List(staged_again), ElementsAre(staged_again + "/master.m3u8"));
  // The final prefix's parents need not exist.
  ASSERT_OK(store_->Publish(staged_again, "elsewhere/deep/job-2"));
  EXPECT_EQ(Read("elsewhere/deep/job-2/master.m3u8"), "other");

  EXPECT_THAT(store_->Publish("no/such/staging", "out/x"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(Exists("out/x"));
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"p", "p"}, {"p", "p/q"}, {"p/q", "p"}}) {
    EXPECT_THAT(store_->Publish(from, to), StatusIs(absl::StatusCode::kInvalidArgument))
        << from << " -> " << to;
  }
}

TEST_P(BlobStoreContract, TryLockExcludesOtherHoldersUntilReleased) {
  const std::string prefix = "atp-sample/s01/e001/.staging-x";
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<PrefixLock> held, store_->TryLock(prefix));
    EXPECT_THAT(store_->TryLock(prefix),
                StatusIs(absl::StatusCode::kUnavailable,
                         HasSubstr(store_->Describe(prefix) + " is locked by another process")));
    EXPECT_EQ(LockInAnotherProcess(prefix), 1);
    EXPECT_OK(store_->TryLock("atp-sample/s01/e001/.staging-y").status());  // Others are free.
    EXPECT_OK(store_->Put(prefix + "/seg", "the holder writes on"));
  }
  EXPECT_EQ(LockInAnotherProcess(prefix), 0);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PrefixLock> again, store_->TryLock(prefix));
  EXPECT_EQ(Read(prefix + "/seg"), "the holder writes on");
}

TEST_P(BlobStoreContract, ScopedStoresHaveRelativeKeysAndStayInside) {
  ASSERT_OK(store_->Put("outer", "o"));
  ASSERT_OK(store_->Put("scope/a/b", "ab"));
  ASSERT_OK(store_->Put("scopex/c", "c"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobStore> scoped, store_->Scoped("scope"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> keys, scoped->List(""));
  EXPECT_THAT(keys, ElementsAre("a/b"));
  EXPECT_EQ(Read(*scoped, "a/b"), "ab");
  EXPECT_EQ(scoped->Describe("a/b"), store_->Describe("scope/a/b"));
  EXPECT_THAT(scoped->Open("outer"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(scoped->Open("../outer"), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(scoped->Put("new", "n"));
  EXPECT_EQ(Read("scope/new"), "n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobStore> inner, scoped->Scoped("a"));
  ASSERT_OK_AND_ASSIGN(keys, inner->List(""));
  EXPECT_THAT(keys, ElementsAre("b"));
  ASSERT_OK(scoped->DeletePrefix(""));
  EXPECT_THAT(List(""), ElementsAre("outer", "scopex/c"));
  store_.reset();  // A scoped store outlives the store it came from.
  ASSERT_OK(scoped->Put("after", "x"));
  EXPECT_EQ(Read(*scoped, "after"), "x");
}

// Bytes changed under an open reader (another program writing the file in place) show as a
// new CurrentVersion, while version() stays what was opened.
TEST_P(BlobStoreContract, CurrentVersionChangesWhenTheObjectIsWrittenInPlace) {
  if (!GetParam().write_in_place) GTEST_SKIP() << "objects of this store cannot change in place";
  ASSERT_OK(store_->Put("k", "original"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobReader> reader, store_->Open("k"));
  const BlobVersion opened = reader->version();
  // File times tick in jiffies: let one pass, so that only the in-place write can tell.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  GetParam().write_in_place(dir_.path(), "k", "ORIGINAL");  // Same size.
  ASSERT_OK_AND_ASSIGN(BlobVersion now, reader->CurrentVersion());
  EXPECT_NE(now, opened);
  EXPECT_EQ(reader->version(), opened);
  EXPECT_EQ(ReadAll(*reader), "ORIGINAL");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobReader> reopened, store_->Open("k"));
  EXPECT_EQ(reopened->version(), now);
}

INSTANTIATE_TEST_SUITE_P(Stores, BlobStoreContract,
                         ::testing::Values(Local("Local", Confinement::kOpenat2),
                                           Local("LocalProcFd", Confinement::kProcFd),
                                           FaultyWithoutFaults()),
                         [](const ::testing::TestParamInfo<StoreUnderTest>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace atp::storage
