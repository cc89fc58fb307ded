#include "atp/server/file_settle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include "atp/testing/fake_clock.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::server {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::FakeClock;
using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

bool NeverStop() { return false; }

// Real time, short: for tests where another thread writes.
SettleOptions Quick() {
  return {.quiet = absl::Milliseconds(200),
          .timeout = absl::Seconds(20),
          .poll = absl::Milliseconds(20)};
}

void Append(const fs::path& file, size_t bytes) {
  std::ofstream(file, std::ios::binary | std::ios::app) << std::string(bytes, 'x');
}

TEST(WaitUntilSettled, ACompleteFileIsSettledAfterTheQuietPeriod) {
  testing::TempDir dir;
  const fs::path file = dir.WriteFile("mezzanine.mov", std::string(1000, 'x'));
  const absl::Time start = absl::Now();
  EXPECT_OK(WaitUntilSettled(file, 1000, Quick(), RealClock(), NeverStop));
  EXPECT_GE(absl::Now() - start, Quick().quiet);
}

TEST(WaitUntilSettled, ACompleteFileOnAFakeClock) {
  testing::TempDir dir;
  const fs::path file = dir.WriteFile("mezzanine.mov", std::string(1000, 'x'));
  FakeClock clock;
  const absl::Time start = clock.Now();
  EXPECT_OK(WaitUntilSettled(file, 1000, SettleOptions(), clock, NeverStop));
  EXPECT_GE(clock.Now() - start, absl::Seconds(5));
  EXPECT_LT(clock.Now() - start, absl::Seconds(6));
}

// Only once it reached its size, and then stayed unchanged for the quiet period.
TEST(WaitUntilSettled, AGrowingFileIsSettledOnlyQuietlyAfterItsLastWrite) {
  testing::TempDir dir;
  const fs::path file = dir.WriteFile("mezzanine.mov", "");
  std::atomic<int64_t> last_write_ns{0};
  std::thread uploader([&] {
    for (int step = 0; step < 5; ++step) {
      std::this_thread::sleep_for(std::chrono::milliseconds(80));
      last_write_ns = absl::ToUnixNanos(absl::Now());
      Append(file, 200);
    }
  });
  const absl::Status settled = WaitUntilSettled(file, 1000, Quick(), RealClock(), NeverStop);
  const absl::Time returned = absl::Now();
  uploader.join();
  EXPECT_OK(settled);
  EXPECT_EQ(fs::file_size(file), 1000u);
  EXPECT_GE(returned - absl::FromUnixNanos(last_write_ns), Quick().quiet);
}

TEST(WaitUntilSettled, AFileThatNeverReachesItsSizeTimesOut) {
  testing::TempDir dir;
  const fs::path file = dir.WriteFile("mezzanine.mov", std::string(1048576, 'x'));
  FakeClock clock;
  const absl::Time start = clock.Now();
  EXPECT_THAT(WaitUntilSettled(file, 2097152, SettleOptions(), clock, NeverStop),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       AllOf(HasSubstr(file.string()),
                             HasSubstr("is 1048576 of 2097152 bytes after 1h: the delivery is "
                                       "incomplete; deliver the rest and submit the manifest "
                                       "again"))));
  EXPECT_GE(clock.Now() - start, absl::Hours(1));
  EXPECT_LT(clock.Now() - start, absl::Hours(1) + absl::Seconds(1));
}

TEST(WaitUntilSettled, ALargerFileIsNotTheDelivery) {
  testing::TempDir dir;
  const fs::path file = dir.WriteFile("mezzanine.mov", std::string(3000, 'x'));
  FakeClock clock;
  const absl::Time start = clock.Now();
  EXPECT_THAT(WaitUntilSettled(file, 2000, SettleOptions(), clock, NeverStop),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(file.string()),
                             HasSubstr("is 3000 bytes, more than the 2000 bytes the manifest "
                                       "gives: it is not the delivery the manifest describes"))));
  EXPECT_GE(clock.Now() - start, absl::Seconds(5));   // Once stable for quiet...
  EXPECT_LT(clock.Now() - start, absl::Seconds(10));  // ...not at the timeout.
}

TEST(WaitUntilSettled, RefusesAFifoAtOnceWithoutOpeningIt) {
  testing::TempDir dir;
  const fs::path fifo = dir.path() / "mezzanine.mov";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  FakeClock clock;
  auto settled = std::async(std::launch::async, [&] {
    return WaitUntilSettled(fifo, 1000, SettleOptions(), clock, NeverStop);
  });
  if (settled.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    close(open(fifo.c_str(), O_WRONLY | O_NONBLOCK));  // Unblocks a reader.
    FAIL() << "WaitUntilSettled blocked on a FIFO";
  }
  EXPECT_THAT(settled.get(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mezzanine.mov is a FIFO, not a regular file: deliver the file")));
  EXPECT_THAT(clock.sleeps(), IsEmpty());
}

TEST(WaitUntilSettled, RefusesAFolderAtOnce) {
  testing::TempDir dir;
  FakeClock clock;
  EXPECT_THAT(WaitUntilSettled(dir.path(), 1000, SettleOptions(), clock, NeverStop),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is a directory")));
  EXPECT_THAT(clock.sleeps(), IsEmpty());
}

TEST(WaitUntilSettled, StopsWhenAsked) {
  testing::TempDir dir;
  FakeClock clock;
  int asked = 0;
  EXPECT_THAT(WaitUntilSettled(dir.path() / "missing.mov", 1000, SettleOptions(), clock,
                               [&] { return ++asked > 3; }),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("stopped")));
  EXPECT_EQ(asked, 4);
  EXPECT_LT(clock.Now() - absl::FromUnixSeconds(1'800'000'000), absl::Seconds(2));
}

TEST(WaitUntilSettled, AMissingFileIsNotFoundAfterTheTimeout) {
  testing::TempDir dir;
  FakeClock clock;
  const fs::path file = dir.path() / "missing.mov";
  EXPECT_THAT(WaitUntilSettled(file, 1000, SettleOptions(), clock, NeverStop),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr(file.string()), HasSubstr("is still missing after 1h"))));
}

// Uploaded under another name, then renamed in.
TEST(WaitUntilSettled, WaitsForAMissingFileToBeRenamedIn) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "mezzanine.mov";
  std::atomic<int64_t> renamed_ns{0};
  std::thread uploader([&] {
    const fs::path partial = dir.WriteFile("mezzanine.mov.part", std::string(500, 'x'));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    Append(partial, 500);
    renamed_ns = absl::ToUnixNanos(absl::Now());
    fs::rename(partial, file);
  });
  const absl::Status settled = WaitUntilSettled(file, 1000, Quick(), RealClock(), NeverStop);
  const absl::Time returned = absl::Now();
  uploader.join();
  EXPECT_OK(settled);
  EXPECT_GE(returned - absl::FromUnixNanos(renamed_ns), Quick().quiet);
}

TEST(WaitUntilSettled, RefusesANegativeSize) {
  testing::TempDir dir;
  FakeClock clock;
  EXPECT_THAT(WaitUntilSettled(dir.path() / "a.mov", -1, SettleOptions(), clock, NeverStop),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("negative")));
}

}  // namespace
}  // namespace atp::server
