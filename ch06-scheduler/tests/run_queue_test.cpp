// The local run queue on its own: order, capacity, runnext, and stealing racing the owner.
#include "rt/sched/run_queue.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace {

using rt::sched::Fiber;
using rt::sched::LocalQueue;

// The queue never dereferences what it holds: numbers stand in for fibers.
Fiber* fake(std::uintptr_t n) {
  return reinterpret_cast<Fiber*>(n);
}
std::uintptr_t number(Fiber* f) {
  return reinterpret_cast<std::uintptr_t>(f);
}

TEST(LocalQueue, TheOwnerTakesInPushOrder) {
  LocalQueue queue;
  for (std::uintptr_t i = 1; i <= 10; ++i) ASSERT_TRUE(queue.push(fake(i)));
  for (std::uintptr_t i = 1; i <= 10; ++i) EXPECT_EQ(number(queue.take()), i);
  EXPECT_EQ(queue.take(), nullptr);
}

TEST(LocalQueue, AFullRingRefusesAndGivesHalfForTheGlobalQueue) {
  LocalQueue queue;
  for (std::uintptr_t i = 1; i <= LocalQueue::kCapacity; ++i) ASSERT_TRUE(queue.push(fake(i)));
  EXPECT_FALSE(queue.push(fake(999)));
  std::array<Fiber*, LocalQueue::kCapacity / 2> batch{};
  EXPECT_EQ(queue.take_half_for_global(batch), LocalQueue::kCapacity / 2);
  EXPECT_EQ(number(batch[0]), 1u);  // the oldest go
  EXPECT_TRUE(queue.push(fake(999)));
  EXPECT_EQ(queue.size(), LocalQueue::kCapacity / 2 + 1);
}

TEST(LocalQueue, AThiefTakesHalfRoundedUpOldestFirst) {
  LocalQueue queue;
  for (std::uintptr_t i = 1; i <= 5; ++i) queue.push(fake(i));
  std::array<Fiber*, LocalQueue::kCapacity / 2> batch{};
  ASSERT_EQ(queue.steal_half(batch), 3u);
  EXPECT_EQ(number(batch[0]), 1u);
  EXPECT_EQ(number(batch[2]), 3u);
  EXPECT_EQ(number(queue.take()), 4u);
}

TEST(LocalQueue, RunnextIsSeparateFromTheRingAndDisplacesTheOldOne) {
  LocalQueue queue;
  EXPECT_EQ(queue.set_runnext(fake(1)), nullptr);
  EXPECT_EQ(number(queue.set_runnext(fake(2))), 1u);
  std::array<Fiber*, LocalQueue::kCapacity / 2> batch{};
  EXPECT_EQ(queue.steal_half(batch), 0u);  // stealing the ring never takes runnext
  EXPECT_FALSE(queue.empty());
  EXPECT_EQ(number(queue.take_runnext()), 2u);
  EXPECT_TRUE(queue.empty());
}

// A thief that saw one fiber in runnext, then let the victim run, takes runnext only if that
// fiber is still there: not one the victim readied meanwhile.
TEST(LocalQueue, AThiefTakesRunnextOnlyIfItStillHoldsTheFiberItSaw) {
  LocalQueue queue;
  queue.set_runnext(fake(1));
  Fiber* const seen = queue.peek_runnext();
  EXPECT_EQ(number(seen), 1u);
  EXPECT_EQ(number(queue.set_runnext(fake(2))), 1u);  // the victim ran 1, then readied 2
  EXPECT_FALSE(queue.take_runnext_if(seen));
  EXPECT_EQ(number(queue.peek_runnext()), 2u) << "left to its owner";
  EXPECT_TRUE(queue.take_runnext_if(queue.peek_runnext()));
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.take_runnext_if(nullptr)) << "an empty runnext gives nothing";
}

// The owner pushes and takes while two thieves steal: every number is taken exactly once.
TEST(LocalQueue, OwnerAndThievesTakeEveryFiberExactlyOnce) {
  constexpr std::uintptr_t kCount = 200'000;
  LocalQueue queue;
  std::vector<std::atomic<int>> taken(kCount + 1);
  std::atomic<bool> done{false};
  auto record = [&](Fiber* f) { taken[number(f)].fetch_add(1, std::memory_order_relaxed); };
  auto thief = [&] {
    std::array<Fiber*, LocalQueue::kCapacity / 2> batch{};
    while (!done.load(std::memory_order_acquire)) {
      const std::uint32_t n = queue.steal_half(batch);
      for (std::uint32_t i = 0; i < n; ++i) record(batch[i]);
    }
  };
  std::thread a(thief);
  std::thread b(thief);
  for (std::uintptr_t i = 1; i <= kCount; ++i) {
    while (!queue.push(fake(i))) {
      if (Fiber* f = queue.take()) record(f);
    }
    if (i % 3 == 0) {
      if (Fiber* f = queue.take()) record(f);
    }
  }
  while (Fiber* f = queue.take()) record(f);
  done.store(true, std::memory_order_release);
  a.join();
  b.join();
  std::size_t wrong = 0;
  for (std::uintptr_t i = 1; i <= kCount; ++i) wrong += taken[i].load() != 1 ? 1 : 0;
  EXPECT_EQ(wrong, 0u);
}

}  // namespace
