// Each demo of `ch03-fibers`, run in-process with small arguments, and its output
// checked: the README shows this output, so these tests keep it true.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "demos.hpp"
#include "rt/testing.hpp"

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {
rt::testing::RunResult run(const std::vector<std::string>& args) {
  return rt::testing::run(ch03::program(), args);
}
}  // namespace

TEST(Demo, OrderShowsRoundRobinAndUnparkOrder) {
  auto r = run({"order", "--steps", "2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  fiber A step 1\n  fiber B step 1\n  fiber C step 1\n"
                               "  fiber A step 2\n"));
  // Each fiber runs three times (two yields, then its end), two switches per run.
  EXPECT_THAT(r.out, HasSubstr("order: ABCABC   (18 context switches, one thread)"));
  EXPECT_THAT(r.out, HasSubstr("park: A, B and C parked (3 alive); unparking C, B, A"));
  EXPECT_THAT(r.out, HasSubstr("resume order: CBA\n"));
}

TEST(Demo, SwitchComparesContextsFibersAndThreads) {
  auto r = run({"switch", "--round-trips", "2000"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("two bare contexts (switch_context)"));
  EXPECT_THAT(r.out, HasSubstr("two fibers (this_fiber::yield)"));
  EXPECT_THAT(r.out, HasSubstr("two OS threads (atomic wait/notify)"));
  EXPECT_THAT(r.out, ContainsRegex("a fiber round trip is [0-9]+x cheaper"));
}

TEST(Demo, ManyReportsMemoryPerFiberAndFinishesThemAll) {
  auto r = run({"many", "--count", "200", "--stack-kib", "16"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("200 fibers with 16 KiB stacks, all alive at once"));
  EXPECT_THAT(r.out, HasSubstr("stack reserved per fiber: "));
  EXPECT_THAT(r.out, HasSubstr("resident per parked fiber: "));
  EXPECT_THAT(r.out, HasSubstr("all 200 fibers unparked and finished"));
}

TEST(DemoDeathTest, OverflowIsReportedWithTheFibersName) {
  EXPECT_DEATH(run({"overflow", "--stack-kib", "32"}),
               "fiber \"deep-recursion\" overflowed its stack \\(32 KiB\\)");
}

TEST(Demo, BenchPrintsTheTable) {
  auto r = run({"bench", "--round-trips", "2000", "--count", "50"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("chapter 3: what a fiber costs"));
  EXPECT_THAT(r.out, HasSubstr("round trip, fibers (yield)"));
  EXPECT_THAT(r.out, HasSubstr("round trip, OS threads"));
  EXPECT_THAT(r.out, HasSubstr("spawn + run + free, median"));
  EXPECT_THAT(r.out, HasSubstr("stack reserved per fiber"));
}

TEST(Demo, BenchJsonIsOneObjectWithRows) {
  auto r = run({"bench", "--round-trips", "2000", "--count", "50", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("{\"title\": \"chapter 3: what a fiber costs"));
  EXPECT_THAT(r.out, ContainsRegex("\"measurement\": \"round trip, fibers \\(yield\\)\", "
                                   "\"value\": [0-9.]+, \"unit\": \"ns\""));
}

TEST(Demo, TourPrintsTheHeadlineFigure) {
  auto r = run({"tour"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("chapter 3, fibers: a fiber round trip "));
  EXPECT_THAT(r.out, HasSubstr("resident per parked fiber"));
}

TEST(Demo, HelpListsEverySubcommand) {
  auto r = run({"--help"});
  ASSERT_EQ(r.status, 0);
  for (const char* command : {"order", "switch", "many", "overflow", "bench", "tour"}) {
    EXPECT_THAT(r.out, HasSubstr(command));
  }
}

TEST(Demo, BadFlagsAreRefusedWithAMessage) {
  struct Case {
    std::vector<std::string> args;
    const char* mentions;
  };
  const Case cases[] = {
      {{"order", "--steps", "0"}, "--steps"},
      {{"switch", "--round-trips", "lots"}, "--round-trips"},
      {{"many", "--count", "0"}, "--count"},
      {{"many", "--stack-kib", "1"}, "--stack-kib"},
      {{"overflow", "--stack-kib", "-3"}, "--stack-kib"},
      {{"bench", "--speed", "2"}, "--speed"},
      {{"juggle"}, "juggle"},
  };
  for (const auto& c : cases) {
    auto r = run(c.args);
    EXPECT_NE(r.status, 0) << c.args[0];
    EXPECT_THAT(r.err, HasSubstr(c.mentions)) << c.args[0];
    EXPECT_EQ(r.out, "") << "a refused command must not run: " << c.args[0];
  }
}
