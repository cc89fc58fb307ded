#include "atp/server/inbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "atp/testing/open_watch.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::server {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::IsOk;
using ::atp::testing::ReadFile;
using ::atp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

void WriteWhole(const fs::path& file, const std::string& contents) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << contents;
}

// What WaitForArrivals returns within `total`, gathered until `count` came.
std::vector<fs::path> Gather(Inbox& inbox, size_t count, absl::Duration total = absl::Seconds(10)) {
  std::vector<fs::path> all;
  const absl::Time deadline = absl::Now() + total;
  while (all.size() < count && absl::Now() < deadline) {
    absl::StatusOr<std::vector<fs::path>> got = inbox.WaitForArrivals(absl::Milliseconds(100));
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) break;
    all.insert(all.end(), got->begin(), got->end());
  }
  return all;
}

// Everything WaitForArrivals returns for `quiet` more.
std::vector<fs::path> Drain(Inbox& inbox, absl::Duration quiet = absl::Milliseconds(300)) {
  absl::StatusOr<std::vector<fs::path>> got = inbox.WaitForArrivals(quiet);
  EXPECT_TRUE(got.ok()) << got.status();
  return got.value_or(std::vector<fs::path>{});
}

// TakeRefused until `count` messages came (WaitForArrivals does the refusing).
std::vector<std::string> GatherRefused(Inbox& inbox, size_t count) {
  std::vector<std::string> all;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (all.size() < count && absl::Now() < deadline) {
    EXPECT_THAT(inbox.WaitForArrivals(absl::Milliseconds(50)), IsOk());
    for (std::string& message : inbox.TakeRefused()) all.push_back(std::move(message));
  }
  return all;
}

std::vector<std::string> Names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void SetMtime(const fs::path& file, int64_t seconds) {
  const struct timespec times[2] = {{.tv_sec = seconds, .tv_nsec = 0},
                                    {.tv_sec = seconds, .tv_nsec = 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, file.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
}

class InboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inbox_dir_ = temp_.path() / "inbox";
    fs::create_directories(inbox_dir_);
  }
  std::unique_ptr<Inbox> OpenInbox() {
    absl::StatusOr<std::unique_ptr<Inbox>> inbox = Inbox::Open(inbox_dir_);
    EXPECT_TRUE(inbox.ok()) << inbox.status();
    return inbox.ok() ? std::move(*inbox) : nullptr;
  }

  testing::TempDir temp_;
  fs::path inbox_dir_;
};

TEST(IsManifestName, XmlInAnyCaseButNoDotfiles) {
  EXPECT_TRUE(IsManifestName("a.xml"));
  EXPECT_TRUE(IsManifestName("Delivery 7.XML"));
  EXPECT_TRUE(IsManifestName("a.Xml"));
  EXPECT_FALSE(IsManifestName(".a.xml"));
  EXPECT_FALSE(IsManifestName(".xml"));
  EXPECT_FALSE(IsManifestName("a.xml.part"));
  EXPECT_FALSE(IsManifestName("a.txt"));
  EXPECT_FALSE(IsManifestName("axml"));
  EXPECT_FALSE(IsManifestName(".."));
  EXPECT_FALSE(IsManifestName("sub/a.xml"));
}

TEST_F(InboxTest, OpenCreatesDoneAndFailed) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  EXPECT_TRUE(fs::is_directory(inbox_dir_ / "done"));
  EXPECT_TRUE(fs::is_directory(inbox_dir_ / "failed"));
  EXPECT_EQ(inbox->dir(), inbox_dir_);
}

