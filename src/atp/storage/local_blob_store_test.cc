// What only the local store has: files, symlinks, FIFOs, flock, a disk that fills up. The
// contract every store keeps is in blob_store_contract_test.cc.
#include "atp/storage/local_blob_store.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <regex>

#include "atp/storage/directory_lock.h"
#include "atp/storage/pinned_file.h"
#include "atp/testing/open_watch.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::storage {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Every regular file below `root`, relative to it, sorted.
std::vector<std::string> FilesBelow(const fs::path& root) {
  std::vector<std::string> names;
  std::error_code error;
  fs::recursive_directory_iterator entries(root, error);
  for (; !error && entries != fs::recursive_directory_iterator(); entries.increment(error)) {
    if (entries->is_regular_file(error)) {
      names.push_back(entries->path().lexically_relative(root).string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadAll(BlobStore& store, std::string_view key) {
  absl::StatusOr<std::unique_ptr<BlobReader>> reader = store.Open(key);
  if (!reader.ok()) return reader.status().ToString();
  std::string bytes(64, '\0');
  absl::StatusOr<size_t> got = (*reader)->ReadAt(0, bytes.data(), bytes.size());
  bytes.resize(got.ok() ? *got : 0);
  return bytes;
}

class LocalBlobStoreTest : public ::testing::TestWithParam<Confinement> {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(store_, OpenLocalBlobStore(root_, GetParam())); }

  testing::TempDir dir_;
  const fs::path root_ = dir_.path() / "root";
  std::unique_ptr<BlobStore> store_;
};

TEST_P(LocalBlobStoreTest, CreatesItsFolderAndDescribesKeysByAbsolutePath) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobStore> store,
                       OpenLocalBlobStore(dir_.path() / "x/../made/here/", GetParam()));
  EXPECT_TRUE(fs::is_directory(dir_.path() / "made/here"));
  EXPECT_EQ(store->Describe("a/b.m4s"), (dir_.path() / "made/here/a/b.m4s").string());
  EXPECT_EQ(store->Describe(""), (dir_.path() / "made/here").string());
  ASSERT_OK(store->Put("a/b.m4s", "bytes"));
  EXPECT_EQ(testing::ReadFile(dir_.path() / "made/here/a/b.m4s"), "bytes");
}

// A FIFO with no writer: a plain open() would wait for one forever.
TEST_P(LocalBlobStoreTest, RefusesAFifoWithoutBlockingAndAFolder) {
  fs::create_directories(root_ / "in");
  ASSERT_EQ(mkfifo((root_ / "in/mezzanine.mov").c_str(), 0600), 0);
  auto opened = std::async(std::launch::async, [&] { return store_->Open("in/mezzanine.mov"); });
  if (opened.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    close(open((root_ / "in/mezzanine.mov").c_str(), O_WRONLY | O_NONBLOCK));  // Unblocks it.
    FAIL() << "Open blocked on a FIFO";
  }
  EXPECT_THAT(opened.get(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     AllOf(HasSubstr(store_->Describe("in/mezzanine.mov")),
                                           HasSubstr(": not a regular file (a FIFO)"))));
  EXPECT_THAT(store_->List(""), ::atp::testing::IsOk());
  EXPECT_THAT(*store_->List(""), IsEmpty());  // Not an object.
  EXPECT_THAT(store_->Open("in"), StatusIs(absl::StatusCode::kFailedPrecondition,
                                           HasSubstr("not a regular file (a directory)")));
}

// Each way out of the root: an absolute symlink, a relative one climbing out, a symlinked
// folder, and one deeper down. The file outside is never opened (inotify sees no IN_OPEN).
TEST_P(LocalBlobStoreTest, ASymlinkOutOfTheStoreIsPermissionDeniedAndNeverOpened) {
  const fs::path secret = dir_.WriteFile("outside/secret.mov", "secret");
  fs::create_directories(root_ / "in");
  fs::create_symlink(secret, root_ / "absolute.mov");
  fs::create_symlink("../outside/secret.mov", root_ / "relative.mov");
  fs::create_directory_symlink("../outside", root_ / "folder");
  fs::create_symlink("../../outside/secret.mov", root_ / "in/deep.mov");
  testing::OpenWatch watch({secret, secret.parent_path()});
  ASSERT_TRUE(watch.watching());
  for (const char* key : {"absolute.mov", "relative.mov", "folder/secret.mov", "in/deep.mov"}) {
    EXPECT_THAT(store_->Open(key),
                StatusIs(absl::StatusCode::kPermissionDenied,
                         AllOf(HasSubstr(store_->Describe(key)), HasSubstr("outside the store"))))
        << key;
  }
  EXPECT_EQ(watch.Events(), 0);
  ASSERT_OK(PinnedFile::Open(secret).status());  // The watch does see an open.
  EXPECT_GT(watch.Events(), 0);
}

// Inside the store a symlink is followed to read; a Scoped store is a new root, so a link
// from it into the rest of the store leaves it.
TEST_P(LocalBlobStoreTest, SymlinksInsideAreFollowedToReadButNotOutOfAScopedStore) {
  dir_.WriteFile("root/pkg/real.m4s", "real");
  const fs::path shared = dir_.WriteFile("root/shared/x.m4s", "shared");
  fs::create_symlink("real.m4s", root_ / "pkg/link.m4s");
  fs::create_symlink("../shared/x.m4s", root_ / "pkg/up.m4s");
  EXPECT_EQ(ReadAll(*store_, "pkg/link.m4s"), "real");
  EXPECT_EQ(ReadAll(*store_, "pkg/up.m4s"), "shared");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobStore> pkg, store_->Scoped("pkg"));
  EXPECT_EQ(ReadAll(*pkg, "link.m4s"), "real");
  testing::OpenWatch watch({shared});
  ASSERT_TRUE(watch.watching());
  EXPECT_THAT(pkg->Open("up.m4s"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(pkg->Describe("up.m4s"))));
  EXPECT_EQ(watch.Events(), 0);
  EXPECT_EQ(ReadAll(*store_, "shared/x.m4s"), "shared");  // The watch does see an open.
  EXPECT_GT(watch.Events(), 0);
}

