// rt::poll::QueueTimer (Linux): a timer the Poller reports like a socket. No test asserts a
// duration: each waits, with a bound that fails it instead of hanging, for what must happen.
#include "rt/poll/queue_timer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>

#include "rt/poll/poller.hpp"
#include "rt/testing.hpp"

using namespace std::chrono_literals;
using rt::poll::Event;
using rt::poll::Interest;
using rt::poll::Poller;
using rt::poll::QueueTimer;

namespace {
constexpr std::uint64_t kTimerToken = 7;

// Waits (at most rt::testing::kPatience) until the poller reports the timer; true if it did.
bool timer_reported(Poller& poller) {
  std::array<Event, 4> events;
  std::size_t n = poller.wait(events, rt::testing::kPatience);
  return n == 1 && events[0].token == kTimerToken && events[0].readable;
}
}  // namespace

TEST(QueueTimer, ADisarmedTimerIsNeverReported) {
  Poller poller;
  QueueTimer timer;
  poller.add(timer.handle(), Interest::read, kTimerToken);
  std::array<Event, 4> events;
  EXPECT_EQ(poller.wait(events, 20ms), 0u);
  EXPECT_EQ(timer.take_expirations(), 0u);
}

TEST(QueueTimer, AnArmedTimerIsReportedReadableOnceItExpires) {
  Poller poller;
  QueueTimer timer;
  poller.add(timer.handle(), Interest::read, kTimerToken);
  timer.arm(1ms);
  ASSERT_TRUE(timer_reported(poller));
  EXPECT_EQ(timer.take_expirations(), 1u) << "a one-shot timer expires once";
}

TEST(QueueTimer, TakingTheExpirationsEndsItsReadiness) {
  Poller poller;
  QueueTimer timer;
  poller.add(timer.handle(), Interest::read, kTimerToken);
  timer.arm(1ms);
  ASSERT_TRUE(timer_reported(poller));
  ASSERT_TRUE(timer_reported(poller)) << "level-triggered: reported again until taken";
  EXPECT_EQ(timer.take_expirations(), 1u);
  std::array<Event, 4> events;
  EXPECT_EQ(poller.wait(events, 0ms), 0u);
  EXPECT_EQ(timer.take_expirations(), 0u);
}

TEST(QueueTimer, APeriodicTimerCountsEveryExpirationEvenUntaken) {
  Poller poller;
  QueueTimer timer;
  poller.add(timer.handle(), Interest::read, kTimerToken);
  timer.arm(1ms, 1ms);
  std::uint64_t total = 0;
  while (total < 5) {
    ASSERT_TRUE(timer_reported(poller)) << "after " << total << " expirations";
    total += timer.take_expirations();
  }
  timer.disarm();
  EXPECT_GE(total, 5u);
}

TEST(QueueTimer, DisarmingDropsWhatWasNotTaken) {
  Poller poller;
  QueueTimer timer;
  poller.add(timer.handle(), Interest::read, kTimerToken);
  timer.arm(1ms, 1ms);
  ASSERT_TRUE(timer_reported(poller));
  timer.disarm();
  EXPECT_EQ(timer.take_expirations(), 0u);
  std::array<Event, 4> events;
  EXPECT_EQ(poller.wait(events, 20ms), 0u) << "a disarmed timer stays quiet";
}

TEST(QueueTimer, ReArmingReplacesTheSetting) {
  Poller poller;
  QueueTimer timer;
  poller.add(timer.handle(), Interest::read, kTimerToken);
  timer.arm(std::chrono::hours(1));  // would never expire within the test
  timer.arm(1ms);
  EXPECT_TRUE(timer_reported(poller));
}

TEST(QueueTimer, ANonPositiveFirstExpirationIsRefused) {
  QueueTimer timer;
  EXPECT_THROW(timer.arm(0ms), std::invalid_argument);
  EXPECT_THROW(timer.arm(-1ms), std::invalid_argument);
  EXPECT_THROW(timer.arm(1ms, -1ms), std::invalid_argument);
}