TEST_F(InboxTest, OpenRefusesAMissingFolderAndALinkedDoneFolder) {
  EXPECT_THAT(Inbox::Open(temp_.path() / "missing"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing does not exist")));
  fs::create_directories(temp_.path() / "elsewhere");
  fs::create_directory_symlink(temp_.path() / "elsewhere", inbox_dir_ / "done");
  EXPECT_THAT(Inbox::Open(inbox_dir_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("done is a symbolic link, not a folder: remove it")));
}

TEST_F(InboxTest, ReportsAManifestWrittenAndClosed) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    WriteWhole(inbox_dir_ / "a.xml", "<delivery/>");
  });
  const std::vector<fs::path> arrived = Gather(*inbox, 1);
  writer.join();
  EXPECT_THAT(arrived, ElementsAre(inbox_dir_ / "a.xml"));
  EXPECT_THAT(Drain(*inbox), IsEmpty());
}

// The atomic upload: written under a temporary name, then renamed in (from inside the folder
// or from another folder of the same file system).
TEST_F(InboxTest, ReportsAManifestRenamedIn) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  std::thread uploader([&] {
    WriteWhole(inbox_dir_ / ".upload-a.xml", "<delivery/>");
    WriteWhole(inbox_dir_ / "b.xml.part", "<delivery/>");
    WriteWhole(temp_.path() / "c.xml", "<delivery/>");
    fs::rename(inbox_dir_ / ".upload-a.xml", inbox_dir_ / "a.xml");
    fs::rename(inbox_dir_ / "b.xml.part", inbox_dir_ / "B.XML");
    fs::rename(temp_.path() / "c.xml", inbox_dir_ / "c.xml");
  });
  const std::vector<fs::path> arrived = Gather(*inbox, 3);
  uploader.join();
  EXPECT_THAT(arrived,
              ElementsAre(inbox_dir_ / "a.xml", inbox_dir_ / "B.XML", inbox_dir_ / "c.xml"));
  EXPECT_THAT(Drain(*inbox), IsEmpty());
}

TEST_F(InboxTest, AFileStillBeingWrittenIsReportedOnlyOnceClosed) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  const fs::path file = inbox_dir_ / "slow.xml";
  const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "<deliv", 6), 6);
  EXPECT_THAT(Drain(*inbox), IsEmpty());
  ASSERT_EQ(write(fd, "ery/>", 5), 5);
  EXPECT_THAT(Drain(*inbox), IsEmpty());
  close(fd);
  EXPECT_THAT(Gather(*inbox, 1), ElementsAre(file));
}

TEST_F(InboxTest, ReportsEachArrivalOnce) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  const fs::path file = inbox_dir_ / "a.xml";
  WriteWhole(file, "<delivery/>");
  // Opened and closed again (written or not), it is the same arrival.
  std::ofstream(file, std::ios::app) << "\n";
  close(open(file.c_str(), O_WRONLY | O_CLOEXEC));
  EXPECT_THAT(Gather(*inbox, 1), ElementsAre(file));
  std::ofstream(file, std::ios::app) << "\n";
  EXPECT_THAT(Drain(*inbox), IsEmpty());

  // Moved out, then delivered again: a new arrival.
  ASSERT_OK(inbox->MoveToDone(file, "job 1 COMPLETE"));
  WriteWhole(file, "<delivery again='1'/>");
  EXPECT_THAT(Gather(*inbox, 1), ElementsAre(file));

  // Replaced by another file renamed over it: a new arrival too.
  WriteWhole(inbox_dir_ / ".next", "<delivery again='2'/>");
  fs::rename(inbox_dir_ / ".next", file);
  EXPECT_THAT(Gather(*inbox, 1), ElementsAre(file));
  EXPECT_THAT(Drain(*inbox), IsEmpty());
}

TEST_F(InboxTest, IgnoresDotfilesOtherNamesSubfoldersAndDoneAndFailed) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  WriteWhole(inbox_dir_ / ".hidden.xml", "x");
  WriteWhole(inbox_dir_ / "notes.txt", "x");
  WriteWhole(inbox_dir_ / "a.xml.part", "x");
  WriteWhole(inbox_dir_ / "xml", "x");
  fs::create_directories(inbox_dir_ / "sub");
  WriteWhole(inbox_dir_ / "sub" / "inner.xml", "x");
  WriteWhole(inbox_dir_ / "done" / "old.xml", "x");
  WriteWhole(inbox_dir_ / "failed" / "bad.xml", "x");
  fs::rename(inbox_dir_ / "notes.txt", inbox_dir_ / "done" / "notes.txt");
  EXPECT_THAT(Drain(*inbox), IsEmpty());
  EXPECT_THAT(inbox->TakeRefused(), IsEmpty());
  WriteWhole(inbox_dir_ / "real.xml", "<delivery/>");
  EXPECT_THAT(Gather(*inbox, 1), ElementsAre(inbox_dir_ / "real.xml"));
  EXPECT_THAT(Drain(*inbox), IsEmpty());
}

