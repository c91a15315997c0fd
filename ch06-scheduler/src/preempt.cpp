// Asynchronous preemption (preempt.hpp): the safe-point test, the signal handler (Linux,
// macOS), the suspend-and-redirect (Windows), and the regions that must not be preempted.
//
// Why the switch happens inside the signal handler rather than in a function the handler
// makes the fiber call (Go's asyncPreempt): the kernel has saved the fiber's whole register
// state in the signal frame, on the fiber's own stack, so it moves with the fiber, and
// sigreturn restores all of it, whatever vector extension the CPU has (AVX-512, SVE), with
// no scratch register needed to jump back. A hand-written call needs one on ARM64: Go
// reserves R27 for it, and C++ code reserves none. The handler only switches where the
// interrupted code is the fiber's own (preemptible_at), so nothing it calls can be re-entered
// half-way: the condition that makes Go's injected call safe makes this one safe.
#include "preempt.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <mutex>

#include "runtime_impl.hpp"

#if defined(_WIN32)
#include <windows.h>
#if defined(__MINGW32__)
#include <pthread.h>
#include <unwind.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
extern "C" void* __emutls_get_address(void* control);  // libgcc's (no header declares it)
#endif
#else
#include <signal.h>
#include <ucontext.h>
#if defined(__APPLE__)
#include <mach-o/dyld.h>
#include <mach-o/getsect.h>
#else
#include <link.h>  // dl_iterate_phdr
#endif
#endif

// Builds that cannot preempt asynchronously (async_preemption_available): ThreadSanitizer,
// and clang's AddressSanitizer, whose runtime (allocator, interceptors) clang links into the
// executable, where it would count as the program's own code (GCC's is a shared library).
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define RT_SCHED_NO_ASYNC_PREEMPTION 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define RT_SCHED_NO_ASYNC_PREEMPTION 1
#endif

namespace rt::sched {

bool async_preemption_available() noexcept {
#if defined(RT_SCHED_NO_ASYNC_PREEMPTION)
  return false;  // a sanitizer's (above, and runtime.hpp)
#elif (defined(__linux__) || defined(__APPLE__) || defined(_WIN32)) && \
    (defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__) || defined(_M_ARM64))
  return true;
#else
  return false;
#endif
}

namespace this_fiber {

RT_SCHED_NO_PREEMPT NoPreemption::NoPreemption() noexcept : fiber_(nullptr) {
  detail::Machine* machine = detail::current_machine();
  if (machine == nullptr || machine->running == nullptr) return;
  fiber_ = machine->running;  // the fiber, wherever it runs when the region ends
  detail::enter_no_preemption(*fiber_);
}

NoPreemption::~NoPreemption() {
  if (fiber_ != nullptr) detail::leave_no_preemption(*fiber_);
}

}  // namespace this_fiber