// Each refusal of Open says why in an OpenRefusal, so callers map it without reading the
// message; CanonicalPrefix follows a symlinked folder as Open does, and refuses as Open does.
TEST_P(LocalBlobStoreTest, RefusalsSayWhyAndCanonicalPrefixFollowsSymlinksInside) {
  const fs::path secret = dir_.WriteFile("outside/secret.mov", "secret");
  dir_.WriteFile("root/b/x.m4s", "x");
  fs::create_directories(root_ / "a");
  ASSERT_EQ(mkfifo((root_ / "a/fifo").c_str(), 0600), 0);
  fs::create_symlink("../../outside/secret.mov", root_ / "a/out.m4s");
  fs::create_directory_symlink("../../outside", root_ / "a/out_dir");
  fs::create_directory_symlink("../b", root_ / "a/b_link");
  fs::create_symlink("loop", root_ / "a/loop");
  using Reason = OpenRefusal::Reason;
  testing::OpenWatch watch({secret, secret.parent_path()});
  ASSERT_TRUE(watch.watching());
  EXPECT_EQ(OpenRefusalOf(store_->Open("a/fifo").status()),
            (OpenRefusal{.reason = Reason::kNotAnObject, .what = "a FIFO"}));
  EXPECT_EQ(OpenRefusalOf(store_->Open("a").status()),
            (OpenRefusal{.reason = Reason::kNotAnObject, .what = "a directory"}));
  EXPECT_EQ(OpenRefusalOf(store_->Open("a/out.m4s").status()),
            (OpenRefusal{.reason = Reason::kOutside}));
  absl::Status loop = store_->Open("a/loop").status();
  EXPECT_THAT(loop, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(OpenRefusalOf(loop), (OpenRefusal{.reason = Reason::kSymlinkLoop}));

  EXPECT_THAT(*store_->List("a/b_link"), IsEmpty());  // List follows no symlink...
  ASSERT_OK_AND_ASSIGN(std::string canonical, store_->CanonicalPrefix("a/b_link"));
  EXPECT_EQ(canonical, "b");  // ...so it is asked about where the link leads.
  EXPECT_THAT(*store_->List(canonical), ElementsAre("b/x.m4s"));
  ASSERT_OK_AND_ASSIGN(canonical, store_->CanonicalPrefix(""));
  EXPECT_EQ(canonical, "");
  ASSERT_OK_AND_ASSIGN(canonical, store_->CanonicalPrefix("a"));
  EXPECT_EQ(canonical, "a");
  const absl::StatusOr<std::string> out = store_->CanonicalPrefix("a/out_dir");
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("outside the store")));
  EXPECT_EQ(OpenRefusalOf(out.status()), (OpenRefusal{.reason = Reason::kOutside}));
  EXPECT_EQ(OpenRefusalOf(store_->CanonicalPrefix("a/loop").status()),
            (OpenRefusal{.reason = Reason::kSymlinkLoop}));
  for (const char* not_a_folder : {"a/fifo", "b/x.m4s", "a/none", "b/x.m4s/y"}) {
    EXPECT_THAT(store_->CanonicalPrefix(not_a_folder), StatusIs(absl::StatusCode::kNotFound))
        << not_a_folder;
  }
  EXPECT_EQ(watch.Events(), 0);
}

