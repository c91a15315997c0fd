// Each demo of `ch03-fibers`, run in-process with small arguments, and its output
// checked for the statements it makes (its words, not its figures, which vary by machine).
// No test reads the README: tools/readme_commands.py runs the commands it shows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "demos.hpp"
#include "rt/fiber/context.hpp"
#include "rt/fiber/frame_layout.hpp"
#include "rt/testing.hpp"
#include "stack_swap.hpp"

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace {
rt::testing::RunResult run(const std::vector<std::string>& args) {
  return rt::testing::run(ch03::program(), args);
}

// The number printed right after `text` (spaces skipped), or -1 if `text` is missing or no
// number follows it.
double number_after(const std::string& out, const std::string& text) {
  auto at = out.find(text);
  if (at == std::string::npos) return -1;
  std::istringstream rest(out.substr(at + text.size()));
  double value = -1;
  return rest >> value ? value : -1;
}
}  // namespace

TEST(Demo, StackSwapRunsAFunctionOnTheBufferAndComesBack) {
  auto r = run({"stack-swap"});
  ASSERT_EQ(r.status, 0) << r.err;
  if (ch03::stack_swap_unavailable() != nullptr) {
    EXPECT_THAT(r.out, HasSubstr("stack-swap is not available in this build"));
    GTEST_SKIP() << ch03::stack_swap_unavailable();
  }
  EXPECT_THAT(r.out, HasSubstr("inside the buffer: yes ("));
  EXPECT_THAT(r.out, HasSubstr(" bytes below its top)"));
  EXPECT_THAT(r.out, HasSubstr("it computed 0^2 + ... + 15^2 = 1240 there"));
  EXPECT_THAT(r.out, HasSubstr("back on the thread's stack, frame where it was: yes"));
}

