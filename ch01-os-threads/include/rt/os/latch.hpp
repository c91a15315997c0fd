// A single-use countdown: threads count down, others wait until the count reaches zero.
//
// Why not std::latch: libstdc++ 12 for MinGW builds std::latch and std::atomic<T>::wait on
// a fallback without a native wait (there is no futex on Windows, and it does not use
// WaitOnAddress), and with many waiters that fallback was seen to deadlock under wine.
// This repository's handshakes must never hang, so they use this mutex + condition variable
// latch, whose correctness can be read off the page.
#pragma once

#include <cassert>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace rt::os {

class Latch {
 public:
  explicit Latch(std::size_t count) : count_(count) {}
  Latch(const Latch&) = delete;
  Latch& operator=(const Latch&) = delete;

  // Precondition: the count is above zero (asserted).
  void count_down() {
    std::lock_guard lock(mutex_);
    assert(count_ > 0 && "Latch counted down past zero");
    if (--count_ == 0) {
      // Notify while holding the mutex: a waiter may destroy the Latch as soon as it sees
      // zero, so this thread must not touch the Latch after unlocking.
      reached_zero_.notify_all();
    }
  }

  // Returns once the count is zero (at once if it already is).
  void wait() {
    std::unique_lock lock(mutex_);
    reached_zero_.wait(lock, [this] { return count_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable reached_zero_;
  std::size_t count_;  // guarded by mutex_
};

}  // namespace rt::os
