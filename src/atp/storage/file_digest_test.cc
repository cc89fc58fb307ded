#include "atp/storage/file_digest.h"

#include <fstream>
#include <string>

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::storage {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

// Vectors from the manifest format document.
TEST(DigestBytes, MatchesPublishedVectors) {
  EXPECT_EQ(DigestBytes(""),
            (FileDigest{0, "d41d8cd98f00b204e9800998ecf8427e", "ef46db3751d8e999"}));
  EXPECT_EQ(DigestBytes("hello world"),
            (FileDigest{11, "5eb63bbbe01eeed093cb22bb8f5acdc3", "45ab6734b21e6968"}));
}

TEST(DigestFile, MatchesVectorsOnDisk) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(FileDigest empty, DigestFile(dir.WriteFile("empty", "")));
  EXPECT_EQ(empty, DigestBytes(""));
  ASSERT_OK_AND_ASSIGN(FileDigest hello, DigestFile(dir.WriteFile("hello", "hello world")));
  EXPECT_EQ(hello.md5_hex, "5eb63bbbe01eeed093cb22bb8f5acdc3");
  EXPECT_EQ(hello.xxh64_hex, "45ab6734b21e6968");
}

// A file spanning several read chunks must digest exactly like the same bytes in memory.
TEST(DigestFile, MultiChunkFileEqualsInMemoryDigestAndReportsProgress) {
  testing::TempDir dir;
  std::string bytes;
  for (uint32_t i = 0; i < (3u << 20) + 12345; ++i)
    bytes.push_back(static_cast<char>((i * 7919u) >> 3));
  std::filesystem::path file = dir.WriteFile("big", bytes);
  int64_t last_done = 0;
  int calls = 0;
  ASSERT_OK_AND_ASSIGN(FileDigest digest, DigestFile(file, [&](int64_t done, int64_t total) {
                         EXPECT_GT(done, last_done);
                         EXPECT_EQ(total, static_cast<int64_t>(bytes.size()));
                         last_done = done;
                         ++calls;
                         return absl::OkStatus();
                       }));
  EXPECT_EQ(digest, DigestBytes(bytes));
  EXPECT_EQ(last_done, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(calls, 4);
}

TEST(DigestFile, StopsWhenProgressSaysSo) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.WriteFile("big", std::string(3 << 20, 'x'));
  int calls = 0;
  EXPECT_THAT(DigestFile(file,
                         [&](int64_t, int64_t) {
                           ++calls;
                           return absl::DeadlineExceededError("verify timed out");
                         }),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(calls, 1);
}

TEST(DigestFile, OneChangedByteChangesBothDigests) {
  testing::TempDir dir;
  std::string bytes(100000, 'a');
  ASSERT_OK_AND_ASSIGN(FileDigest original, DigestFile(dir.WriteFile("a", bytes)));
  bytes[50000] = 'b';
  ASSERT_OK_AND_ASSIGN(FileDigest altered, DigestFile(dir.WriteFile("b", bytes)));
  EXPECT_EQ(original.size_bytes, altered.size_bytes);
  EXPECT_NE(original.md5_hex, altered.md5_hex);
  EXPECT_NE(original.xxh64_hex, altered.xxh64_hex);
}

TEST(DigestFile, MissingFileIsNotFound) {
  testing::TempDir dir;
  EXPECT_THAT(DigestFile(dir.path() / "absent.mov"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.mov")));
}

TEST(DigestFile, DirectoryIsFailedPrecondition) {
  testing::TempDir dir;
  EXPECT_THAT(DigestFile(dir.path()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a regular file")));
}

TEST(Sha256Hex, MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace atp::storage
