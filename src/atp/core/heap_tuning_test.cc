#include "atp/core/heap_tuning.h"

#include <malloc.h>
#include <sys/prctl.h>

#include <cstdlib>
#include <cstring>

#include "gtest/gtest.h"

namespace atp {
namespace {

TEST(RetainFreedHeapMemoryTest, TurnsHugePagesOffForTheProcess) {
  ASSERT_TRUE(RetainFreedHeapMemory().ok());
  EXPECT_EQ(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0), 1);
}

// A picture-sized block comes from the heap rather than from a mapping of its own, and stays
// there, mapped, once freed.
TEST(RetainFreedHeapMemoryTest, KeepsLargeBlocksOnTheHeapAfterTheyAreFreed) {
  ASSERT_TRUE(RetainFreedHeapMemory().ok());
  constexpr std::size_t kBlockSize = 16u << 20;
  const std::size_t mappings_before = mallinfo2().hblks;
  void* block = std::malloc(kBlockSize);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBlockSize);
  EXPECT_EQ(mallinfo2().hblks, mappings_before) << "the block was mapped on its own";
  std::free(block);
  EXPECT_GE(mallinfo2().fordblks, kBlockSize) << "the freed block went back to the kernel";
}

}  // namespace
}  // namespace atp
