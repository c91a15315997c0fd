#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "rt/terminal.hpp"

namespace rt {
namespace {

// Written by the signal handler, read by the program: lock-free atomics are the only shared
// state a handler may touch. relaxed: nothing else is published with the flag.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

// The registered notifier, or null. acquire in the handler pairs with the release in
// set_interrupt_notifier(): the handler sees the notifier's fields as they were written.
std::atomic<const InterruptNotifier*> g_notifier{nullptr};
static_assert(std::atomic<const InterruptNotifier*>::is_always_lock_free);

// The signals that ask a program to stop (terminal.hpp).
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void on_stop_signal(int signal_number) {
  if (g_interrupted.exchange(true, std::memory_order_relaxed)) {
    // The second request: the program did not stop in time; die as the signal would have.
    signal(signal_number, SIG_DFL);
    raise(signal_number);
    return;
  }
  if (const InterruptNotifier* notifier = g_notifier.load(std::memory_order_acquire)) {
    const int saved = errno;  // the interrupted code may be about to read errno
    notifier->notify(notifier->context);
    errno = saved;
  }
}

}  // namespace

bool is_terminal(std::FILE* file) {
  return isatty(fileno(file)) == 1;
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // The handler runs once per signal at a time; blocking the others while it runs keeps
  // two different signals from both counting as "the first".
  for (int signal_number : kStopSignals) sigaddset(&action.sa_mask, signal_number);
  action.sa_flags = SA_RESTART;  // blocking calls resume; demos poll interrupted() instead
  for (int signal_number : kStopSignals) sigaction(signal_number, &action, nullptr);
}

void ignore_broken_pipe() {
  signal(SIGPIPE, SIG_IGN);
}

bool interrupted() {
  return g_interrupted.load(std::memory_order_relaxed);
}

bool set_interrupt_notifier(const InterruptNotifier* notifier) {
  if (notifier == nullptr) {
    g_notifier.store(nullptr, std::memory_order_release);  // pairs with on_sigint's acquire
    return true;
  }
  const InterruptNotifier* none = nullptr;
  // release: publishes *notifier to on_sigint (pairs with its acquire load).
  return g_notifier.compare_exchange_strong(none, notifier, std::memory_order_release,
                                            std::memory_order_relaxed);
}

void clear_interrupt() {
  g_interrupted.store(false, std::memory_order_relaxed);
}

}  // namespace rt
