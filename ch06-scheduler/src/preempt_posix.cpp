// Asynchronous preemption on Linux and macOS (preempt.hpp): SIGURG, whose handler switches the
// interrupted fiber out from the kernel's signal frame, and where the program's own code lies.
#include <pthread.h>
#include <signal.h>
#if !defined(__APPLE__)
#include <ucontext.h>  // (macOS: ucontext_t comes with signal.h; its ucontext.h wants _XOPEN_SOURCE)
#endif

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#include <mach-o/getsect.h>
#else
#include <link.h>  // dl_iterate_phdr
#endif

#include "preempt.hpp"
#include "runtime_impl.hpp"

namespace rt::sched::detail {

namespace {

struct sigaction previous_action;

// Where the signal stopped the thread: its pc and stack pointer.
struct Interrupted {
  std::uintptr_t pc, sp;
};
Interrupted interrupted_at(const ucontext_t& uc) noexcept {
#if defined(__APPLE__) && defined(__aarch64__)
  return {static_cast<std::uintptr_t>(__darwin_arm_thread_state64_get_pc(uc.uc_mcontext->__ss)),
          static_cast<std::uintptr_t>(__darwin_arm_thread_state64_get_sp(uc.uc_mcontext->__ss))};
#elif defined(__APPLE__)
  return {static_cast<std::uintptr_t>(uc.uc_mcontext->__ss.__rip),
          static_cast<std::uintptr_t>(uc.uc_mcontext->__ss.__rsp)};
#elif defined(__aarch64__)
  return {static_cast<std::uintptr_t>(uc.uc_mcontext.pc),
          static_cast<std::uintptr_t>(uc.uc_mcontext.sp)};
#else
  return {static_cast<std::uintptr_t>(uc.uc_mcontext.gregs[REG_RIP]),
          static_cast<std::uintptr_t>(uc.uc_mcontext.gregs[REG_RSP])};
#endif
}

void forward(int signal, siginfo_t* info, void* context) {
  if ((previous_action.sa_flags & SA_SIGINFO) != 0) {
    if (previous_action.sa_sigaction != nullptr)
      previous_action.sa_sigaction(signal, info, context);
  } else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN) {
    previous_action.sa_handler(signal);
  }
}

// SIGURG's handler, on the interrupted thread, on the interrupted stack (no SA_ONSTACK: the
// frame must be on the fiber's stack to travel with it).
void on_interrupt(int signal, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  auto& uc = *static_cast<ucontext_t*>(context);
  Machine* machine = current_machine();
  const Interrupted at = interrupted_at(uc);
  Fiber* fiber = machine != nullptr ? preemptible_at(*machine, at.pc, at.sp) : nullptr;
  if (fiber == nullptr) {
    forward(signal, info, context);  // not ours, or not a safe point: the fiber carries on
    errno = saved_errno;
    return;
  }
  fiber->no_preempt.store(1, std::memory_order_relaxed);  // runtime code from here
  std::atomic_signal_fence(std::memory_order_seq_cst);
  // SIGURG is blocked while its handler runs; the worker's loop and the fibers it runs next
  // must be interruptible, so it is unblocked before the switch.
  sigset_t urgent;
  sigemptyset(&urgent);
  sigaddset(&urgent, SIGURG);
  pthread_sigmask(SIG_UNBLOCK, &urgent, nullptr);
  switch_out();
  // Resumed, on this thread or another. SIGURG blocked again until the handler returns: a
  // second preemption from here on would resume the fiber on a third thread with this frame
  // filled in for the second. sigreturn restores, besides the fiber's registers, the signal
  // mask and the alternate signal stack saved in the frame: the interrupted thread's. Those
  // must be this thread's (they are not the fiber's), so the frame gets them, SIGURG open.
  pthread_sigmask(SIG_BLOCK, &urgent, &uc.uc_sigmask);
  sigdelset(&uc.uc_sigmask, SIGURG);
#if defined(__linux__)
  stack_t here{};
  if (sigaltstack(nullptr, &here) == 0) uc.uc_stack = here;
#endif
  std::atomic_signal_fence(std::memory_order_seq_cst);
  fiber->no_preempt.store(0, std::memory_order_relaxed);
  set_errno(saved_errno);  // the fiber's, on the thread it runs on now
}

}  // namespace

#if defined(__APPLE__)
void find_program_text() {
  unsigned long size = 0;
  const auto* header = reinterpret_cast<const struct mach_header_64*>(_dyld_get_image_header(0));
  if (std::uint8_t* text = getsectiondata(header, "__TEXT", "__text", &size)) {
    const auto begin = reinterpret_cast<std::uintptr_t>(text);
    add_program_text(begin, begin + size);
  }
}
#else
void find_program_text() {
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void*) -> int {
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const auto& segment = info->dlpi_phdr[i];
          if (segment.p_type == PT_LOAD && (segment.p_flags & PF_X) != 0) {
            const std::uintptr_t begin = info->dlpi_addr + segment.p_vaddr;
            add_program_text(begin, begin + segment.p_memsz);
          }
        }
        return 1;  // the first object is the program itself: stop there
      },
      nullptr);
}
#endif

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_sigaction = &on_interrupt;
  action.sa_flags = SA_SIGINFO | SA_RESTART;  // interrupted calls restart where they can
  sigemptyset(&action.sa_mask);
  sigaction(SIGURG, &action, &previous_action);
}

ThreadTarget::~ThreadTarget() = default;

void ThreadTarget::capture() {
  thread = pthread_self();
  captured = true;
}

// As Go's preemptM: a signal to the thread; the handler decides.
void interrupt(Worker& worker) {
  if (!worker.busy.load(std::memory_order_relaxed)) return;  // asleep or looking for work
  Machine* machine = worker.run_by.load(std::memory_order_acquire);
  if (machine == nullptr || !machine->target.captured) return;
  pthread_kill(machine->target.thread, SIGURG);
}

}  // namespace rt::sched::detail
