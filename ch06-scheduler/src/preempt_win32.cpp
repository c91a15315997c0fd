// Asynchronous preemption on Windows (preempt.hpp): the monitor suspends the worker's thread
// and makes the interrupted fiber call interrupted_here, as Go does there; and where the
// program's own code lies.
#include <windows.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#if defined(__MINGW32__)
#include <pthread.h>
#include <unwind.h>

#include <algorithm>
#include <iterator>
extern "C" void* __emutls_get_address(void* control);  // libgcc's (no header declares it)
#endif

#include "preempt.hpp"
#include "runtime_impl.hpp"

namespace rt::sched::detail {

#if defined(_M_ARM64) || defined(__aarch64__)
// ARM64: the OS's own (user-mode on Windows): every register from the CONTEXT, pc last.
[[noreturn]] void resume_context(CONTEXT* context) {
  // X18 is the thread's TEB on Windows ARM64: the thread's it runs on now, not the one the
  // fiber was interrupted on.
  context->X18 = reinterpret_cast<DWORD64>(NtCurrentTeb());
  RtlRestoreContext(context, nullptr);
  std::abort();  // not reached
}
#else
// x86-64: asm/resume_context_win64.S, a user-mode restore of our own, so that the same
// instructions run on Windows and under Wine (whose RtlRestoreContext is its own).
extern "C" [[noreturn]] void rt_sched_resume_context(const CONTEXT* context);
static_assert(offsetof(CONTEXT, EFlags) == 0x44 && offsetof(CONTEXT, Rax) == 0x78 &&
                  offsetof(CONTEXT, Rcx) == 0x80 && offsetof(CONTEXT, Rsp) == 0x98 &&
                  offsetof(CONTEXT, R15) == 0xF0 && offsetof(CONTEXT, Rip) == 0xF8 &&
                  offsetof(CONTEXT, FltSave) == 0x100 && alignof(CONTEXT) == 16,
              "CONTEXT's layout, as asm/resume_context_win64.S reads it");
[[noreturn]] void resume_context(CONTEXT* context) {
  rt_sched_resume_context(context);
}
#endif

namespace {

#if defined(__MINGW32__)
// MinGW links the C and C++ runtimes' helpers into the executable: libgcc (its TLS emulation,
// which every thread_local goes through, and the unwinder), winpthreads (whose spin locks
// guard its thread-specific data), libstdc++. Their code is not the fiber's own: a fiber
// preempted while holding one of their locks stops every thread that wants it (found in this
// chapter's tests: a worker spinning in pthread_getspecific on a lock held by a fiber
// preempted in it). GNU ld lays .text out as: every input's plain .text, in link order (the
// program's objects and libraries first, the toolchain's after: the first of theirs bounds
// ours); then the `.text$*` sections sorted by name (the inline and template functions of
// everyone, the program's lambdas among them: kept, bounded by the two markers below); then
// `.text.*` (libstdc++, built with a section per function: left out).
__attribute__((section(".text$A"), noinline, used)) void comdat_text_begin() {}
__attribute__((section(".text$zzz"), noinline, used)) void comdat_text_end() {}
std::uintptr_t toolchain_text_begin() {
  const std::uintptr_t candidates[] = {
      reinterpret_cast<std::uintptr_t>(&pthread_mutex_lock),
      reinterpret_cast<std::uintptr_t>(&pthread_getspecific),
      reinterpret_cast<std::uintptr_t>(&_Unwind_RaiseException),
      reinterpret_cast<std::uintptr_t>(&__emutls_get_address),
      reinterpret_cast<std::uintptr_t>(&malloc),  // the CRT's import thunk
  };
  return *std::min_element(std::begin(candidates), std::end(candidates));
}
#endif

// The call the monitor makes the interrupted fiber make: on the fiber's stack, 128 bytes below
// where it stood. Copies the CONTEXT out of the machine's buffer first (the next interruption
// of this machine may reuse it), switches out, and once resumed puts every register back,
// the instruction pointer and stack pointer last (resume_context). The thread's last-error
// value and errno are the fiber's: they travel with it.
[[noreturn]] void interrupted_here(CONTEXT* buffer) {
  CONTEXT saved = *buffer;
  const DWORD last_error = GetLastError();
  const int saved_errno = errno;
  Fiber& fiber = *current_machine()->running;
  switch_out();
  std::atomic_signal_fence(std::memory_order_seq_cst);
  fiber.no_preempt.store(0, std::memory_order_relaxed);  // the monitor raised it
  set_errno(saved_errno);
  SetLastError(last_error);
  resume_context(&saved);
}

}  // namespace

void find_program_text() {
  const auto base = reinterpret_cast<std::uintptr_t>(GetModuleHandleW(nullptr));
  const auto* dos = reinterpret_cast<const IMAGE_DOS_HEADER*>(base);
  const auto* nt = reinterpret_cast<const IMAGE_NT_HEADERS*>(base + dos->e_lfanew);
  const IMAGE_SECTION_HEADER* section = IMAGE_FIRST_SECTION(nt);
  for (WORD i = 0; i < nt->FileHeader.NumberOfSections; ++i, ++section) {
    if ((section->Characteristics & IMAGE_SCN_MEM_EXECUTE) == 0) continue;
    const std::uintptr_t begin = base + section->VirtualAddress;
    const std::uintptr_t end = begin + section->Misc.VirtualSize;
#if defined(__MINGW32__)
    const std::uintptr_t toolchain = toolchain_text_begin();
    if (toolchain > begin && toolchain < end) {
      add_program_text(begin, toolchain);
      add_program_text(reinterpret_cast<std::uintptr_t>(&comdat_text_begin),
                       reinterpret_cast<std::uintptr_t>(&comdat_text_end));
      continue;
    }
#endif
    add_program_text(begin, end);
  }
}

ThreadTarget::~ThreadTarget() {
  if (thread != nullptr) CloseHandle(thread);
  _aligned_free(context);
}

void ThreadTarget::capture() {
  HANDLE self = nullptr;
  if (DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &self,
                      THREAD_SUSPEND_RESUME | THREAD_GET_CONTEXT | THREAD_SET_CONTEXT, FALSE,
                      0) == 0) {
    return;  // this thread is never interrupted: its fibers yield at check points only
  }
  context = _aligned_malloc(sizeof(CONTEXT), 16);
  if (context == nullptr) {
    CloseHandle(self);
    return;
  }
  thread = self;
}

