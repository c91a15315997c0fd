#include <signal.h>
#include <unistd.h>

#include <atomic>

#include "rt/terminal.hpp"

namespace rt {
namespace {

// Written by the signal handler, read by the program: lock-free atomics are the only shared
// state a handler may touch. relaxed: nothing else is published with the flag.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_sigint(int) {
  if (g_interrupted.exchange(true, std::memory_order_relaxed)) {
    // Second Ctrl-C: the program did not stop in time; die as SIGINT would have.
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
  }
}

}  // namespace

bool is_terminal(std::FILE* file) {
  return isatty(fileno(file)) == 1;
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking calls resume; demos poll interrupted() instead
  sigaction(SIGINT, &action, nullptr);
}

bool interrupted() {
  return g_interrupted.load(std::memory_order_relaxed);
}

void clear_interrupt() {
  g_interrupted.store(false, std::memory_order_relaxed);
}

}  // namespace rt
