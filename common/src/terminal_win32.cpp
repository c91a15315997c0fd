#include <io.h>
#include <windows.h>

#include <atomic>

#include "rt/terminal.hpp"

namespace rt {
namespace {

// Set by the console control handler, which Windows runs on a thread of its own.
// relaxed: nothing else is published with the flag.
std::atomic<bool> g_interrupted{false};

// The registered notifier, or null. acquire in the handler pairs with the release in
// set_interrupt_notifier(): the handler sees the notifier's fields as they were written.
std::atomic<const InterruptNotifier*> g_notifier{nullptr};

BOOL WINAPI on_console_event(DWORD event) {
  // Close, logoff and shutdown end the process once this handler returns, whatever it
  // returns: the program's time to stop is the time this handler takes.
  const bool ends_process =
      event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT;
  if (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT && !ends_process) return FALSE;
  // The second request: returning FALSE lets the default handler end the process.
  if (g_interrupted.exchange(true, std::memory_order_relaxed)) return FALSE;
  if (const InterruptNotifier* notifier = g_notifier.load(std::memory_order_acquire)) {
    notifier->notify(notifier->context);
  }
  // Wait here for the program to stop: its exit (ExitProcess) ends this thread, or Windows
  // does after its timeout (about 5 s; 20 s at shutdown).
  if (ends_process) Sleep(INFINITE);
  return TRUE;
}

}  // namespace

bool is_terminal(std::FILE* file) {
  return _isatty(_fileno(file)) != 0;
}

void install_interrupt_handler() {
  SetConsoleCtrlHandler(on_console_event, TRUE);
}

void ignore_broken_pipe() {}  // Windows has no SIGPIPE

bool interrupted() {
  return g_interrupted.load(std::memory_order_relaxed);
}

bool set_interrupt_notifier(const InterruptNotifier* notifier) {
  if (notifier == nullptr) {
    g_notifier.store(nullptr, std::memory_order_release);  // pairs with the handler's acquire
    return true;
  }
  const InterruptNotifier* none = nullptr;
  // release: publishes *notifier to the handler (pairs with its acquire load).
  return g_notifier.compare_exchange_strong(none, notifier, std::memory_order_release,
                                            std::memory_order_relaxed);
}

void clear_interrupt() {
  g_interrupted.store(false, std::memory_order_relaxed);
}

}  // namespace rt