TEST_F(InboxTest, ExistingReturnsManifestsOldestFirst) {
  WriteWhole(inbox_dir_ / "b.xml", "b");
  WriteWhole(inbox_dir_ / "a.XML", "a");
  WriteWhole(inbox_dir_ / "c.xml", "c");
  WriteWhole(inbox_dir_ / "d.xml", "d");
  WriteWhole(inbox_dir_ / ".e.xml", "e");
  WriteWhole(inbox_dir_ / "f.txt", "f");
  SetMtime(inbox_dir_ / "b.xml", 1'700'000'300);
  SetMtime(inbox_dir_ / "a.XML", 1'700'000'200);
  SetMtime(inbox_dir_ / "c.xml", 1'700'000'100);
  SetMtime(inbox_dir_ / "d.xml", 1'700'000'200);  // As old as a.XML: by name.
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  ASSERT_OK_AND_ASSIGN(std::vector<fs::path> existing, inbox->Existing());
  EXPECT_THAT(existing, ElementsAre(inbox_dir_ / "c.xml", inbox_dir_ / "a.XML",
                                    inbox_dir_ / "d.xml", inbox_dir_ / "b.xml"));
  EXPECT_THAT(Drain(*inbox), IsEmpty());
  ASSERT_OK_AND_ASSIGN(existing, inbox->Existing());
  EXPECT_THAT(existing, IsEmpty());  // Already returned.
}

// Delivered between Open and Existing: returned by one of them, not both.
TEST_F(InboxTest, ExistingAndArrivalsDoNotOverlap) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  WriteWhole(inbox_dir_ / "a.xml", "<delivery/>");
  ASSERT_OK_AND_ASSIGN(std::vector<fs::path> existing, inbox->Existing());
  EXPECT_THAT(existing, ElementsAre(inbox_dir_ / "a.xml"));
  EXPECT_THAT(Drain(*inbox), IsEmpty());
}

TEST_F(InboxTest, MovesToDoneAndFailedWithANote) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  WriteWhole(inbox_dir_ / "good.xml", "<good/>");
  WriteWhole(inbox_dir_ / "bad.xml", "<bad/>");
  ASSERT_OK_AND_ASSIGN(std::vector<fs::path> existing, inbox->Existing());
  ASSERT_THAT(existing, SizeIs(2));

  ASSERT_OK(inbox->MoveToDone(inbox_dir_ / "good.xml", "job j-123 COMPLETE"));
  ASSERT_OK(inbox->MoveToFailed(inbox_dir_ / "bad.xml",
                                "bad.xml: <source> names in/missing.mov, which does not exist: "
                                "deliver it and submit the manifest again"));
  EXPECT_FALSE(fs::exists(inbox_dir_ / "good.xml"));
  EXPECT_FALSE(fs::exists(inbox_dir_ / "bad.xml"));
  EXPECT_EQ(ReadFile(inbox_dir_ / "done" / "good.xml"), "<good/>");
  EXPECT_EQ(ReadFile(inbox_dir_ / "done" / "good.xml.txt"), "job j-123 COMPLETE\n");
  EXPECT_EQ(ReadFile(inbox_dir_ / "failed" / "bad.xml"), "<bad/>");
  EXPECT_THAT(ReadFile(inbox_dir_ / "failed" / "bad.xml.txt"),
              HasSubstr("in/missing.mov, which does not exist"));
  EXPECT_THAT(Names(inbox_dir_ / "done"), ElementsAre("good.xml", "good.xml.txt"));
  EXPECT_THAT(Names(inbox_dir_ / "failed"), ElementsAre("bad.xml", "bad.xml.txt"));
  EXPECT_THAT(Names(inbox_dir_), ElementsAre("done", "failed"));  // No temporary left.
  EXPECT_THAT(Drain(*inbox), IsEmpty());
}

TEST_F(InboxTest, ANameAlreadyInDoneGetsAUniqueName) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  for (int i = 1; i <= 3; ++i) {
    WriteWhole(inbox_dir_ / "a.xml", absl::StrCat("<delivery n='", i, "'/>"));
    ASSERT_THAT(Gather(*inbox, 1), ElementsAre(inbox_dir_ / "a.xml"));
    ASSERT_OK(inbox->MoveToDone(inbox_dir_ / "a.xml", absl::StrCat("job ", i, " COMPLETE")));
  }
  // A note lying there under the name also makes it taken.
  WriteWhole(inbox_dir_ / "failed" / "z.xml.txt", "someone's note");
  WriteWhole(inbox_dir_ / "z.xml", "<z/>");
  ASSERT_OK(inbox->MoveToFailed(inbox_dir_ / "z.xml", "z failed"));
  EXPECT_EQ(ReadFile(inbox_dir_ / "failed" / "z.xml.txt"), "someone's note");

  const std::vector<std::string> done = Names(inbox_dir_ / "done");
  ASSERT_THAT(done, SizeIs(6));
  std::map<std::string, std::string> note_by_content;
  for (const std::string& name : done) {
    if (!name.ends_with(".xml")) continue;
    EXPECT_THAT(name, ::testing::MatchesRegex(R"(a(\.[0-9]{8}T[0-9]{6}Z(-[0-9]+)?)?\.xml)"));
    note_by_content[ReadFile(inbox_dir_ / "done" / name)] =
        ReadFile(inbox_dir_ / "done" / (name + ".txt"));
  }
  EXPECT_THAT(note_by_content,
              UnorderedElementsAre(::testing::Pair("<delivery n='1'/>", "job 1 COMPLETE\n"),
                                   ::testing::Pair("<delivery n='2'/>", "job 2 COMPLETE\n"),
                                   ::testing::Pair("<delivery n='3'/>", "job 3 COMPLETE\n")));
  const std::vector<std::string> failed = Names(inbox_dir_ / "failed");
  ASSERT_THAT(failed, SizeIs(3));
  for (const std::string& name : failed) {
    if (name == "z.xml.txt" || !name.ends_with(".xml")) continue;
    EXPECT_EQ(ReadFile(inbox_dir_ / "failed" / name), "<z/>");
    EXPECT_EQ(ReadFile(inbox_dir_ / "failed" / (name + ".txt")), "z failed\n");
  }
}

TEST_F(InboxTest, MovesOnlyWhatIsInTheInbox) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  WriteWhole(temp_.path() / "outside.xml", "x");
  WriteWhole(inbox_dir_ / "done" / "old.xml", "x");
  EXPECT_THAT(inbox->MoveToDone(temp_.path() / "outside.xml", "n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not in the inbox")));
  EXPECT_THAT(inbox->MoveToFailed(inbox_dir_ / "done" / "old.xml", "n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(inbox->MoveToDone(inbox_dir_ / ".." / "outside.xml", "n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(inbox->MoveToDone(inbox_dir_ / "gone.xml", "n"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("gone.xml is no longer in")));
  EXPECT_TRUE(fs::exists(temp_.path() / "outside.xml"));
  EXPECT_TRUE(fs::exists(inbox_dir_ / "done" / "old.xml"));
}

// Runs `call` on another thread and fails (after unblocking `fifo`) if it has not returned
// within 10 s: a FIFO opened for reading would wait for a writer forever.
template <typename Call>
auto WithinTenSeconds(const fs::path& fifo, const fs::path& fifo_moved, Call call) {
  auto result = std::async(std::launch::async, call);
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    close(open(fifo.c_str(), O_WRONLY | O_NONBLOCK));  // Unblocks a reader.
    close(open(fifo_moved.c_str(), O_WRONLY | O_NONBLOCK));
    ADD_FAILURE() << "the inbox blocked on a FIFO";
  }
  return result.get();
}

