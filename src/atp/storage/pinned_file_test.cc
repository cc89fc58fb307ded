#include "atp/storage/pinned_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::storage {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

std::string ReadAll(const PinnedFile& file) {
  std::string bytes(64, '\0');
  absl::StatusOr<size_t> got = file.ReadAt(0, bytes.data(), bytes.size());
  EXPECT_TRUE(got.ok()) << got.status();
  bytes.resize(got.ok() ? *got : 0);
  return bytes;
}

TEST(PinnedFile, ReadsByPositionAndReportsItsIdentity) {
  testing::TempDir dir;
  const auto path = dir.WriteFile("a.mov", "0123456789");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PinnedFile> file, PinnedFile::Open(path));
  char buffer[4] = {};
  ASSERT_OK_AND_ASSIGN(size_t got, file->ReadAt(3, buffer, 4));
  EXPECT_EQ(std::string(buffer, got), "3456");
  ASSERT_OK_AND_ASSIGN(got, file->ReadAt(8, buffer, 4));
  EXPECT_EQ(std::string(buffer, got), "89");
  ASSERT_OK_AND_ASSIGN(got, file->ReadAt(10, buffer, 4));
  EXPECT_EQ(got, 0u);
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(file->identity().inode, info.st_ino);
  EXPECT_EQ(file->identity().size_bytes, 10);
  EXPECT_THAT(file->Size(), ::atp::testing::IsOk());
  ASSERT_OK_AND_ASSIGN(FileIdentity now, file->CurrentIdentity());
  EXPECT_EQ(now, file->identity());
}

TEST(PinnedFile, RefusesWhatIsNotARegularFile) {
  testing::TempDir dir;
  EXPECT_THAT(PinnedFile::Open(dir.path() / "missing.mov"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(PinnedFile::Open(dir.path()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("a directory")));
  EXPECT_THAT(PinnedFile::Open("/dev/null"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("a character device")));
}

// A FIFO with no writer: a plain open() would wait for one forever.
TEST(PinnedFile, RefusesAFifoWithoutWaitingForAWriter) {
  testing::TempDir dir;
  const std::filesystem::path fifo = dir.path() / "mezzanine.mov";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto opened = std::async(std::launch::async, [&] { return PinnedFile::Open(fifo).status(); });
  if (opened.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    close(open(fifo.c_str(), O_WRONLY | O_NONBLOCK));  // Unblocks the reader.
    FAIL() << "PinnedFile::Open blocked on a FIFO";
  }
  EXPECT_THAT(opened.get(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("not a regular file (a FIFO)")));
}

// mv other.mov mezzanine.mov: the pinned file still reads what it opened.
TEST(PinnedFile, KeepsReadingTheOpenedFileWhenItsPathIsReplaced) {
  testing::TempDir dir;
  const auto path = dir.WriteFile("a.mov", "original");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PinnedFile> file, PinnedFile::Open(path));
  std::filesystem::rename(dir.WriteFile("b.mov", "replaced"), path);
  EXPECT_EQ(ReadAll(*file), "original");
  ASSERT_OK_AND_ASSIGN(FileIdentity now, file->CurrentIdentity());
  EXPECT_EQ(now.inode, file->identity().inode);
  EXPECT_EQ(now.mtime_ns, file->identity().mtime_ns);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PinnedFile> reopened, PinnedFile::Open(path));
  EXPECT_NE(reopened->identity(), file->identity());
  EXPECT_THAT(DescribeIdentityChange(file->identity(), reopened->identity()),
              HasSubstr("(replaced)"));
}

// Written in place, even with the same size and the old modification time put back.
TEST(PinnedFile, IdentityChangesWhenTheBytesAreWrittenInPlace) {
  testing::TempDir dir;
  const auto path = dir.WriteFile("a.mov", "original");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PinnedFile> file, PinnedFile::Open(path));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::fstream(path, std::ios::in | std::ios::out | std::ios::binary) << "ORIGINAL";
  const struct timespec times[2] = {{.tv_sec = 0, .tv_nsec = UTIME_OMIT},
                                    {.tv_sec = file->identity().mtime_ns / 1'000'000'000,
                                     .tv_nsec = file->identity().mtime_ns % 1'000'000'000}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  ASSERT_OK_AND_ASSIGN(FileIdentity now, file->CurrentIdentity());
  EXPECT_EQ(now.mtime_ns, file->identity().mtime_ns);
  EXPECT_NE(now, file->identity());
  EXPECT_EQ(DescribeIdentityChange(file->identity(), now), "change time");
  EXPECT_EQ(ReadAll(*file), "ORIGINAL");
}

}  // namespace
}  // namespace atp::storage
