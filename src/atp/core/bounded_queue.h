// atp/core/bounded_queue.h
//
// A first-in, first-out queue between threads that holds at most a fixed number of items.
#ifndef ATP_CORE_BOUNDED_QUEUE_H_
#define ATP_CORE_BOUNDED_QUEUE_H_

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace atp {

// Push waits while the queue is full, Pop while it is empty; Close ends both waits for good
// (a producer signals a normal end with an item of its own, not with Close). Safe to use from
// any number of threads.
template <typename T>
class BoundedQueue {
 public:
  // A capacity below 1 is 1.
  explicit BoundedQueue(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Waits for room, then appends `item`; false, with `item` dropped, once the queue is closed.
  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [this] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    ready_.notify_one();
    return true;
  }

  // Waits for an item and takes the oldest; nullopt once the queue is closed.
  std::optional<T> Pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [this] { return closed_ || !items_.empty(); });
    if (closed_) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    room_.notify_one();
    return item;
  }

  // Drops what the queue holds and wakes every waiter; later calls return at once.
  void Close() {
    std::deque<T> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
      dropped.swap(items_);
    }
    room_.notify_all();
    ready_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable room_;   // An item was taken, or the queue closed.
  std::condition_variable ready_;  // An item was added, or the queue closed.
  std::deque<T> items_;            // Guarded by mutex_.
  bool closed_ = false;            // Guarded by mutex_.
};

}  // namespace atp

#endif  // ATP_CORE_BOUNDED_QUEUE_H_
