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
}  // namespace

// A disarmed timer, registered with a poller as a socket would be.
class TimerInPoller : public ::testing::Test {
 protected:
  void SetUp() override { poller.add(timer.handle(), Interest::read, kTimerToken); }

  // Waits (at most rt::testing::kPatience) until the poller reports the timer; true if it
  // did, readable.
  bool reported() {
    std::size_t n = poller.wait(events, rt::testing::kPatience);
    return n == 1 && events[0].token == kTimerToken && events[0].readable;
  }
  // True if a wait of `timeout` reports nothing.
  bool quiet_for(std::chrono::milliseconds timeout) { return poller.wait(events, timeout) == 0; }

  Poller poller;
  QueueTimer timer;
  std::array<Event, 4> events;
};

TEST_F(TimerInPoller, ADisarmedTimerIsNeverReported) {
  EXPECT_TRUE(quiet_for(20ms));
  EXPECT_EQ(timer.take_expirations(), 0u);
}

TEST_F(TimerInPoller, AnArmedTimerIsReportedReadableOnceItExpires) {
  timer.arm(1ms);
  ASSERT_TRUE(reported());
  EXPECT_EQ(timer.take_expirations(), 1u) << "a one-shot timer expires once";
}

TEST_F(TimerInPoller, TakingTheExpirationsEndsItsReadiness) {
  timer.arm(1ms);
  ASSERT_TRUE(reported());
  ASSERT_TRUE(reported()) << "level-triggered: reported again until taken";
  EXPECT_EQ(timer.take_expirations(), 1u);
  EXPECT_TRUE(quiet_for(0ms));
  EXPECT_EQ(timer.take_expirations(), 0u);
}

TEST_F(TimerInPoller, APeriodicTimerCountsEveryExpirationEvenUntaken) {
  timer.arm(1ms, 1ms);
  std::uint64_t total = 0;
  while (total < 5) {
    ASSERT_TRUE(reported()) << "after " << total << " expirations";
    total += timer.take_expirations();
  }
  timer.disarm();
  EXPECT_GE(total, 5u);
}

TEST_F(TimerInPoller, DisarmingDropsWhatWasNotTaken) {
  timer.arm(1ms, 1ms);
  ASSERT_TRUE(reported());
  timer.disarm();
  EXPECT_EQ(timer.take_expirations(), 0u);
  EXPECT_TRUE(quiet_for(20ms)) << "a disarmed timer stays quiet";
}

TEST_F(TimerInPoller, ReArmingReplacesTheSetting) {
  timer.arm(std::chrono::hours(1));  // would never expire within the test
  timer.arm(1ms);
  EXPECT_TRUE(reported());
}

TEST(QueueTimer, ANonPositiveFirstExpirationIsRefused) {
  QueueTimer timer;
  EXPECT_THROW(timer.arm(0ms), std::invalid_argument);
  EXPECT_THROW(timer.arm(-1ms), std::invalid_argument);
  EXPECT_THROW(timer.arm(1ms, -1ms), std::invalid_argument);
}
