// The guard page at work: a fiber that recurses without end is stopped at its stack's
// bottom and the process names it, instead of scribbling over memory below the stack.
#include <gtest/gtest.h>

#include "rt/fiber/scheduler.hpp"

namespace {
// Deeper than any stack here; volatile, so the compiler cannot see the recursion is endless.
volatile int depth_limit = 1 << 30;

// Each level keeps a buffer alive and uses it after the recursive call, so the compiler
// can neither drop the frame nor turn the recursion into a loop.
[[gnu::noinline]] int recurse(int depth) {
  volatile char buffer[256];
  buffer[0] = static_cast<char>(depth);
  if (depth == depth_limit) return 0;
  return recurse(depth + 1) + buffer[0];
}
}  // namespace

TEST(OverflowDeathTest, AFiberThatOverflowsItsStackIsNamed) {
  EXPECT_DEATH(
      {
        rt::fiber::Scheduler scheduler;
        scheduler.spawn({.name = "deep", .stack_size = 64 * 1024}, [] { recurse(0); });
        scheduler.run();
      },
      "fiber \"deep\" overflowed its stack \\(64 KiB\\): fault at 0x\\w+, in its guard page");
}
