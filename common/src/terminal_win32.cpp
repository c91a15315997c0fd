#include <io.h>
#include <windows.h>

#include <atomic>

#include "rt/terminal.hpp"

namespace rt {
namespace {

// Set by the console control handler, which Windows runs on a thread of its own.
// relaxed: nothing else is published with the flag.
std::atomic<bool> g_interrupted{false};

BOOL WINAPI on_console_event(DWORD event) {
  if (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT) return FALSE;
  // Second Ctrl-C: returning FALSE lets the default handler end the process.
  return g_interrupted.exchange(true, std::memory_order_relaxed) ? FALSE : TRUE;
}

}  // namespace

bool is_terminal(std::FILE* file) {
  return _isatty(_fileno(file)) != 0;
}

void install_interrupt_handler() {
  SetConsoleCtrlHandler(on_console_event, TRUE);
}

bool interrupted() {
  return g_interrupted.load(std::memory_order_relaxed);
}

void clear_interrupt() {
  g_interrupted.store(false, std::memory_order_relaxed);
}

}  // namespace rt
