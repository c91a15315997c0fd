// macOS: the kernel's address-wait calls (__ulock_wait / __ulock_wake) are private API, and
// os_sync_wait_on_address is public only from macOS 14.4. libc++'s std::atomic<T>::wait is
// built on the ulock calls, so it is the documented way to reach them.
//
// std::atomic<T>::wait has no deadline, so a timed wait sleeps on a condition variable instead,
// one of a small table hashed by address (a "parking lot"). The waiter compares the word under
// the bucket's mutex; the waker changed the word before it calls wake_*, and takes the same
// mutex to notify, so a wake between the compare and the sleep cannot be lost. Waking costs a
// lock only when some timed waiter sleeps in that bucket (`sleepers`).
#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "rt/os/address_wait.hpp"

namespace rt::os {

namespace {

struct Bucket {
  std::mutex mutex;
  std::condition_variable sleeping;
  std::atomic<int> sleepers{0};  // timed waiters in this bucket (read without the mutex)
};

Bucket& bucket_of(const void* address) {
  static std::array<Bucket, 64> buckets;
  const auto bits = reinterpret_cast<std::uintptr_t>(address);
  return buckets[(bits >> 2) % buckets.size()];
}

void wake_timed(std::atomic<std::uint32_t>& word) {
  Bucket& bucket = bucket_of(&word);
  // seq_cst: the caller's store of the word, then this load; pairs with the waiter's
  // increment, then its compare (under the mutex). One of the two sees the other.
  if (bucket.sleepers.load(std::memory_order_seq_cst) == 0) return;
  std::lock_guard lock(bucket.mutex);
  bucket.sleeping.notify_all();  // the bucket is shared by addresses: wake all, each re-checks
}

}  // namespace

void wait_on_address(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  word.wait(expected, std::memory_order_relaxed);  // the caller's acquire load follows
}

bool wait_on_address_until(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                           std::chrono::steady_clock::time_point deadline) {
  Bucket& bucket = bucket_of(&word);
  std::unique_lock lock(bucket.mutex);
  bucket.sleepers.fetch_add(1, std::memory_order_seq_cst);
  if (word.load(std::memory_order_seq_cst) == expected) {
    bucket.sleeping.wait_until(lock, deadline);
  }
  bucket.sleepers.fetch_sub(1, std::memory_order_relaxed);
  return std::chrono::steady_clock::now() < deadline;
}

void wake_one(std::atomic<std::uint32_t>& word) {
  word.notify_one();
  wake_timed(word);
}

void wake_all(std::atomic<std::uint32_t>& word) {
  word.notify_all();
  wake_timed(word);
}

const char* address_wait_mechanism() {
  return "ulock (via std::atomic::wait)";
}

}  // namespace rt::os
