// The Waker and the timeout half of poller.hpp's contract, on every backend.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <thread>

#include "rt/clock.hpp"
#include "rt/poll/poller.hpp"
#include "rt/testing.hpp"

using namespace std::chrono_literals;
using rt::poll::Event;
using rt::poll::kWakeToken;
using rt::poll::Poller;

namespace {
using rt::testing::kPatience;
}

TEST(Waker, AWakeBeforeTheWaitMakesTheNextWaitReturnAtOnce) {
  Poller poller;
  poller.wake();
  std::array<Event, 4> events;
  ASSERT_EQ(poller.wait(events, std::nullopt), 1u);
  EXPECT_EQ(events[0].token, kWakeToken);
}

TEST(Waker, WakesCoalesceAndAReportedWakeIsConsumed) {
  Poller poller;
  poller.wake();
  poller.wake();
  poller.wake();
  std::array<Event, 4> events;
  ASSERT_EQ(poller.wait(events, kPatience), 1u) << "three wakes, one event";
  EXPECT_EQ(events[0].token, kWakeToken);
  EXPECT_EQ(poller.wait(events, 0ms), 0u) << "the reported wake was consumed";
}

TEST(Waker, ZeroTimeoutPollsAndReturnsNoEvents) {
  Poller poller;
  std::array<Event, 4> events;
  EXPECT_EQ(poller.wait(events, 0ms), 0u);
}

TEST(Waker, ABoundedWaitWithNothingToReportWaitsTheWholeTimeout) {
  // Only the lower bound is a claim (poller.hpp: a zero-event return means the timeout
  // passed); how much later it returns depends on the machine's load.
  Poller poller;
  std::array<Event, 4> events;
  rt::Stopwatch watch;
  EXPECT_EQ(poller.wait(events, 30ms), 0u);
  EXPECT_GE(watch.elapsed_ns(), 30'000'000);
}

TEST(Waker, AnInfiniteWaitIsWokenByAnotherThread) {
  Poller poller;
  std::atomic<bool> waiting{false};
  std::thread waker([&] {
    // acquire: pairs with the release below; the wake may still land before the wait
    // begins, which the contract covers (the wait then returns at once).
    while (!waiting.load(std::memory_order_acquire)) std::this_thread::yield();
    poller.wake();
  });
  waiting.store(true, std::memory_order_release);
  std::array<Event, 4> events;
  std::size_t n = poller.wait(events, std::nullopt);
  waker.join();
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(events[0].token, kWakeToken);
}

TEST(Waker, NeverLostOverManyRounds) {
  // Round r: the waiter announces r and blocks; the waker sees r, writes r as the payload
  // and wakes. Whether the wake lands before, during or after the blocking call, the wait
  // must return with the wake, and see the payload of this round (not a stale wake from
  // an earlier round: each was consumed).
  constexpr int kRounds = 2000;
  Poller poller;
  std::atomic<int> round{-1};
  // relaxed: the kernel queue orders this store before the waiter's load (poller.hpp); the
  // test checks exactly that ordering. (TSan cannot see through syscalls, hence atomic.)
  std::atomic<int> payload{-1};
  std::thread waker([&] {
    for (int r = 0; r < kRounds; ++r) {
      // acquire: pairs with the waiter's release of `round`.
      while (round.load(std::memory_order_acquire) < r) std::this_thread::yield();
      payload.store(r, std::memory_order_relaxed);
      poller.wake();
    }
  });
  std::array<Event, 4> events;
  int lost = 0;
  for (int r = 0; r < kRounds; ++r) {
    round.store(r, std::memory_order_release);
    std::size_t n = poller.wait(events, kPatience);
    if (n != 1 || events[0].token != kWakeToken) {
      ++lost;
      break;
    }
    ASSERT_EQ(payload.load(std::memory_order_relaxed), r) << "round " << r;
  }
  if (lost != 0) round.store(kRounds, std::memory_order_release);  // let the waker finish
  waker.join();
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(poller.wait(events, 0ms), 0u) << "no wake left over";
}
