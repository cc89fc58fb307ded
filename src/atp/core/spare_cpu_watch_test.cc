#include "atp/core/spare_cpu_watch.h"

#include "gtest/gtest.h"

namespace atp {
namespace {

// Four tasks on two CPUs (two threads): no CPU is spare while a task waits, nor while both
// threads run the last two; one is once a thread has found no task left.
TEST(SpareCpuWatch, SpareOnceNoTaskWaitsAndAThreadHasNoneLeft) {
  SpareCpuWatch watch(4, 2);
  EXPECT_FALSE(watch.CpuSpare());
  watch.TaskStarted();
  watch.TaskStarted();
  EXPECT_FALSE(watch.CpuSpare());  // Two wait.
  watch.TaskEnded();
  watch.TaskStarted();
  EXPECT_FALSE(watch.CpuSpare());  // One waits.
  watch.TaskEnded();
  EXPECT_FALSE(watch.CpuSpare());  // Its thread takes the last one next.
  watch.TaskStarted();
  EXPECT_FALSE(watch.CpuSpare());  // Both CPUs busy with the last two.
  watch.TaskEnded();
  EXPECT_TRUE(watch.CpuSpare());
  watch.TaskEnded();
  EXPECT_TRUE(watch.CpuSpare());
}

// Fewer tasks than CPUs: a CPU is spare as soon as they have all started.
TEST(SpareCpuWatch, FewerTasksThanCpusLeaveOneSpareFromTheStart) {
  SpareCpuWatch watch(1, 2);
  EXPECT_FALSE(watch.CpuSpare());
  watch.TaskStarted();
  EXPECT_TRUE(watch.CpuSpare());
}

// One CPU is never spare while a task runs.
TEST(SpareCpuWatch, OneCpuIsSpareOnlyWhenNothingRuns) {
  SpareCpuWatch watch(2, 1);
  watch.TaskStarted();
  EXPECT_FALSE(watch.CpuSpare());
  watch.TaskEnded();
  watch.TaskStarted();
  EXPECT_FALSE(watch.CpuSpare());
}

}  // namespace
}  // namespace atp