// As Go's preemptM on Windows. Between SuspendThread and ResumeThread the monitor takes no
// lock and allocates nothing: the suspended thread may hold the heap's lock.
void interrupt(Worker& worker) {
  if (!worker.busy.load(std::memory_order_relaxed)) return;  // asleep or looking for work
  Machine* machine = worker.run_by.load(std::memory_order_acquire);
  if (machine == nullptr || machine->target.thread == nullptr) return;
  HANDLE thread = machine->target.thread;
  if (SuspendThread(thread) == static_cast<DWORD>(-1)) return;
  // Into the monitor's own CONTEXT first: the machine's buffer may still hold the last
  // interruption's, which the thread has not copied yet (it was stopped again before it could:
  // refused, since it was at the start of interrupted_here, in a region).
  CONTEXT now;
  now.ContextFlags = CONTEXT_FULL;  // also waits until the thread is really suspended
  if (GetThreadContext(thread, &now) != 0) {
#if defined(_M_ARM64) || defined(__aarch64__)
    const std::uintptr_t pc = now.Pc, sp = now.Sp;
#else
    const std::uintptr_t pc = now.Rip, sp = now.Rsp;
#endif
    // The thread is stopped: its machine's fields hold still while they are read.
    if (Fiber* fiber = preemptible_at(*machine, pc, sp)) {
      auto* saved = static_cast<CONTEXT*>(machine->target.context);
      *saved = now;  // free: the last interruption ended (its fiber's count was back to 0)
      CONTEXT call = now;
      call.ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER;
      const std::uintptr_t below = (sp - 128) & ~std::uintptr_t{15};
#if defined(_M_ARM64) || defined(__aarch64__)
      call.Sp = below;
      call.Pc = reinterpret_cast<DWORD64>(&interrupted_here);
      call.X0 = reinterpret_cast<DWORD64>(saved);
      call.Lr = 0;  // never returns
#else
      call.Rsp = below - 8;  // as after a call: the return address's slot (never used)
      call.Rip = reinterpret_cast<DWORD64>(&interrupted_here);
      call.Rcx = reinterpret_cast<DWORD64>(saved);
#endif
      fiber->no_preempt.store(1, std::memory_order_relaxed);  // until interrupted_here's end
      if (SetThreadContext(thread, &call) == 0) fiber->no_preempt.store(0);
    }
  }
  ResumeThread(thread);
}

void install_interrupt_handler() {}  // no signal: interrupt() suspends the thread

}  // namespace rt::sched::detail