// What a hostile delivery may put there: none of them is opened or followed, and each is
// moved to failed/ with a note.
TEST_F(InboxTest, ExistingMovesWhatIsNotAFileToFailedWithoutOpeningIt) {
  const fs::path secret = temp_.path() / "secret.xml";
  WriteWhole(secret, "<secret/>");
  fs::create_symlink(secret, inbox_dir_ / "link.xml");
  fs::create_symlink(temp_.path() / "dangling", inbox_dir_ / "dangling.xml");
  ASSERT_EQ(mkfifo((inbox_dir_ / "pipe.xml").c_str(), 0600), 0);
  fs::create_directories(inbox_dir_ / "folder.xml");
  WriteWhole(inbox_dir_ / "folder.xml" / "inner.xml", "x");
  WriteWhole(inbox_dir_ / "good.xml", "<good/>");
  testing::OpenWatch opens({secret, inbox_dir_ / "pipe.xml", inbox_dir_ / "folder.xml"});
  ASSERT_TRUE(opens.watching());

  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  absl::StatusOr<std::vector<fs::path>> existing =
      WithinTenSeconds(inbox_dir_ / "pipe.xml", inbox_dir_ / "failed" / "pipe.xml",
                       [&] { return inbox->Existing(); });
  ASSERT_OK(existing.status());
  EXPECT_THAT(*existing, ElementsAre(inbox_dir_ / "good.xml"));
  EXPECT_EQ(opens.Events(), 0);

  EXPECT_THAT(Names(inbox_dir_ / "failed"),
              ElementsAre("dangling.xml", "dangling.xml.txt", "folder.xml", "folder.xml.txt",
                          "link.xml", "link.xml.txt", "pipe.xml", "pipe.xml.txt"));
  EXPECT_TRUE(fs::is_symlink(inbox_dir_ / "failed" / "link.xml"));
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(inbox_dir_ / "failed" / "pipe.xml")));
  EXPECT_TRUE(fs::exists(inbox_dir_ / "failed" / "folder.xml" / "inner.xml"));
  EXPECT_EQ(ReadFile(inbox_dir_ / "failed" / "link.xml.txt"),
            "link.xml is a symbolic link, not a file: it was not opened; deliver the manifest "
            "itself\n");
  EXPECT_THAT(ReadFile(inbox_dir_ / "failed" / "pipe.xml.txt"),
              HasSubstr("pipe.xml is a FIFO, not a file: it was not opened; deliver the "
                        "manifest as a regular file"));
  EXPECT_THAT(ReadFile(inbox_dir_ / "failed" / "folder.xml.txt"),
              HasSubstr("folder.xml is a directory, not a file"));
  const std::vector<std::string> refused = inbox->TakeRefused();
  EXPECT_THAT(refused, SizeIs(4));
  EXPECT_THAT(refused,
              ::testing::Contains(HasSubstr(absl::StrCat(
                  (inbox_dir_ / "link.xml").string(), " is a symbolic link, not a file: moved to ",
                  (inbox_dir_ / "failed" / "link.xml").string()))));
  EXPECT_THAT(inbox->TakeRefused(), IsEmpty());
  EXPECT_EQ(opens.Events(), 0);
  EXPECT_EQ(ReadFile(secret), "<secret/>");  // Opens it: last.
}

