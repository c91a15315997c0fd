// Every subcommand of ch06-scheduler, run in-process with small sizes: its output's shape.
#include <gtest/gtest.h>

#include <array>

#include "demos.hpp"
#include "echo_server.hpp"
#include "rt/testing.hpp"

namespace {

using rt::testing::contains_regex;
using rt::testing::run;

TEST(Demos, SpawnReportsTimeAndMemoryPerFiber) {
  auto result = run(ch06::program(), {"spawn", "--fibers", "2000", "--workers", "2"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(result.out, "2000 fibers alive at once on 2 workers")) << result.out;
  EXPECT_TRUE(contains_regex(result.out, "us per fiber")) << result.out;
  EXPECT_TRUE(contains_regex(result.out, "KiB per fiber")) << result.out;
}

// 200 fibers fit in the spawner's ring, so none spill to the global queue: the other worker can
// get them only by stealing. 200 x 200,000 iterations is about 40 ms of work to steal from.
TEST(Demos, StealShowsEveryWorkerRunningFibersItDidNotSpawn) {
  auto result = run(ch06::program(),
                    {"steal", "--fibers", "200", "--workers", "2", "--work", "200000", "--json"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(result.out, "\"stolen\": [1-9]")) << result.out;
}

TEST(Demos, StealWithoutStealingStillFinishes) {
  auto result = run(ch06::program(), {"steal", "--fibers", "500", "--workers", "2", "--no-steal"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(result.out, "stealing off")) << result.out;
}

TEST(Demos, SchedtracePrintsGoStyleLines) {
  auto result = run(ch06::program(), {"steal", "--fibers", "3000", "--workers", "2", "--work",
                                      "200000", "--schedtrace", "1"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(
      result.out,
      "SCHED [0-9]+ms: workers=2 idle=[0-2] spinning=[0-2] global=[0-9]+ alive=[0-9]+ "
      "wakes=[0-9]+ runqueues=\\[[0-9]+ [0-9]+\\]"))
      << result.out;
}

TEST(Demos, FibersSaysWhereEachParkedAndResumed) {
  auto result =
      run(ch06::program(), {"fibers", "--fibers", "4", "--workers", "2", "--work", "100"});
  ASSERT_EQ(result.status, 0) << result.err;
  for (const char* row : {"A +[01] +[01]\n", "B +[01] +[01]\n", "C +[01] +[01]\n",
                          "D +[01] +[01]\n", "[0-4] of 4 resumed on another worker"}) {
    EXPECT_TRUE(contains_regex(result.out, row)) << row << "\n" << result.out;
  }
}

// The rows' shape. A spinning hog reaches no check point: asked only, it is never preempted;
// off, nothing is. (Whether the first row's hog was interrupted before it ended is timing.)
TEST(Demos, PreemptComparesTheOthersWaitWithInterruptionsRequestsAndNeither) {
  auto result = run(ch06::program(), {"preempt", "--hog-ms", "20", "--others", "10"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(result.out,
                             "asks, interrupts +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +"
                             "[0-9]+\n"))
      << result.out;
  EXPECT_TRUE(contains_regex(result.out, "asks only +[0-9.]+ +[0-9.]+ +[0-9.]+ +0 +0\n"))
      << result.out;
  EXPECT_TRUE(contains_regex(result.out, "off +[0-9.]+ +[0-9.]+ +[0-9.]+ +0 +0\n")) << result.out;
}

// A hog on a channel reaches check points: asked only, it yields there (its run lasts 40 ms,
// four slices), and nothing interrupts it.
TEST(Demos, PreemptOfAChannelHogYieldsAtCheckPointsWhenOnlyAsked) {
  auto result =
      run(ch06::program(), {"preempt", "--hog", "channel", "--hog-ms", "40", "--others", "10"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(result.out, "asks only +[0-9.]+ +[0-9.]+ +[0-9.]+ +[1-9][0-9]* +0\n"))
      << result.out;
}

// The rows' shape; without the handoff there is none and one thread per worker. (Whether a
// handoff comes before the read returns is timing: tests/handoff_test.cpp makes one certain.)
TEST(Demos, HandoffComparesTheOthersWithTheHandoffAndWithout) {
  auto result = run(ch06::program(), {"handoff", "--others", "10", "--block-ms", "20"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(result.out,
                             "after 20 us +[0-9,]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +"
                             "[1-9][0-9]*\n"))
      << result.out;
  EXPECT_TRUE(contains_regex(result.out, "off +[0-9,]+ +[0-9.]+ +[0-9.]+ +0 +1\n")) << result.out;
  EXPECT_TRUE(contains_regex(result.out, "a region with nothing inside +[0-9]+ ns")) << result.out;
}

// The three forms' rows; a fiber locked 1:1 is the baseline its own "x 1:1" column says.
TEST(Demos, LockedComparesTheSyscallServersThreeForms) {
  auto result = run(ch06::program(), {"locked", "--clients", "2", "--requests", "200"});
  ASSERT_EQ(result.status, 0) << result.err;
  const std::string numbers = " +[0-9,]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+\n";
  EXPECT_TRUE(contains_regex(result.out, "unlocked \\(M:N\\)" + numbers)) << result.out;
  EXPECT_TRUE(contains_regex(result.out,
                             "locked 1:1 \\(lock_os_thread\\) +[0-9,]+ +1\\.0 +[0-9.]+ +[0-9.]+ "
                             "+[0-9.]+\n"))
      << result.out;
  EXPECT_TRUE(contains_regex(result.out, "N:1, clients on its thread \\(ThreadLocker\\)" + numbers))
      << result.out;
}

TEST(Demos, PingPongReportsRoundTrips) {
  for (const char* steal : {"never", "last-pass", "always"}) {
    auto result = run(ch06::program(), {"pingpong", "--round-trips", "2000", "--workers", "2",
                                        "--runnext-steal", steal});
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_TRUE(contains_regex(result.out, "M per second")) << result.out;
  }
  // On one worker every park but the fairness picks' switches straight to the partner; off,
  // none does.
  auto on = run(ch06::program(), {"pingpong", "--round-trips", "2000", "--workers", "1"});
  ASSERT_EQ(on.status, 0) << on.err;
  EXPECT_TRUE(contains_regex(on.out, "direct switch: on")) << on.out;
  EXPECT_TRUE(contains_regex(on.out, "direct switches +[1-9][0-9]{3} +parks")) << on.out;
  auto off = run(ch06::program(),
                 {"pingpong", "--round-trips", "2000", "--workers", "1", "--direct-switch", "off"});
  ASSERT_EQ(off.status, 0) << off.err;
  EXPECT_TRUE(contains_regex(off.out, "direct switches +0 +parks")) << off.out;
}

TEST(Demos, BlockingReportsACallsCostForOneCallerAndForMany) {
  auto result =
      run(ch06::program(), {"blocking", "--calls", "400", "--callers", "4", "--workers", "2"});
  ASSERT_EQ(result.status, 0) << result.err;
  // One caller needs one pool thread; four at once need at most four.
  EXPECT_TRUE(contains_regex(result.out, "\\n *1 +2 +[0-9,]+ +[0-9.]+ +1 +[0-9]+ *\\n"))
      << result.out;
  EXPECT_TRUE(contains_regex(result.out, "\\n *4 +2 +[0-9,]+ +[0-9.]+ +[1-4] +[0-9]+ *\\n"))
      << result.out;
}

TEST(Demos, KnobsMeasuresEverySwitch) {
  auto result = run(ch06::program(), {"knobs", "--round-trips", "500", "--fan-out", "200", "--work",
                                      "10", "--echo-seconds", "0.05", "--reps", "1"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(result.out, "echo k msgs/s")) << result.out;
  for (const char* row :
       {"\\(defaults\\)", "runnext-steal +never", "runnext-steal +always", "runnext-slice +0",
        "global-interval +7", "global-interval +off", "max-spinning +0", "max-spinning +all",
        "steal +off", "direct-switch +off"}) {
    EXPECT_TRUE(contains_regex(result.out, row)) << row << "\n" << result.out;
  }
}

// `serve`, `client` and `bench` are chapter 4's commands (its tests cover their flags); these
// check that the M:N server is what they serve, load and measure here.
TEST(Demos, ServeRunsTheEchoServerOnMnFibersAndStopsAfterSeconds) {
  auto result = run(ch06::program(), {"serve", "--workers", "2", "--port", "0", "--seconds", "0.05",
                                      "--grace", "0"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(result.out,
                             "listening on 127\\.0\\.0\\.1:[0-9]+ \\(model M:N fibers on 2 "
                             "workers\\)\n"))
      << result.out;
  EXPECT_TRUE(contains_regex(result.out, "stopped: 0 connections served")) << result.out;
}

TEST(Demos, ClientVerifiesEveryByteOfTheMnServersEcho) {
  ch04::EchoServer server(ch04::ServerOptions{}, ch06::mn_fibers_model(2));
  auto result =
      run(ch06::program(), {"client", "--port", std::to_string(server.port()), "--conns", "3",
                            "--size", "100", "--messages", "20", "--warmup", "0", "--json"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(result.out, "\"messages\": 60,")) << result.out;
  EXPECT_TRUE(contains_regex(result.out, "\"errors\": 0")) << result.out;
  server.stop();
  EXPECT_EQ(server.stats().counts().accepted, 3u);
}

// The rows, not their figures: 0.05 s may count no echo under an emulator (the cell says null).
TEST(Demos, BenchHasARowPerWorkerCountBesideChapter4sModel) {
  auto result = run(ch06::program(), {"bench", "--duration", "0.05", "--warmup", "0", "--conns",
                                      "2", "--workers", "1,2", "--json"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains_regex(result.out, "\"model\": \"(events|fibers)\"")) << result.out;
  for (const char* row : {"M:N fibers on 1 worker", "M:N fibers on 2 workers"}) {
    EXPECT_TRUE(contains_regex(result.out, std::string("\"model\": \"") + row +
                                               "\", \"connections\": 2, \"msgs/s\": ([0-9]|null)"))
        << row << "\n"
        << result.out;
  }
}

TEST(Demos, BadFlagsAreRefused) {
  const std::array<rt::testing::Refusal, 16> refusals{{
      {{"locked", "--clients", "0"}, "--clients"},
      {{"locked", "--workers", "0"}, "--workers"},
      {{"blocking", "--callers", "0"}, "--callers"},
      {{"handoff", "--block-ms", "0"}, "--block-ms"},
      {{"handoff", "--others", "0"}, "--others"},
      {{"fibers", "--fibers", "0"}, "--fibers"},
      {{"preempt", "--preempt-after", "0"}, "--preempt-after"},
      {{"preempt", "--workers", "0"}, "--workers"},
      {{"preempt", "--hog", "sleepy"}, "--hog"},
      {{"spawn", "--fibers", "0"}, "--fibers"},
      {{"pingpong", "--runnext-steal", "sometimes"}, "--runnext-steal"},
      {{"pingpong", "--direct-switch", "maybe"}, "--direct-switch"},
      {{"steal", "--workers", "-1"}, "--workers"},
      {{"serve", "--workers", "-1"}, "--workers"},
      {{"bench", "--workers", "0"}, "--workers"},
      {{"bench", "--models", "none", "--workers", "1,x"}, "--workers"},
  }};
  EXPECT_EQ(rt::testing::refusal_failures(ch06::program(), refusals), "");
}

}  // namespace
