// Asynchronous preemption (preempt.hpp): the safe-point test, the regions that must not be
// preempted, where the program's own code lies; the signal handler is in preempt_posix.cpp,
// the suspend-and-redirect in preempt_win32.cpp.
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
#include <mutex>

#include "runtime_impl.hpp"

// Builds that cannot preempt asynchronously (async_preemption_available): ThreadSanitizer,
// and clang's AddressSanitizer, whose runtime (allocator, interceptors) clang links into the
// executable, where it would count as the program's own code (GCC's is a shared library).
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || (defined(__clang__) && __has_feature(address_sanitizer))
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

namespace detail {

namespace {

// The program's own code: the executable's executable segments (set once, before any runtime
// that preempts starts a thread; read by handlers and monitors after).
struct Range {
  std::uintptr_t begin = 0, end = 0;
};
std::array<Range, 8> program_text;
std::size_t program_text_count = 0;

}  // namespace

void add_program_text(std::uintptr_t begin, std::uintptr_t end) {
  if (program_text_count < program_text.size()) program_text[program_text_count++] = {begin, end};
}

namespace {

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

}  // namespace

// glibc declares __errno_location `const`: a function that switched threads between reading
// errno and writing it back may write through the first thread's address, computed once.
// This is a call of its own, never inlined, in the section that is never a safe point.
RT_SCHED_NO_PREEMPT void set_errno(int value) noexcept {
  errno = value;
}

void switch_out() {
  current_worker()->interrupted.fetch_add(1, std::memory_order_relaxed);
  leave_worker(After::preempted, "asynchronous preemption");
}

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

bool prepare_async_preemption() {
  if (!async_preemption_available()) return false;
  static std::once_flag once;
  std::call_once(once, [] {
    find_program_text();
    install_interrupt_handler();
  });
  return program_text_count > 0;
}

}  // namespace detail

}  // namespace rt::sched
