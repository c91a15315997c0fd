// Exactly once over a million sends: threads and fibers on two loops, all four modes at once,
// deadlines, a stop request and close racing (stress.hpp).
#include "stress.hpp"

#include <gtest/gtest.h>

namespace {

TEST(Stress, AMillionSendsAcrossFourModesAtOnceArriveExactlyOnce) {
  const ch05::StressReport report = ch05::stress_channels({.messages = 1'000'000});
  ASSERT_EQ(report.channels.size(), 4u);
  for (const auto& c : report.channels) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.duplicates, 0u);
    EXPECT_EQ(c.missing, 0u);
    EXPECT_EQ(c.strays, 0u);
    EXPECT_EQ(c.sent_ok, c.received);
    EXPECT_GT(c.sent_ok, 0u);
  }
  EXPECT_TRUE(report.exactly_once());
}

}  // namespace
