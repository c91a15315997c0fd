// Asynchronous preemption (Options::async_preempt; preempt.cpp): how the monitor interrupts a
// worker's thread, and where an interrupted fiber may be switched out.
//
// The monitor asks a run that has lasted the slice to end (monitor.cpp); with this on, it also
// interrupts the thread that runs it. Linux and macOS: a SIGURG (Go's signal), whose handler
// runs on the fiber's own stack, under the kernel's signal frame, which holds every register
// the fiber had (general, flags, vector and FP control, on x86-64 below the 128-byte red zone)
// and which sigreturn restores. The handler switches the fiber out from there; when a worker
// resumes it, perhaps on another thread, the handler returns and the kernel puts the fiber's
// registers back. Windows, as Go does there: SuspendThread, GetThreadContext, and a call made
// to look as if the fiber had made it (SetThreadContext); the call switches out, and once
// resumed restores the saved CONTEXT (x86-64: asm/resume_context_win64.S; ARM64:
// RtlRestoreContext). Go's injected call, asyncPreempt, saves the registers itself instead.
#pragma once

#include <cstdint>

#if !defined(_WIN32)
#include <pthread.h>
#endif

namespace rt::sched {
class Fiber;
}

// The runtime's functions that a fiber runs before it holds a region (Fiber::no_preempt): the
// reads of "which machine, which fiber am I" (this_machine, then its fields). A fiber moved to
// another thread between two such reads would pair one thread's machine with another's
// state, so this code is never a safe point: it lies in a section of its own, whose bounds
// the handler knows (as Go treats every runtime function as an unsafe point). Every other
// runtime call first enters a region, through one of these (this_fiber::NoPreemption).
#if defined(_MSC_VER) && !defined(__clang__)
#define RT_SCHED_NO_PREEMPT __declspec(code_seg(".text$rtb")) __declspec(noinline)
#elif defined(_WIN32)
#define RT_SCHED_NO_PREEMPT __attribute__((section(".text$rtb"), noinline))
#elif defined(__APPLE__)
#define RT_SCHED_NO_PREEMPT __attribute__((section("__TEXT,rt_nopreempt"), noinline))
#else
#define RT_SCHED_NO_PREEMPT __attribute__((section("rt_no_preempt"), noinline))
#endif

namespace rt::sched::detail {

struct Machine;
struct Worker;

// What the monitor needs to interrupt a machine's thread, taken on that thread as it starts.
class ThreadTarget {
 public:
  ThreadTarget() = default;
  ~ThreadTarget();
  ThreadTarget(const ThreadTarget&) = delete;
  ThreadTarget& operator=(const ThreadTarget&) = delete;

  void capture();  // on the thread itself
#if defined(_WIN32)
  void* thread = nullptr;   // a HANDLE with the rights to suspend it and get and set its context
  void* context = nullptr;  // the interrupted CONTEXT, from the monitor to the call it makes
#else
  pthread_t thread{};
  bool captured = false;
#endif
};

// Once per process, by the first runtime that preempts asynchronously: the signal handler, and
// where the program's own code lies. False if this build cannot (async_preemption_available).
bool prepare_async_preemption();

// The monitor: interrupts the thread that runs `worker`'s fiber now, if it still does. The
// interrupted thread switches the fiber out only if preemptible_at says so; otherwise nothing
// happens and the request waits for the fiber's next check point or the next round.
void interrupt(Worker& worker);

// On the interrupted thread, or with it suspended: the fiber to switch out, or nullptr.
// Safe points: the machine runs a fiber that was asked to end this run, on the fiber's own
// stack (not the machine's, as in the middle of a switch) with room to spare, outside every
// region that must not be preempted (Fiber::no_preempt: the runtime's calls, channel
// operations, this_fiber::NoPreemption), at a pc in the program's own code (not a library's:
// libc's allocator and locks, the C++ runtime's, the vDSO), nor in RT_SCHED_NO_PREEMPT code.
Fiber* preemptible_at(Machine& machine, std::uintptr_t pc, std::uintptr_t sp) noexcept;

// Between preempt.cpp and its platform files (preempt_posix.cpp, preempt_win32.cpp):
void find_program_text();  // the platform's: the ranges of the program's own code,
void add_program_text(std::uintptr_t begin, std::uintptr_t end);  // each given here
void install_interrupt_handler();                                 // POSIX: SIGURG's; Windows: none
// The interrupted fiber, at a safe point, switched out as a preempted one (machine.cpp:
// After::preempted, to the global queue). Returns once a worker resumed it.
void switch_out();
// errno, written on the thread the caller runs on now (preempt.cpp says why it is a call).
void set_errno(int value) noexcept;

}  // namespace rt::sched::detail
