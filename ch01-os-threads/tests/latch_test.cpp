#include "rt/os/latch.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "rt/os/thread.hpp"

TEST(Latch, WaitReturnsAtOnceWhenTheCountIsZero) {
  rt::os::Latch latch(0);
  latch.wait();
}

TEST(Latch, ManyWaitersAllReleasedByTheLastCountDown) {
  constexpr int kWaiters = 32;
  rt::os::Latch ready(kWaiters);
  rt::os::Latch release(1);
  std::atomic<int> released{0};
  std::vector<rt::os::Thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back(rt::os::ThreadOptions{}, [&] {
      ready.count_down();
      release.wait();
      released.fetch_add(1, std::memory_order_relaxed);
    });
  }
  ready.wait();  // every waiter has counted down; none can have passed `release`
  EXPECT_EQ(released.load(), 0);
  release.count_down();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(released.load(), kWaiters);
}

TEST(Latch, AWaiterMayDestroyTheLatchAsSoonAsWaitReturns) {
  // The counting thread must not touch the latch after the count reaches zero.
  for (int round = 0; round < 200; ++round) {
    auto* latch = new rt::os::Latch(1);
    rt::os::Thread counter({}, [latch] { latch->count_down(); });
    latch->wait();
    delete latch;  // ASan would catch a count_down() still inside the latch
    counter.join();
  }
}
