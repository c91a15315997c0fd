// The demos, run in-process: their output has the shape the README shows.
#include <gtest/gtest.h>

#include "demos.hpp"
#include "rt/testing.hpp"

namespace {

TEST(Demo, BridgeShowsTheThreeEndingsOfTheArticlesProgram) {
  // Durations scaled to a fifth: 20 ms pauses, a 400 ms deadline, 160 ms per slow value.
  const auto result = rt::testing::run(ch05::program(), {"bridge", "--time-scale", "0.2"});
  ASSERT_EQ(result.status, 0) << result.err;
  const std::string& out = result.out;
  for (int value = 1; value <= 5; ++value) {
    EXPECT_NE(out.find("[Thread] Sending: " + std::to_string(value)), std::string::npos);
    EXPECT_NE(out.find("[Coro] Processed: " + std::to_string(value)), std::string::npos);
  }
  EXPECT_NE(out.find("[Coro] Receive failed: timed out"), std::string::npos) << out;
  EXPECT_NE(out.find("[Thread] Cancelling"), std::string::npos) << out;
  EXPECT_NE(out.find("[Coro] Receive failed: cancelled"), std::string::npos) << out;
}

TEST(Demo, ModesPrintsOneRowPerModeAndC2CPaysNoOsWakeup) {
  const auto result = rt::testing::run(ch05::program(), {"modes", "--messages", "2000", "--json"});
  ASSERT_EQ(result.status, 0) << result.err;
  for (const char* mode : {"\"T2T\"", "\"T2C\"", "\"C2T\"", "\"C2C\""}) {
    EXPECT_NE(result.out.find(mode), std::string::npos) << result.out;
  }
  // C2C's row: the run queue, never a system call.
  const auto c2c = result.out.find("\"C2C\"");
  ASSERT_NE(c2c, std::string::npos);
  EXPECT_NE(result.out.find("\"OS wakeups\": 0", c2c), std::string::npos) << result.out;
}

TEST(Demo, BurstShowsBatchingPaysAtMostOneWakeupPerBurst) {
  const auto result = rt::testing::run(
      ch05::program(), {"burst", "--bursts", "100", "--messages", "1000", "--json"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("\"batched\""), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\"naive\""), std::string::npos) << result.out;
}

TEST(Demo, BadFlagsAreRefusedWithExitStatus2) {
  EXPECT_EQ(rt::testing::run(ch05::program(), {"bridge", "--time-scale", "nan"}).status, 2);
  EXPECT_EQ(rt::testing::run(ch05::program(), {"modes", "--messages", "0"}).status, 2);
  EXPECT_EQ(rt::testing::run(ch05::program(), {"burst", "--bursts", "0"}).status, 2);
}

}  // namespace

namespace {

TEST(Demo, BenchPrintsEveryRowAndSaysPinnedOrUnpinned) {
  const auto result =
      rt::testing::run(ch05::program(), {"bench", "--messages", "20000", "--reps", "1", "--json"});
  ASSERT_EQ(result.status, 0) << result.err;
  for (const char* row :
       {"C2C ping-pong", "C2C stream", "T2C stream, capacity 1024, batched", "naive notifier",
        "virtual notifier", "mutex + condition variable", "round trip", "no spin before parking"}) {
    EXPECT_NE(result.out.find(row), std::string::npos) << row << "\n" << result.out;
  }
  EXPECT_NE(result.out.find("unpinned"), std::string::npos);
}

TEST(Demo, StressReportsExactlyOnce) {
  const auto result = rt::testing::run(ch05::program(), {"stress", "--messages", "40000"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("exactly once"), std::string::npos) << result.out;
}

}  // namespace

namespace {

TEST(Demo, PipelineMovesEveryCommandThroughThreeHopsOfThreeModes) {
  const auto result = rt::testing::run(
      ch05::program(), {"pipeline", "--commands", "5000", "--workers", "3", "--work", "10"});
  ASSERT_EQ(result.status, 0) << result.err;
  for (const char* hop : {"T2C", "C2C", "C2T", "every command was processed and logged once"}) {
    EXPECT_NE(result.out.find(hop), std::string::npos) << hop << "\n" << result.out;
  }
}

TEST(Demo, SyscallServerComparesTheOwnerThreadWithTheOwnersLoop) {
  const auto result = rt::testing::run(
      ch05::program(), {"syscall-server", "--fibers", "2", "--requests", "500", "--json"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("C2T + T2C"), std::string::npos) << result.out;
  // On the owner's loop nothing crosses a thread: no OS wakeup at all.
  const auto local = result.out.find("C2C + C2C");
  ASSERT_NE(local, std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\"OS wakeups\": 0", local), std::string::npos) << result.out;
}

}  // namespace

namespace {

TEST(Demo, SelectReceivesDataAndCommandsFromTwoModesAndStopsOnStop) {
  const auto result = rt::testing::run(ch05::program(), {"select", "--time-scale", "0.2"});
  ASSERT_EQ(result.status, 0) << result.err;
  for (int value = 1; value <= 5; ++value) {
    EXPECT_NE(result.out.find("[Coro] Data: " + std::to_string(value)), std::string::npos)
        << result.out;
  }
  EXPECT_NE(result.out.find("[Coro] Command: pause"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("[Coro] Command: stop"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("5 data values, 2 commands"), std::string::npos) << result.out;
}

}  // namespace
