#include "rt/os/address_wait.hpp"

#include <gtest/gtest.h>

#include "rt/os/thread.hpp"

TEST(AddressWait, ReturnsAtOnceWhenTheWordDiffersFromExpected) {
  std::atomic<std::uint32_t> word{1};
  rt::os::wait_on_address(word, 0);  // would sleep forever if it did not compare first
}

TEST(AddressWait, WakeAfterStoreIsNeverLost) {
  // Many rounds of: waiter checks, sleeps; waker stores, wakes. Whatever the interleaving,
  // the waiter sees the new value (a lost wakeup hangs and the ctest timeout fails the test).
  for (std::uint32_t round = 1; round <= 2000; ++round) {
    std::atomic<std::uint32_t> word{0};
    rt::os::Thread waker({}, [&] {
      word.store(round, std::memory_order_release);  // release: pairs with the acquire below
      rt::os::wake_one(word);
    });
    while (word.load(std::memory_order_acquire) == 0) rt::os::wait_on_address(word, 0);
    EXPECT_EQ(word.load(), round);
    waker.join();
  }
}

TEST(AddressWait, WakeAllReleasesEveryWaiter) {
  std::atomic<std::uint32_t> word{0};
  std::atomic<int> woken{0};
  std::vector<rt::os::Thread> waiters;
  for (int i = 0; i < 8; ++i) {
    waiters.emplace_back(rt::os::ThreadOptions{}, [&] {
      while (word.load(std::memory_order_acquire) == 0) rt::os::wait_on_address(word, 0);
      woken.fetch_add(1, std::memory_order_relaxed);
    });
  }
  word.store(1, std::memory_order_release);
  rt::os::wake_all(word);
  for (auto& waiter : waiters) waiter.join();
  EXPECT_EQ(woken.load(), 8);
}

TEST(AddressWait, TimedWaitReturnsFalseOnceTheDeadlineHasPassed) {
  std::atomic<std::uint32_t> word{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  // Nobody wakes it: it may return early (spuriously), but returns false only at the deadline.
  while (rt::os::wait_on_address_until(word, 0, deadline)) {
  }
  EXPECT_GE(std::chrono::steady_clock::now(), deadline);
}

TEST(AddressWait, TimedWaitSeesAWakeBeforeItsDeadline) {
  for (std::uint32_t round = 1; round <= 500; ++round) {
    std::atomic<std::uint32_t> word{0};
    rt::os::Thread waker({}, [&] {
      word.store(round, std::memory_order_release);  // release: pairs with the acquire below
      rt::os::wake_one(word);
    });
    // A deadline far away: a lost wake would sleep past the ctest timeout.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
    while (word.load(std::memory_order_acquire) == 0) {
      ASSERT_TRUE(rt::os::wait_on_address_until(word, 0, deadline));
    }
    waker.join();
  }
}