// Writes, listings, locks, publishing and deletes follow no symlink: nothing outside is
// written or deleted through one, and deleting a link removes only the link.
TEST_P(LocalBlobStoreTest, NothingButOpenFollowsASymlink) {
  const fs::path keep = dir_.WriteFile("outside/keep", "keep");
  fs::create_directories(root_);
  fs::create_directory_symlink("../outside", root_ / "link");
  fs::create_symlink(keep, root_ / "file-link");
  const auto refused = StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("symlink"));
  EXPECT_THAT(store_->Put("link/x", "x"), refused);
  EXPECT_THAT(store_->Create("link/deeper/x"), refused);
  EXPECT_THAT(store_->List("link/keep"), refused);
  EXPECT_THAT(store_->TryLock("link"), refused);
  EXPECT_THAT(store_->Scoped("link"), refused);
  ASSERT_OK(store_->Put("staged/a", "a"));
  EXPECT_THAT(store_->Publish("staged", "link/published"), refused);
  EXPECT_THAT(store_->Publish("link", "published"), refused);
  EXPECT_THAT(*store_->List(""), ElementsAre("staged/a"));  // Links are no objects.
  EXPECT_FALSE(*store_->Exists("link"));
  EXPECT_FALSE(*store_->Exists("file-link"));
  EXPECT_THAT(FilesBelow(dir_.path() / "outside"), ElementsAre("keep"));
  ASSERT_OK(store_->DeletePrefix("link"));
  ASSERT_OK(store_->Delete("file-link"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(root_ / "link")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(root_ / "file-link")));
  EXPECT_EQ(testing::ReadFile(keep), "keep");
}

TEST_P(LocalBlobStoreTest, WritesGoToAPartialFileBesideTheObjectUntilCommit) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobWriter> writer, store_->Create("a/seg.m4s"));
  ASSERT_OK(writer->Append("bytes"));
  const std::vector<std::string> writing = FilesBelow(root_);
  ASSERT_EQ(writing.size(), 1u);
  EXPECT_TRUE(std::regex_match(writing[0], std::regex(R"(a/seg\.m4s\.partial-[A-Za-z0-9]{6})")))
      << writing[0];
  ASSERT_OK(writer->Commit());
  EXPECT_THAT(FilesBelow(root_), ElementsAre("a/seg.m4s"));
}

// A partial file a killed process left behind is not an object, and its name is no key.
TEST_P(LocalBlobStoreTest, APartialFileLeftByACrashIsNeitherListedNorAKey) {
  dir_.WriteFile("root/a/seg.m4s.partial-AbC123", "half");
  EXPECT_THAT(*store_->List(""), IsEmpty());
  EXPECT_THAT(*store_->List("a/seg.m4s.partial-AbC123"), IsEmpty());
  EXPECT_FALSE(*store_->Exists("a"));
  const auto reserved = StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("in progress"));
  EXPECT_THAT(store_->Open("a/seg.m4s.partial-AbC123"), reserved);
  EXPECT_THAT(store_->Put("a/seg.m4s.partial-AbC123", "x"), reserved);
  ASSERT_OK(store_->Put("a/seg.m4s", "whole"));
  EXPECT_THAT(*store_->List(""), ElementsAre("a/seg.m4s"));
  ASSERT_OK(store_->DeletePrefix("a"));
  EXPECT_THAT(FilesBelow(root_), IsEmpty());
}

