#include "atp/core/bounded_queue.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace atp {
namespace {

TEST(BoundedQueue, HandsItemsOverInOrderNeverHoldingMoreThanItsCapacity) {
  constexpr int kItems = 2000;
  constexpr size_t kCapacity = 3;
  BoundedQueue<int> queue(kCapacity);
  std::atomic<int> pushed = 0;
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) {
      ASSERT_TRUE(queue.Push(i));
      ++pushed;
    }
  });
  for (int i = 0; i < kItems; ++i) {
    if (i % 100 == 0) std::this_thread::yield();  // Lets the producer run ahead, if it can.
    const std::optional<int> item = queue.Pop();
    ASSERT_TRUE(item.has_value());
    EXPECT_EQ(*item, i);
    // Counted after each Push returns: at most the popped items and a full queue.
    EXPECT_LE(pushed.load(), i + 1 + static_cast<int>(kCapacity));
  }
  producer.join();
  EXPECT_EQ(pushed, kItems);
}

TEST(BoundedQueue, CloseWakesAPopAndAPushThatWaitAndEndsLaterCalls) {
  BoundedQueue<int> empty(1);
  std::optional<int> popped = 7;
  std::thread consumer([&] { popped = empty.Pop(); });
  BoundedQueue<int> full(1);
  ASSERT_TRUE(full.Push(1));
  bool pushed = true;
  std::thread producer([&] { pushed = full.Push(2); });
  empty.Close();
  full.Close();
  consumer.join();
  producer.join();
  EXPECT_EQ(popped, std::nullopt);
  EXPECT_FALSE(pushed);
  EXPECT_FALSE(full.Push(3));
  EXPECT_EQ(full.Pop(), std::nullopt);  // What it held is dropped.
}

TEST(BoundedQueue, ACapacityOfZeroIsOne) {
  BoundedQueue<int> queue(0);
  ASSERT_TRUE(queue.Push(5));
  EXPECT_EQ(queue.Pop(), 5);
}

}  // namespace
}  // namespace atp
