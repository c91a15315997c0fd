// Overflow reporting on Linux and macOS: a SIGSEGV/SIGBUS handler that runs on an
// alternate signal stack. It must: the fault happened because the fiber's stack is full,
// so the kernel could not push a signal frame there. (macOS reports a guard-page hit as
// SIGBUS, Linux as SIGSEGV.)
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <utility>

#include "overflow.hpp"
#include "rt/error.hpp"

namespace rt::fiber::detail {

namespace {

struct sigaction previous_segv;  // written once under call_once, before any fault handling
struct sigaction previous_bus;

void write_all(const char* text, std::size_t length) {
  while (length > 0) {
    ssize_t written = write(STDERR_FILENO, text, length);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    text += written;
    length -= static_cast<std::size_t>(written);
  }
}

void restore_default(int signal_number) {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  sigaction(signal_number, &action, nullptr);
}

void on_fault(int signal_number, siginfo_t* info, void* context) {
  if (const Fiber* fiber = fiber_overflowing_at(info->si_addr)) {
    char message[512];
    write_all(message, format_overflow_message(message, sizeof message, *fiber, info->si_addr));
    // Returning re-runs the faulting access, which now meets the default action: the
    // process dies of SIGSEGV (or SIGBUS) as it would have, core dump included.
    restore_default(signal_number);
    return;
  }
  // Not a fiber's overflow: whoever handled this signal before us decides.
  const struct sigaction& previous = signal_number == SIGSEGV ? previous_segv : previous_bus;
  if ((previous.sa_flags & SA_SIGINFO) != 0) {
    previous.sa_sigaction(signal_number, info, context);
  } else if (previous.sa_handler == SIG_DFL || previous.sa_handler == SIG_IGN) {
    restore_default(signal_number);  // a fault cannot be ignored: it would repeat forever
  } else {
    previous.sa_handler(signal_number);
  }
}

void install_handlers() {
  struct sigaction action {};
  action.sa_sigaction = &on_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, &previous_segv) != 0) throw_errno("sigaction");
  if (sigaction(SIGBUS, &action, &previous_bus) != 0) throw_errno("sigaction");
}

// Each thread that runs fibers gets its own alternate stack, freed when the thread ends.
class AlternateStack {
 public:
  void install() {
    if (memory_ != nullptr) return;
    // 64 KiB: ample for the handler (no allocation, one write) even where the kernel's
    // signal frame is large (AVX-512 state, SVE); SIGSTKSZ is 8 KiB on some systems.
    constexpr std::size_t kSize = 64 * 1024;
    memory_ = static_cast<char*>(std::malloc(kSize));
    if (memory_ == nullptr) throw_errno("malloc", ENOMEM);
    stack_t stack{};
    stack.ss_sp = memory_;
    stack.ss_size = kSize;
    if (sigaltstack(&stack, nullptr) != 0) {
      int error = errno;
      std::free(std::exchange(memory_, nullptr));
      throw_errno("sigaltstack", error);
    }
  }
  ~AlternateStack() {
    if (memory_ == nullptr) return;
    stack_t disable{};
    disable.ss_flags = SS_DISABLE;
    sigaltstack(&disable, nullptr);
    std::free(memory_);
  }

 private:
  char* memory_ = nullptr;
};

std::once_flag handlers_installed;
thread_local AlternateStack alternate_stack;

}  // namespace

void install_overflow_reporting() {
  std::call_once(handlers_installed, install_handlers);
  alternate_stack.install();
}

}  // namespace rt::fiber::detail
