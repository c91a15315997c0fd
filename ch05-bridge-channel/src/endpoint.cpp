// What every endpoint kind shares: the checked errors, and whether to spin (endpoint.hpp).
#include "rt/chan/endpoint.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "rt/chan/mode.hpp"
#include "rt/chan/wait.hpp"
#include "rt/fiber/scheduler.hpp"
#include "rt/os/thread.hpp"

namespace rt::chan {

void fail_misuse(const char* message, const char* detail) {
  std::fprintf(stderr, "rt::chan: %s%s\n", message, detail);
  std::fflush(stderr);
  std::abort();
}

void fail_wrong_caller(const char* call, const char* mode, const char* expected) {
  const char* caller = rt::fiber::this_fiber::on_fiber() ? "a fiber" : "a thread";
  std::fprintf(stderr, "rt::chan: %s called by %s on a %s channel, whose side for it is a %s\n",
               call, caller, mode, expected);
  std::fflush(stderr);
  std::abort();
}

namespace {
std::atomic<bool> spin_allowed{true};  // relaxed: a setting, ordering nothing else
}  // namespace

bool spin_before_park() noexcept {
  // The CPUs this process may use, not the machine's: under `taskset -c 0` there is one.
  static const bool more_than_one_cpu = rt::os::usable_cpu_count() > 1;
  return more_than_one_cpu && spin_allowed.load(std::memory_order_relaxed);
}

void allow_spin_before_park(bool allowed) noexcept {
  spin_allowed.store(allowed, std::memory_order_relaxed);
}

}  // namespace rt::chan