// A process killed while writing a segment leaves its partial file in the staging folder; the
// published package does not carry it.
TEST_P(LocalBlobStoreTest, APartialFileLeftByACrashIsNotPublished) {
  ASSERT_OK(store_->Put("staging/v/seg_00001.m4s", "whole"));
  dir_.WriteFile("root/staging/v/seg_00002.m4s.partial-AbC123", "half");
  dir_.WriteFile("root/staging/init.mp4.partial-xyz789", "half");
  ASSERT_OK(store_->Publish("staging", "final"));
  EXPECT_THAT(FilesBelow(root_), ElementsAre("final/v/seg_00001.m4s"));
}

TEST_P(LocalBlobStoreTest, KeysThatCannotBeFilesAreFailedPrecondition) {
  ASSERT_OK(store_->Put("a/b", "file"));
  EXPECT_THAT(store_->Put("a/b/c", "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(store_->Describe("a/b/c")), HasSubstr("is not a folder"))));
  EXPECT_THAT(store_->Put("a", "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("it is a folder")));
  EXPECT_THAT(store_->Delete("a"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("Is a directory")));
  EXPECT_THAT(store_->Scoped("a/b"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReadAll(*store_, "a/b"), "file");
}

// TryLock is a flock on the prefix's folder: flock(1) in another process sees it held.
TEST_P(LocalBlobStoreTest, TryLockIsAFlockOnThePrefixFolder) {
  const std::string prefix = "e001/.staging-1";
  const std::string flock_n = "flock -n " + store_->Describe(prefix) + " true";
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<PrefixLock> held, store_->TryLock(prefix));
    EXPECT_TRUE(fs::is_directory(root_ / prefix));
    EXPECT_EQ(testing::RunCommand(flock_n).exit_code, 1);
  }
  EXPECT_EQ(testing::RunCommand(flock_n).exit_code, 0);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PrefixLock> whole, store_->TryLock(""));
  EXPECT_EQ(testing::RunCommand("flock -n " + root_.string() + " true").exit_code, 1);
}

// The disk fills up mid-object: the error says so in the system's words and names the
// object, the partial file is gone at once (the disk is free again), nothing is visible.
// The disk is a 64 KiB tmpfs in a mount namespace of this test process's own.
TEST_P(LocalBlobStoreTest, AFullDiskIsResourceExhaustedAndLeavesNoPartialFile) {
  const fs::path disk = dir_.path() / "disk";
  fs::create_directories(disk);
  if (unshare(CLONE_NEWNS) != 0 ||
      mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a small disk here: " << std::strerror(errno);
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobStore> store,
                       OpenLocalBlobStore(disk / "store", GetParam()));
  const std::string big(1 << 20, 'x');
  const std::string key = "s01/e001/seg_00001.m4s";
  const auto full =
      StatusIs(absl::StatusCode::kResourceExhausted,
               AllOf(HasSubstr(store->Describe(key)), HasSubstr("No space left on device")));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<BlobWriter> writer, store->Create(key));
    absl::Status status = writer->Append(big);
    if (status.ok()) status = writer->Commit();
    EXPECT_THAT(status, full);
    EXPECT_THAT(FilesBelow(disk), IsEmpty());  // Freed before the writer is even gone.
    EXPECT_THAT(writer->Commit(), full);       // And it stays failed.
  }
  EXPECT_THAT(store->Put(key, big), full);
  EXPECT_THAT(FilesBelow(disk), IsEmpty());
  EXPECT_THAT(store->Open(key), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(store->Put(key, "fits"));
  EXPECT_THAT(FilesBelow(disk), ElementsAre("store/" + key));
  umount2(disk.c_str(), MNT_DETACH);
}

INSTANTIATE_TEST_SUITE_P(Confinements, LocalBlobStoreTest,
                         ::testing::Values(Confinement::kOpenat2, Confinement::kProcFd),
                         [](const ::testing::TestParamInfo<Confinement>& info) {
                           return info.param == Confinement::kOpenat2 ? "Openat2" : "ProcFd";
                         });

}  // namespace
}  // namespace atp::storage
