// `overflow`: a fiber recurses without end. Its stack ends in a guard page; the fault is
// caught and reported with the fiber's name, and the process dies of it. Without the guard
// page the recursion would run on into whatever memory lies below the stack.
#include "demos.hpp"
#include "rt/fiber/scheduler.hpp"

namespace ch03 {

namespace {
volatile int depth_limit = 1 << 30;  // never reached; hides the endless recursion

[[gnu::noinline]] int recurse(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (depth == depth_limit) return 0;
  return recurse(depth + 1) + frame[0];
}
}  // namespace

void overflow(const OverflowOptions& options, rt::Output& out) {
  rt::fiber::Scheduler scheduler;
  scheduler.spawn({.name = "deep-recursion", .stack_size = options.stack_kib * 1024},
                  [] { recurse(0); });
  out.print("fiber \"deep-recursion\" ({} KiB stack) recurses until its stack runs out...\n",
            options.stack_kib);
  scheduler.run();
  out.print("not reached: the overflow ends the process\n");
}

}  // namespace ch03
