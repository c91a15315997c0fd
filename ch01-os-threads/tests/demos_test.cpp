// Each demo of `ch01-os-threads`, run in-process with small arguments, and its output
// checked for the statements it makes (its words, not its figures, which vary by machine).
// No test reads the README: tools/readme_commands.py runs the commands it shows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "demos.hpp"
#include "rt/os/address_wait.hpp"
#include "rt/testing.hpp"

using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {
rt::testing::RunResult run(const std::vector<std::string>& args) {
  return rt::testing::run(ch01::program(), args);
}
}  // namespace

TEST(Demo, TasksAllFinishAndReportTheirOrder) {
  auto r = run({"tasks", "--scale", "0.1"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* name : {"A", "B", "C"}) {
    EXPECT_THAT(r.out, HasSubstr(fmt::format("task {} starts", name)));
    EXPECT_THAT(r.out,
                HasSubstr(fmt::format("task {} finished on thread \"task-{}\"", name, name)));
  }
  // The order depends on timing, so only its form is a claim: each task once.
  EXPECT_TRUE(rt::testing::contains_regex(r.out, "completion order: [ABC] [ABC] [ABC]\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("one after another it would take 35 ms"));
}

TEST(Demo, SpawnReportsTimeAndMemoryPerThread) {
  auto r = run({"spawn", "--count", "20", "--stack-kib", "64"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("spawn and join 20 threads with 64 KiB stacks"));
  EXPECT_THAT(r.out, HasSubstr("per thread: median "));
  EXPECT_THAT(r.out, HasSubstr("stack reserved per thread: "));
}

TEST(Demo, SwitchMeasuresBothHandoffs) {
  auto r = run({"switch", "--round-trips", "200"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("mutex + condition_variable"));
  EXPECT_THAT(r.out, HasSubstr("std::atomic wait/notify"));
  EXPECT_THAT(r.out, HasSubstr(rt::os::address_wait_mechanism()));
  EXPECT_THAT(r.out, HasSubstr("round trip"));
}

TEST(Demo, LimitsStopsAtMaxAndJoinsEveryThread) {
  auto r = run({"limits", "--max", "50", "--stack-kib", "64"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("50 threads alive at once"));
  EXPECT_THAT(r.out, HasSubstr("stopped: reached --max 50"));
  EXPECT_THAT(r.out, HasSubstr("all 50 threads released and joined"));
  EXPECT_THAT(r.out, HasSubstr("limits on the number of threads"));
}

TEST(Demo, BenchPrintsTheTable) {
  auto r = run({"bench", "--spawn-count", "10", "--alive-count", "10", "--round-trips", "100"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("chapter 1: what an OS thread costs"));
  EXPECT_THAT(r.out, HasSubstr("spawn + join, median"));
  EXPECT_THAT(r.out, HasSubstr("task through a pool of 1, median"));
  EXPECT_THAT(r.out, HasSubstr("stack reserved per thread"));
  EXPECT_THAT(r.out, HasSubstr("round trip, std::atomic wait/notify"));
  EXPECT_THAT(r.out, HasSubstr(fmt::format("round trip, {}", rt::os::address_wait_mechanism())));
}

TEST(Demo, BenchJsonIsOneObjectWithRows) {
  auto r = run(
      {"bench", "--spawn-count", "10", "--alive-count", "10", "--round-trips", "100", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("{\"title\": \"chapter 1: what an OS thread costs"));
  EXPECT_TRUE(rt::testing::contains_regex(
      r.out, R"("measurement": "spawn \+ join, median", "value": [0-9.]+, "unit": "us")"))
      << r.out;
}

TEST(Demo, TourPrintsTheHeadlineFigure) {
  auto r = run({"tour"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("chapter 1, OS threads: spawn+join "));
  EXPECT_THAT(r.out, HasSubstr("round trip"));
}

TEST(Demo, HelpListsEverySubcommand) {
  const char* const commands[] = {"tasks", "spawn", "switch", "limits", "bench", "tour"};
  EXPECT_EQ(rt::testing::help_failures(ch01::program(), commands), "");
}

TEST(Demo, BadFlagsAreRefusedWithAMessage) {
  const rt::testing::Refusal cases[] = {
      {{"spawn", "--count", "0"}, "--count"},
      {{"spawn", "--count", "many"}, "--count"},
      {{"spawn", "--stack-kib", "-5"}, "--stack-kib"},
      {{"switch", "--cpu", "100000"}, "--cpu"},
      {{"limits", "--max", "0"}, "--max"},
      {{"tasks", "--speed", "2"}, "--speed"},
      {{"frobnicate"}, "frobnicate"},
  };
  EXPECT_EQ(rt::testing::refusal_failures(ch01::program(), cases), "");
}