TEST_F(InboxTest, ArrivalsThatAreNotFilesGoToFailedWithoutBeingOpened) {
  const fs::path secret = temp_.path() / "secret.xml";
  WriteWhole(secret, "<secret/>");
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  testing::OpenWatch opens({secret});
  ASSERT_TRUE(opens.watching());

  fs::create_symlink(secret, inbox_dir_ / "link.xml");
  fs::create_symlink(secret, temp_.path() / "moved-link.xml");
  fs::rename(temp_.path() / "moved-link.xml", inbox_dir_ / "moved-link.xml");
  ASSERT_EQ(mkfifo((inbox_dir_ / "pipe.xml").c_str(), 0600), 0);
  fs::create_directories(inbox_dir_ / "folder.xml");
  std::vector<std::string> refused =
      WithinTenSeconds(inbox_dir_ / "pipe.xml", inbox_dir_ / "failed" / "pipe.xml",
                       [&] { return GatherRefused(*inbox, 4); });
  EXPECT_THAT(refused, SizeIs(4));
  EXPECT_THAT(Names(inbox_dir_ / "failed"),
              ElementsAre("folder.xml", "folder.xml.txt", "link.xml", "link.xml.txt",
                          "moved-link.xml", "moved-link.xml.txt", "pipe.xml", "pipe.xml.txt"));
  EXPECT_THAT(ReadFile(inbox_dir_ / "failed" / "moved-link.xml.txt"),
              HasSubstr("a symbolic link, not a file: it was not opened; deliver the manifest "
                        "itself"));
  EXPECT_EQ(opens.Events(), 0);
  EXPECT_THAT(Drain(*inbox), IsEmpty());
}

