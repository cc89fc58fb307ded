#include "atp/storage/file_digest.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::storage {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

constexpr size_t kChunk = 1 << 20;  // DigestFile's read size (file_digest.cc).

// `size` fixed bytes in which no two chunks are alike, so a chunk hashed twice, skipped or out
// of order changes the digests.
std::string PatternBytes(size_t size) {
  std::string bytes(size, '\0');
  for (uint64_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 0x9E3779B97F4A7C15u) >> 56);
  }
  return bytes;
}

// Bytes in memory, read as a RandomAccessFile.
class MemoryFile : public RandomAccessFile {
 public:
  explicit MemoryFile(std::string bytes) : bytes_(std::move(bytes)) {}
  const std::string& name() const override { return name_; }
  absl::StatusOr<int64_t> Size() const override { return static_cast<int64_t>(bytes_.size()); }
  absl::StatusOr<size_t> ReadAt(int64_t offset, char* buffer, size_t size) const override {
    if (offset >= static_cast<int64_t>(bytes_.size())) return 0;
    const size_t count = std::min(size, bytes_.size() - static_cast<size_t>(offset));
    std::memcpy(buffer, bytes_.data() + offset, count);
    return count;
  }

 private:
  std::string name_ = "memory";
  std::string bytes_;
};

// Reads through to `file`, except that a read reaching byte `fail_at` fails with Unavailable.
class FailingReadFile : public RandomAccessFile {
 public:
  FailingReadFile(const RandomAccessFile& file, int64_t fail_at) : file_(file), fail_at_(fail_at) {}
  const std::string& name() const override { return file_.name(); }
  absl::StatusOr<int64_t> Size() const override { return file_.Size(); }
  absl::StatusOr<size_t> ReadAt(int64_t offset, char* buffer, size_t size) const override {
    if (offset <= fail_at_ && fail_at_ < offset + static_cast<int64_t>(size)) {
      return absl::UnavailableError("injected read error");
    }
    return file_.ReadAt(offset, buffer, size);
  }

 private:
  const RandomAccessFile& file_;
  int64_t fail_at_;
};

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

// Around every chunk boundary, below and past the size where MD5 moves to its own thread, and
// past the ring of chunks: the same digests as in memory, and one progress call per chunk, on
// the calling thread, with the bytes read so far.
TEST(DigestFile, EqualsInMemoryDigestAtEverySize) {
  for (const size_t size :
       {size_t{0}, size_t{1}, kChunk - 1, kChunk, kChunk + 1, 2 * kChunk - 1, 2 * kChunk,
        2 * kChunk + 1, 4 * kChunk, 5 * kChunk + 12345, 9 * kChunk + 12345}) {
    const std::string bytes = PatternBytes(size);
    const MemoryFile file(bytes);
    const std::thread::id caller = std::this_thread::get_id();
    std::vector<int64_t> progress;
    ASSERT_OK_AND_ASSIGN(FileDigest digest, DigestFile(file, [&](int64_t done, int64_t total) {
                           EXPECT_EQ(std::this_thread::get_id(), caller);
                           EXPECT_EQ(total, static_cast<int64_t>(size));
                           progress.push_back(done);
                           return absl::OkStatus();
                         }));
    EXPECT_EQ(digest, DigestBytes(bytes)) << size;
    std::vector<int64_t> expected;
    for (size_t done = 0; done < size;) {
      done = std::min(done + kChunk, size);
      expected.push_back(static_cast<int64_t>(done));
    }
    EXPECT_EQ(progress, expected) << size;
  }
}

// Computed with md5sum and libxxhash's one-shot XXH64 over the same bytes, so the multi-chunk
// paths are checked against something other than this file's own hashers.
TEST(DigestFile, MatchesIndependentVectorsOverSeveralChunks) {
  ASSERT_OK_AND_ASSIGN(FileDigest three, DigestFile(MemoryFile(PatternBytes(3 * kChunk + 12345))));
  EXPECT_EQ(three, (FileDigest{3 * kChunk + 12345, "2c9d1afbe10f5e0614cd3a9add9060c8",
                               "1ec0183bcf110a9e"}));
  ASSERT_OK_AND_ASSIGN(FileDigest nine, DigestFile(MemoryFile(PatternBytes(9 * kChunk + 12345))));
  EXPECT_EQ(nine, (FileDigest{9 * kChunk + 12345, "d71bcb41a5ede74a5af614c857a845d2",
                              "5e4f2b664f8d00f2"}));
}

// A progress error on the first call, mid-way, and on the last call (when every chunk is read
// and MD5 may still have a full ring to hash) stops the pass, which returns it.
TEST(DigestFile, ProgressErrorStopsThePassAtAnyPoint) {
  struct Case {
    size_t size;
    int fail_on_call;
  };
  for (const Case& c : std::vector<Case>{{kChunk + kChunk / 2, 1},
                                         {kChunk + kChunk / 2, 2},
                                         {9 * kChunk + 12345, 1},
                                         {9 * kChunk + 12345, 3},
                                         {9 * kChunk + 12345, 6},
                                         {9 * kChunk + 12345, 10}}) {
    const MemoryFile file(PatternBytes(c.size));
    int calls = 0;
    EXPECT_THAT(DigestFile(file,
                           [&](int64_t, int64_t) {
                             return ++calls == c.fail_on_call
                                        ? absl::CancelledError("job cancelled")
                                        : absl::OkStatus();
                           }),
                StatusIs(absl::StatusCode::kCancelled, HasSubstr("job cancelled")))
        << c.size << " bytes, call " << c.fail_on_call;
    EXPECT_EQ(calls, c.fail_on_call);
  }
}

// A read error at the first byte, inside a small file, at a chunk boundary, after the ring of
// chunks has wrapped, and at the last byte is returned as it is.
TEST(DigestFile, ReturnsReadErrorAtAnyOffset) {
  struct Case {
    size_t size;
    int64_t fail_at;
  };
  constexpr int64_t kBig = 9 * kChunk + 12345;
  for (const Case& c : std::vector<Case>{{kChunk + kChunk / 2, 0},
                                         {kChunk + kChunk / 2, kChunk + 7},
                                         {kBig, 0},
                                         {kBig, kChunk},
                                         {kBig, 6 * kChunk + 500},
                                         {kBig, kBig - 1}}) {
    const MemoryFile memory(PatternBytes(c.size));
    const FailingReadFile file(memory, c.fail_at);
    int64_t last_done = 0;
    EXPECT_THAT(DigestFile(file,
                           [&](int64_t done, int64_t) {
                             last_done = done;
                             return absl::OkStatus();
                           }),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("injected read error")))
        << c.size << " bytes, failing at " << c.fail_at;
    EXPECT_EQ(last_done, c.fail_at / static_cast<int64_t>(kChunk) * static_cast<int64_t>(kChunk));
  }
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
