// timer.hpp and timer_queue.hpp: timers fire in deadline order, never early, and the loop
// sleeps until the next one instead of spinning.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "rt/net/errors.hpp"
#include "rt/net/loop.hpp"
#include "rt/net/timer.hpp"
#include "timer_queue.hpp"

using namespace std::chrono_literals;
using rt::net::Clock;
using rt::net::Loop;

TEST(Timer, ThreeFibersSleeping30_10_20msWakeInTheOrderBCA) {
  Loop loop;
  std::string order;
  for (auto [name, ms] : {std::pair{'A', 30}, std::pair{'B', 10}, std::pair{'C', 20}}) {
    loop.spawn({.name = std::string(1, name)}, [&order, name = name, ms = ms] {
      rt::net::sleep_for(std::chrono::milliseconds(ms));
      order += name;
    });
  }
  loop.run();
  EXPECT_EQ(order, "BCA");
  EXPECT_EQ(loop.stats().timers_fired, 3u);
}

// Judged on a round in which all four sleeps set a timer: a sleep whose deadline has passed
// when it is called sets none (it yields, timer.cpp), and on a loaded machine (TSan, 2 CPUs,
// CI run 20: "YZWX") starting the loop can outrun a 20 ms head start. So the head start
// doubles until every sleep went through the heap.
TEST(Timer, EqualDeadlinesFireInTheOrderTheyWereSet) {
  for (auto head_start = 20ms;; head_start *= 2) {
    ASSERT_LT(head_start, 10s) << "four sleeps could not be set within " << head_start.count()
                               << " ms";
    Loop loop;
    const Clock::time_point at = Clock::now() + head_start;
    std::string order;
    for (char name : std::string("XYZW")) {
      loop.spawn({.name = std::string(1, name)}, [&order, name, at] {
        rt::net::sleep_until(at);
        order += name;
      });
    }
    loop.run();
    if (loop.stats().timers_fired != 4) continue;
    EXPECT_EQ(order, "XYZW");
    return;
  }
}

TEST(Timer, ASleepNeverEndsBeforeItsDeadlineByTheClock) {
  Loop loop;
  for (auto d : {1ms, 2ms, 5ms, 15ms, 33ms}) {
    loop.spawn({.name = "sleeper"}, [d] {
      const Clock::time_point deadline = Clock::now() + d;
      rt::net::sleep_for(d);
      EXPECT_GE(Clock::now(), deadline) << "a " << d.count() << " ms sleep ended early";
    });
  }
  loop.run();
}

TEST(Timer, TheLoopSleepsUntilTheNextTimerInsteadOfSpinning) {
  Loop loop;
  loop.spawn({.name = "sleeper"}, [] { rt::net::sleep_for(50ms); });
  loop.run();
  // One blocking wait of ~50 ms; a second one at most if the OS timer ended the first a
  // hair early. A loop that spins would count thousands.
  EXPECT_GE(loop.stats().waits, 1u);
  EXPECT_LE(loop.stats().waits + loop.stats().polls, 2u);
}

TEST(Timer, SleepForZeroYieldsWithoutATimer) {
  Loop loop;
  std::string order;
  loop.spawn({.name = "A"}, [&] {
    order += "a1 ";
    rt::net::sleep_for(0ms);
    order += "a2";
  });
  loop.spawn({.name = "B"}, [&] { order += "b "; });
  loop.run();
  EXPECT_EQ(order, "a1 b a2");
  EXPECT_EQ(loop.stats().timers_fired, 0u);
  EXPECT_EQ(loop.stats().waits, 0u) << "nothing to wait for: the fibers just took turns";
}

TEST(Timer, CancelAllEndsASleepWithCancelled) {
  Loop loop;
  bool cancelled = false;
  loop.spawn({.name = "sleeper"}, [&] {
    try {
      rt::net::sleep_for(1h);
    } catch (const rt::net::Cancelled& e) {
      cancelled = true;
      EXPECT_NE(std::string(e.what()).find("sleep: cancelled"), std::string::npos) << e.what();
    }
  });
  loop.spawn({.name = "stopper"}, [&] { Loop::current().cancel_all(); });
  loop.run();
  EXPECT_TRUE(cancelled);
  EXPECT_TRUE(loop.cancelled());
}

TEST(TimerQueue, PopsInDeadlineThenSequenceOrderAfterRandomRemovals) {
  rt::net::TimerQueue queue;
  std::mt19937 random(42);
  const Clock::time_point base{};
  std::vector<rt::net::Timer> timers(500);
  for (auto& timer : timers) {
    timer.deadline = base + std::chrono::milliseconds(random() % 50);  // many equal deadlines
    queue.push(timer);
  }
  for (std::size_t i = 0; i < timers.size(); i += 3) queue.remove(timers[i]);
  for (std::size_t i = 0; i < timers.size(); i += 3) {
    EXPECT_FALSE(timers[i].queued());
    queue.remove(timers[i]);  // a second removal is a no-op
  }
  std::size_t popped = 0;
  const rt::net::Timer* previous = nullptr;
  while (!queue.empty()) {
    rt::net::Timer& timer = queue.pop();
    EXPECT_FALSE(timer.queued());
    if (previous != nullptr) {
      ASSERT_TRUE(previous->deadline < timer.deadline ||
                  (previous->deadline == timer.deadline && previous->sequence < timer.sequence))
          << "popped out of order at " << popped;
    }
    previous = &timer;
    ++popped;
  }
  EXPECT_EQ(popped, timers.size() - (timers.size() + 2) / 3);
}