namespace detail {

namespace {

// The program's own code: the executable's executable segments (set once, before any runtime
// that preempts starts a thread; read by handlers and monitors after).
struct Range {
  std::uintptr_t begin = 0, end = 0;
};
std::array<Range, 8> program_text;
std::size_t program_text_count = 0;

void add_text(std::uintptr_t begin, std::uintptr_t end) {
  if (program_text_count < program_text.size()) program_text[program_text_count++] = {begin, end};
}

// RT_SCHED_NO_PREEMPT's section: between its bounds. ELF: the linker's __start_/__stop_
// symbols of a section whose name is an identifier. Mach-O: its section$start/end symbols.
// PE: the linker sorts the sections `.text$<x>` by <x> into .text, so two empty functions in
// `.text$rta` and `.text$rtc` bound `.text$rtb`.
#if defined(_WIN32)
#if defined(_MSC_VER) && !defined(__clang__)
#define RT_SCHED_TEXT_BOUND(x) __declspec(code_seg(".text$rt" #x)) __declspec(noinline)
#else
#define RT_SCHED_TEXT_BOUND(x) __attribute__((section(".text$rt" #x), noinline, used))
#endif
RT_SCHED_TEXT_BOUND(a) void no_preempt_text_begin() {}
RT_SCHED_TEXT_BOUND(c) void no_preempt_text_end() {}
std::uintptr_t no_preempt_begin() noexcept {
  return reinterpret_cast<std::uintptr_t>(&no_preempt_text_begin);
}
std::uintptr_t no_preempt_end() noexcept {
  return reinterpret_cast<std::uintptr_t>(&no_preempt_text_end);
}
#elif defined(__APPLE__)
extern "C" const char no_preempt_start __asm("section$start$__TEXT$rt_nopreempt");
extern "C" const char no_preempt_stop __asm("section$end$__TEXT$rt_nopreempt");
std::uintptr_t no_preempt_begin() noexcept {
  return reinterpret_cast<std::uintptr_t>(&no_preempt_start);
}
std::uintptr_t no_preempt_end() noexcept {
  return reinterpret_cast<std::uintptr_t>(&no_preempt_stop);
}
#else
}  // namespace
}  // namespace detail
}  // namespace rt::sched
extern "C" const char __start_rt_no_preempt[];  // NOLINT: the linker's names
extern "C" const char __stop_rt_no_preempt[];   // NOLINT
namespace rt::sched {
namespace detail {
namespace {
std::uintptr_t no_preempt_begin() noexcept {
  return reinterpret_cast<std::uintptr_t>(__start_rt_no_preempt);
}
std::uintptr_t no_preempt_end() noexcept {
  return reinterpret_cast<std::uintptr_t>(__stop_rt_no_preempt);
}
#endif

bool in_fibers_own_code(std::uintptr_t pc) noexcept {
  if (pc >= no_preempt_begin() && pc < no_preempt_end()) return false;
  for (std::size_t i = 0; i < program_text_count; ++i) {
    if (pc >= program_text[i].begin && pc < program_text[i].end) return true;
  }
  return false;
}

// Below the interrupted stack pointer a switch needs room: the switch-out's own frames (and
// on Windows the injected call's copy of the CONTEXT).
constexpr std::uintptr_t kRoomNeeded = 8 * 1024;

// errno, set on the thread the caller runs on now. glibc declares __errno_location `const`,
// so a function that switched threads between reading errno and writing it back may write
// through the first thread's address, computed once: a call of its own, never inlined.
RT_SCHED_NO_PREEMPT void set_errno(int value) noexcept {
  errno = value;
}

// The interrupted fiber, at a safe point, is switched out as a preempted one (machine.cpp:
// After::preempted, to the global queue). Returns once a worker resumed it.
void switch_out() {
  current_worker()->interrupted.fetch_add(1, std::memory_order_relaxed);
  leave_worker(After::preempted, "asynchronous preemption");
}

void find_program_text();

}  // namespace

Fiber* preemptible_at(Machine& machine, std::uintptr_t pc, std::uintptr_t sp) noexcept {
  Worker* worker = machine.worker;
  Fiber* fiber = machine.running;
  if (worker == nullptr || fiber == nullptr || worker->running != fiber) return nullptr;
  if (machine.blocked_from != nullptr) return nullptr;  // in a blocking region
  if (worker->preempt_run.load(std::memory_order_relaxed) !=
      worker->runs.load(std::memory_order_relaxed)) {
    return nullptr;  // this run was not asked to end
  }
  if (fiber->no_preempt.load(std::memory_order_relaxed) != 0) return nullptr;
  const auto low = reinterpret_cast<std::uintptr_t>(fiber->stack.usable().data());
  const auto top = reinterpret_cast<std::uintptr_t>(fiber->stack.top());
  if (sp < low + kRoomNeeded || sp > top) return nullptr;
  if (!in_fibers_own_code(pc)) return nullptr;
  return fiber;
}

#if defined(_WIN32)

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
      add_text(begin, toolchain);
      add_text(reinterpret_cast<std::uintptr_t>(&comdat_text_begin),
               reinterpret_cast<std::uintptr_t>(&comdat_text_end));
      continue;
    }
#endif
    add_text(begin, end);
  }
}

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

#else  // POSIX: Linux, macOS

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

#if defined(__APPLE__)
void find_program_text() {
  unsigned long size = 0;
  const auto* header = reinterpret_cast<const struct mach_header_64*>(_dyld_get_image_header(0));
  if (std::uint8_t* text = getsectiondata(header, "__TEXT", "__text", &size)) {
    const auto begin = reinterpret_cast<std::uintptr_t>(text);
    add_text(begin, begin + size);
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
            add_text(begin, begin + segment.p_memsz);
          }
        }
        return 1;  // the first object is the program itself: stop there
      },
      nullptr);
}
#endif

}  // namespace

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

#endif

bool prepare_async_preemption() {
  if (!async_preemption_available()) return false;
  static std::once_flag once;
  std::call_once(once, [] {
    find_program_text();
#if !defined(_WIN32)
    struct sigaction action {};
    action.sa_sigaction = &on_interrupt;
    action.sa_flags = SA_SIGINFO | SA_RESTART;  // interrupted calls restart where they can
    sigemptyset(&action.sa_mask);
    sigaction(SIGURG, &action, &previous_action);
#endif
  });
  return program_text_count > 0;
}

}  // namespace detail

}  // namespace rt::sched