// More events than the kernel queues (fs.inotify.max_queued_events): the folder is scanned.
TEST_F(InboxTest, FallsBackToAScanWhenEventsWereLost) {
  int max_queued = 0;
  std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> max_queued;
  if (max_queued <= 0 || max_queued > 100'000) {
    GTEST_SKIP() << "fs.inotify.max_queued_events is " << max_queued << ": too many to overflow";
  }
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  WriteWhole(inbox_dir_ / "first.xml", "<first/>");
  ASSERT_THAT(Gather(*inbox, 1), ElementsAre(inbox_dir_ / "first.xml"));

  WriteWhole(inbox_dir_ / "noise.a", "");
  for (int i = 0; i <= max_queued / 2; ++i) {  // Two events for each rename.
    ASSERT_EQ(rename((inbox_dir_ / (i % 2 == 0 ? "noise.a" : "noise.b")).c_str(),
                     (inbox_dir_ / (i % 2 == 0 ? "noise.b" : "noise.a")).c_str()),
              0);
  }
  WriteWhole(inbox_dir_ / "second.xml", "<second/>");  // Its event is lost.
  // Returned once (first.xml, returned before, is not), even though the queue holds events.
  EXPECT_THAT(Gather(*inbox, 1), ElementsAre(inbox_dir_ / "second.xml"));
  EXPECT_THAT(Drain(*inbox), IsEmpty());
}

TEST_F(InboxTest, SaysSoWhenTheFolderIsDeleted) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  fs::remove_all(inbox_dir_);
  absl::StatusOr<std::vector<fs::path>> got = inbox->WaitForArrivals(absl::Seconds(10));
  EXPECT_THAT(
      got, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("was deleted or moved away")));
}

TEST_F(InboxTest, MovesFromAnotherThreadWhileWaiting) {
  std::unique_ptr<Inbox> inbox = OpenInbox();
  ASSERT_NE(inbox, nullptr);
  WriteWhole(inbox_dir_ / "a.xml", "<a/>");
  ASSERT_THAT(Gather(*inbox, 1), ElementsAre(inbox_dir_ / "a.xml"));
  auto waiting =
      std::async(std::launch::async, [&] { return inbox->WaitForArrivals(absl::Seconds(10)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_OK(inbox->MoveToDone(inbox_dir_ / "a.xml", "job a COMPLETE"));
  WriteWhole(inbox_dir_ / "b.xml", "<b/>");
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  absl::StatusOr<std::vector<fs::path>> got = waiting.get();
  ASSERT_OK(got.status());
  EXPECT_THAT(*got, ElementsAre(inbox_dir_ / "b.xml"));
}

}  // namespace
}  // namespace atp::server
