#include "rt/os/cost.hpp"

#include <gtest/gtest.h>

#include "rt/platform.hpp"

using rt::os::Handoff;

class PingPong : public ::testing::TestWithParam<Handoff> {
 protected:
  void SetUp() override {
    const char* why = nullptr;
    if (!rt::os::available(GetParam(), &why)) GTEST_SKIP() << why;
  }
};

TEST_P(PingPong, CompletesEveryRoundTrip) {
  // Lost wakeups would hang here (and the ctest timeout would fail the test).
  auto r = rt::os::ping_pong(GetParam(), 2000);
  EXPECT_EQ(r.round_trips, 2000u);
  EXPECT_GT(r.round_trip_ns, 0);
}

TEST_P(PingPong, OnOneCpuEveryRoundTripSwitchesContext) {
#if defined(RT_OS_MACOS) || defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "needs both hard CPU pinning and context-switch counts (Linux)";
#else
  // Both threads on CPU 0: the token can only move if the holder is switched out, so each
  // round trip costs at least one switch (in fact two: one per handoff).
  constexpr std::uint64_t kRoundTrips = 500;
  auto r = rt::os::ping_pong(GetParam(), kRoundTrips, 0);
  ASSERT_TRUE(r.switches.has_value());
  EXPECT_GE(r.switches->voluntary + r.switches->involuntary, kRoundTrips);
#endif
}

INSTANTIATE_TEST_SUITE_P(Handoffs, PingPong, ::testing::ValuesIn(rt::os::kAllHandoffs),
                         [](const auto& info) {
                           switch (info.param) {
                             case Handoff::condition_variable:
                               return "CondVar";
                             case Handoff::atomic_wait:
                               return "StdAtomicWait";
                             case Handoff::address_wait:
                               return "AddressWait";
                           }
                           return "Unknown";
                         });

TEST(SpawnJoin, GivesOneSamplePerThread) {
  auto r = rt::os::spawn_join(25, 64 << 10);
  ASSERT_EQ(r.samples_ns.size(), 25u);
  for (double ns : r.samples_ns) EXPECT_GT(ns, 0);
}

TEST(MemoryPerThread, HoldsEveryThreadAliveAndReportsItsStack) {
  auto r = rt::os::memory_per_thread(40, 256 << 10);
  EXPECT_EQ(r.threads, 40u);
  EXPECT_GE(r.stack_reserved, std::size_t{256} << 10);
}