TEST(Demo, ShowStackLabelsEverySlotOfTheFirstFrame) {
  auto r = run({"show-stack"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("16-byte aligned: yes"));
  auto layout = rt::fiber::saved_frame_layout();
  for (std::size_t i = 0; i < layout.count; ++i) {
    EXPECT_THAT(r.out, HasSubstr(fmt::format("  sp+{:#05x}  ", layout.slots[i].offset)));
    EXPECT_THAT(r.out, HasSubstr(layout.slots[i].name));
  }
  EXPECT_THAT(r.out, HasSubstr("(rt_context_trampoline)"));
  EXPECT_THAT(r.out, HasSubstr("start record: the function make_context was given"));
  EXPECT_THAT(r.out, HasSubstr("start record: the argument make_context was given"));
  EXPECT_THAT(r.out, HasSubstr("sp+0x000  "));
}

TEST(Demo, FibersInterleaveResumeAsUnparkedAndRethrowAtJoin) {
  auto r = run({"fibers", "--steps", "2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  fiber A step 1\n  fiber B step 1\n  fiber C step 1\n"
                               "  fiber A step 2\n  fiber B step 2\n  fiber C step 2\n"));
  // Six yields, each a handoff to the next fiber (one switch each); run() into A and back
  // when A ends, then into B and C to end them (two each).
  EXPECT_THAT(r.out, HasSubstr("order: ABCABC   (12 context switches, one thread)"));
  EXPECT_THAT(r.out, HasSubstr("park: A, B and C parked (3 alive); unparking C, B, A"));
  EXPECT_THAT(r.out, HasSubstr("resume order: CBA\n"));
  EXPECT_THAT(r.out, HasSubstr("join: fiber D threw \"D gave up\" on its own stack; join "
                               "rethrew it here\n"));
}

TEST(Demo, SwitchComparesContextsFibersAndThreads) {
  auto r = run({"switch", "--round-trips", "2000"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("two bare contexts (switch_context)"));
  EXPECT_THAT(r.out, HasSubstr("two fibers (this_fiber::yield)"));
  EXPECT_THAT(r.out, HasSubstr("two OS threads (futex / WaitOnAddress)"));
  EXPECT_GT(number_after(r.out, "a fiber round trip is "), 0);
}

TEST(Demo, ManyReportsMemoryPerFiberAndFinishesThemAll) {
  auto r = run({"many", "--count", "200", "--stack-kib", "16"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("200 fibers with 16 KiB stacks, all alive at once"));
  EXPECT_THAT(r.out, HasSubstr("stack reserved per fiber: "));
  EXPECT_THAT(r.out, HasSubstr("resident per parked fiber: "));
  EXPECT_THAT(r.out, HasSubstr("all 200 fibers unparked and finished"));
}

TEST(Demo, ManyAcceptsTheSmallestStackMakeContextAccepts) {
  const auto kib = rt::fiber::kMinimumStackSize / 1024;
  auto r = run({"many", "--count", "10", "--stack-kib", std::to_string(kib)});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(fmt::format("10 fibers with {} KiB stacks", kib)));
  EXPECT_THAT(r.out, HasSubstr("all 10 fibers unparked and finished"));
}

TEST(Demo, ManyWithoutGuardPagesReservesNoGuard) {
  auto r = run({"many", "--count", "100", "--stack-kib", "16", "--no-guard"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("100 fibers with 16 KiB stacks (no guard pages), all alive"));
  EXPECT_THAT(r.out, HasSubstr("stack reserved per fiber: 16.0 KiB"));
  EXPECT_THAT(r.out, HasSubstr("all 100 fibers unparked and finished"));
}

TEST(DemoDeathTest, OverflowIsReportedWithTheFibersName) {
  EXPECT_DEATH(run({"overflow", "--stack-kib", "32"}),
               "fiber \"deep-recursion\" overflowed its stack \\(32 KiB\\)");
}

TEST(Demo, BenchPrintsMediansRangesAndComparisons) {
  // 20 repetitions share each count: 100 round trips, 10 fibers and 1 thread per repetition.
  auto r = run({"bench", "--round-trips", "2000", "--spawn-count", "200", "--thread-count", "20",
                "--count", "50"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("chapter 3: what a fiber costs"));
  EXPECT_TRUE(rt::testing::contains_regex(r.out, "\nmeasurement +median +min +max +unit +how\n"))
      << r.out;
  // gtest's regular expressions differ per platform (no [0-9] on Windows, no \d with
  // POSIX): the numbers are parsed instead.
  EXPECT_GT(number_after(r.out, "\nround trip: switch_context (ours)"), 0);
  EXPECT_THAT(r.out, HasSubstr(fmt::format("median of {} runs of 100 round trips, 2 switches each",
                                           ch03::kBenchRepetitions)));
  EXPECT_GT(number_after(r.out, "\n  ... + exception state, as the switch would"), 0);
  EXPECT_THAT(r.out, HasSubstr("round trip: ucontext swapcontext"));
  EXPECT_THAT(r.out, HasSubstr("round trip: Boost fcontext"));
  EXPECT_GT(number_after(r.out, "\nround trip: OS threads"), 0);
  EXPECT_GT(number_after(r.out, "\n  OS threads / ours"), 0);
  EXPECT_THAT(r.out, HasSubstr("fiber switch: "));
  EXPECT_THAT(r.out, HasSubstr("x faster than a thread handoff"));
  EXPECT_GT(number_after(r.out, "\nspawn + run + join: a fiber"), 0);
  EXPECT_THAT(r.out, HasSubstr("runs of 10 one at a time, 64 KiB pooled stacks"));
  EXPECT_GT(number_after(r.out, "\nspawn + run + join: an OS thread"), 0);
  EXPECT_THAT(r.out, HasSubstr("runs of 1 one at a time (chapter 1)"));
  // The thread total is scaled from fewer threads, and the table says so.
  EXPECT_THAT(r.out, HasSubstr("threads: 20 spawned, scaled to 200"));
  EXPECT_GT(number_after(r.out, "\n  threads / fibers"), 0);
  EXPECT_THAT(r.out, HasSubstr("spawn: "));
  EXPECT_THAT(r.out, HasSubstr("x faster than threads"));
  EXPECT_THAT(r.out, HasSubstr("stack reserved per fiber"));
  // Comparisons, not verdicts: a reader on another CPU must not see a pass or a fail.
  EXPECT_THAT(r.out, Not(HasSubstr("target")));
  EXPECT_THAT(r.out, Not(HasSubstr(": met")));
  EXPECT_THAT(r.out, Not(HasSubstr("NOT met")));
}

TEST(Demo, BenchMedianLiesWithinTheRangeOfItsRepetitions) {
  auto r = run({"bench", "--round-trips", "2000", "--spawn-count", "100", "--thread-count", "20",
                "--count", "50"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* row : {"\nround trip: switch_context (ours)", "\nround trip: OS threads",
                          "\nspawn + run + join: a fiber"}) {
    auto at = r.out.find(row);
    ASSERT_NE(at, std::string::npos) << row;
    std::istringstream cells(r.out.substr(at + std::string(row).size()));
    double median = -1, min = -1, max = -1;
    ASSERT_TRUE(cells >> median >> min >> max) << row;
    EXPECT_LE(min, median) << row;
    EXPECT_LE(median, max) << row;
  }
}

TEST(Demo, BenchJsonGivesMedianAndRangeAsNumbers) {
  auto r = run({"bench", "--round-trips", "2000", "--spawn-count", "100", "--thread-count", "10",
                "--count", "50", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("{\"title\": \"chapter 3: what a fiber costs"));
  const std::string row = "\"measurement\": \"round trip: switch_context (ours)\", ";
  EXPECT_GT(number_after(r.out, row + "\"median\": "), 0) << "a number, not a quoted string";
  // The first row's range: numbers as well.
  EXPECT_GT(number_after(r.out, "\"min\": "), 0);
  EXPECT_GT(number_after(r.out, "\"max\": "), 0);
}

TEST(Demo, TourPrintsTheHeadlineFigure) {
  auto r = run({"tour"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("chapter 3, fibers: a fiber round trip "));
  EXPECT_THAT(r.out, HasSubstr("resident per parked fiber"));
}

TEST(Demo, HelpListsEverySubcommand) {
  const char* const commands[] = {"stack-swap", "show-stack", "fibers", "switch",
                                  "many",       "overflow",   "bench",  "tour"};
  EXPECT_EQ(rt::testing::help_failures(ch03::program(), commands), "");
}

TEST(Demo, BadFlagsAreRefusedWithAMessage) {
  const rt::testing::Refusal cases[] = {
      {{"fibers", "--steps", "0"}, "--steps"},
      {{"show-stack", "--bytes", "8"}, "--bytes"},
      {{"switch", "--round-trips", "lots"}, "--round-trips"},
      {{"many", "--count", "0"}, "--count"},
      {{"many", "--stack-kib", "1"}, "--stack-kib"},
      // Below make_context's minimum (rt::fiber::kMinimumStackSize, 16 KiB): refused by the
      // command line, not aborted on by the first spawn.
      {{"many", "--stack-kib", "4"}, "--stack-kib"},
      {{"many", "--stack-kib", "15"}, "--stack-kib"},
      {{"overflow", "--stack-kib", "-3"}, "--stack-kib"},
      {{"overflow", "--stack-kib", "4"}, "--stack-kib"},
      {{"overflow", "--stack-kib", "15"}, "--stack-kib"},
      {{"bench", "--speed", "2"}, "--speed"},
      {{"bench", "--spawn-count", "0"}, "--spawn-count"},
      {{"juggle"}, "juggle"},
  };
  EXPECT_EQ(rt::testing::refusal_failures(ch03::program(), cases), "");
}
