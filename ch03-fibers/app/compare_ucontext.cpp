// swapcontext's round trip (Linux). glibc's swapcontext saves and restores the signal mask
// with a system call (rt_sigprocmask) on every switch: that, not the registers, is why it is
// slow, and why user-space switches do without it.
#include <ucontext.h>

#include <memory>

#include "compare.hpp"
#include "rt/clock.hpp"

namespace ch03 {

namespace {
ucontext_t main_context;
ucontext_t bouncer_context;

void bounce() {
  for (;;) swapcontext(&bouncer_context, &main_context);
}
}  // namespace

Comparison swapcontext_round_trip_ns(std::uint64_t round_trips) {
  constexpr std::size_t kStackSize = 64 * 1024;
  auto stack = std::make_unique<std::byte[]>(kStackSize);
  getcontext(&bouncer_context);
  bouncer_context.uc_stack.ss_sp = stack.get();
  bouncer_context.uc_stack.ss_size = kStackSize;
  bouncer_context.uc_link = nullptr;  // bounce never returns
  makecontext(&bouncer_context, &bounce, 0);
  swapcontext(&main_context, &bouncer_context);  // first entry, not timed
  rt::Stopwatch clock;
  for (std::uint64_t i = 0; i < round_trips; ++i) swapcontext(&main_context, &bouncer_context);
  auto ns = static_cast<double>(clock.elapsed_ns());
  // The bouncer stays suspended forever; its stack is simply freed (nothing on it to unwind).
  return {ns / static_cast<double>(round_trips)};
}

}  // namespace ch03
