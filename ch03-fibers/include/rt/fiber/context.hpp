// rt::fiber contexts: the lowest layer of chapter 3, four functions over one assembly
// routine (src/asm/, one file per calling convention; on x86-64 in two variants, which
// differ only in how they restore the FP control words: ControlWordLoad below).
//
// A context is an execution that can be suspended and resumed: a stack plus the registers
// the ABI says a function must preserve. Suspending saves those registers on the context's
// own stack and remembers the stack pointer; resuming loads another stack pointer and
// restores that context's registers from its stack. Nothing else: no scheduler, no queue,
// no allocation. Chapter 3's Scheduler (scheduler.hpp) is built on these four functions.
//
//   rt::fiber::Context main_context;
//   rt::fiber::Context worker = rt::fiber::make_context(stack, start, &state);
//   rt::fiber::switch_context(main_context, worker);  // runs start(&state) until it
//                                                     // switches back to main_context
//
// Contract:
// - A Context is running (on some thread, right now), suspended (its registers saved,
//   resumable) or exited (it called exit_context; never resumable). A default-constructed
//   Context stands for the calling thread's own stack, which is running; switch_context
//   fills it in when the thread switches away.
// - Contexts belong to the thread that runs them: resuming a context on another thread
//   than the one that suspended it is allowed by the hardware but not by thread_local
//   state the compiler may have cached; chapter 3 never does it (chapter 6 discusses it).
// - Misuse stops the process with a message on stderr (std::abort), never undefined
//   behaviour: resuming a running, exited or never-made context; switching away from a
//   context that is not the running one; a start function that returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "rt/fiber/sanitizer.hpp"
#include "rt/platform.hpp"

namespace rt::fiber {

class Stack;

// Move-only: a copy of a suspended context could be resumed twice, and the second resume
// would run a frame that no longer exists. A moved-from Context counts as running
// (resuming it is refused).
struct Context {
  void* stack_pointer = nullptr;     // where the registers are saved; null while running,
                                     // a marker (not a stack) once exited
  detail::SanitizerState sanitizer;  // empty unless built with a sanitizer

  Context() = default;
  Context(Context&& other) noexcept
      : stack_pointer(std::exchange(other.stack_pointer, nullptr)),
        sanitizer(std::exchange(other.sanitizer, {})) {}
  Context& operator=(Context&& other) noexcept {
    stack_pointer = std::exchange(other.stack_pointer, nullptr);
    sanitizer = std::exchange(other.sanitizer, {});
    return *this;
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
};

// The function a new context starts in. It must never return: it ends by exit_context().
using ContextStart = void (*)(void* argument);

// The fewest usable bytes make_context accepts; a smaller stack is misuse (it aborts). A
// start function that returns is reported on the context's own stack (fprintf alone takes a
// few KiB), with margin for the frames above it: below this the promised message could
// overflow the stack first, silently where there is no guard page. Command lines that take a
// stack size refuse less (ch03-fibers --stack-kib).
inline constexpr std::size_t kMinimumStackSize = 16 * 1024;

// Builds the first frame of a new context on `stack` (the usable bytes, lowest first; at
// least kMinimumStackSize; the stack must outlive the context) so that the first switch to it calls
// start(argument) with the stack aligned as the ABI requires. The returned context is
// suspended. If start returns, the process stops with "rt::fiber: the start function of a
// context returned".
// The bytes must all be committed memory (an array, a vector): on Windows the context's TEB
// then says that nothing below them is its stack, and nothing grows it.
Context make_context(std::span<std::byte> stack, ContextStart start, void* argument);

// The same on a Stack's usable bytes (stack.hpp). On Windows the context's TEB also
// describes the Stack's reservation and how far it is committed (Stack::committed_low), so
// the kernel grows it as the context goes deeper; elsewhere this is the span version.
Context make_context(const Stack& stack, ContextStart start, void* argument);

// The same below the Stack's top `kept` bytes, which the caller keeps for a record of its own
// (chapter 6 puts its fiber there, so that a new fiber's stack and record share one page).
// `kept` is a multiple of 64 (misuse otherwise), and the bytes left below it must be at least
// kMinimumStackSize.
Context make_context(const Stack& stack, std::size_t kept, ContextStart start, void* argument);

// Suspends the calling context into `from` and resumes `to`. Returns when some context
// switches back to `from`. Preconditions, both checked (misuse aborts with a message):
// `from` is the running context (its saved stack pointer is null); `to` is suspended.
// Inline (defined below): each caller calls the assembly routine itself, with one call and
// one return fewer per switch (README, "Performance").
inline void switch_context(Context& from, Context& to);

// Like switch_context, for a context that will never run again: `from` is marked exited
// (resuming it aborts with a message) and the sanitizers release what they kept for it. Its
// stack may be freed once `to` runs (or later).
[[noreturn]] void exit_context(Context& from, Context& to);

// Releases what the sanitizers hold for a context made by make_context, after it exited
// or if it never ran. Does not touch the stack memory, which belongs to the caller.
void destroy_context(Context& context);

// How a switch on x86-64 restores the FP control words (MXCSR, the x87 control word), which
// the ABI makes callee-saved: two assembly routines with the same result, the resumed context
// gets back exactly its own control bits. They differ only in cost, which depends on the CPU
// (README, "Performance"; src/asm/x86_64_sysv.S):
enum class ControlWordLoad : unsigned char {
  when_different,  // rt_switch_context_compare_control_words: compare, load only what differs
  always,          // rt_switch_context: load both on every switch, as Boost.Context does
};
// The policy in force: at start-up, the one measured to be cheaper on this CPU's vendor
// (always on AMD and Hygon, when_different elsewhere), until set_control_word_load.
ControlWordLoad control_word_load() noexcept;
// Changes the policy for every switch on every thread. Call it only while no thread is
// switching (before fibers run): the switch reads it without synchronisation. On ARM64
// there are no such words to choose for (FPCR, where saved, is always loaded): the policy
// is recorded and has no effect.
void set_control_word_load(ControlWordLoad policy) noexcept;
const char* to_string(ControlWordLoad policy) noexcept;

}  // namespace rt::fiber

// ---- the inline switch ----

// The assembly routine (src/asm/, one file per calling convention): saves the callee-saved
// state on the current stack, stores the stack pointer in *save_stack_pointer, loads
// load_stack_pointer and restores the state saved there.
extern "C" void rt_switch_context(void** save_stack_pointer, void* load_stack_pointer) noexcept;
// x86-64 only: the same, loading MXCSR and the x87 control word only where they differ from
// the ones in force (ControlWordLoad::when_different). Either routine resumes what the other
// saved: the frame is the same.
extern "C" void rt_switch_context_compare_control_words(void** save_stack_pointer,
                                                        void* load_stack_pointer) noexcept;

#include "rt/fiber/sanitizer_hooks.hpp"  // needs Context complete; empty unless sanitizing

namespace rt::fiber {

namespace detail {
// What an exited context's stack_pointer holds: not null (that reads "running") and not a
// stack, so a later resume is refused by name instead of entering a stack that may be freed.
// A value, not the address of an object: an inline variable's address can differ between
// shared libraries built with hidden visibility, and the check would then miss.
inline void* exited_marker() noexcept {
  return reinterpret_cast<void*>(std::uintptr_t{1});
}
// Stops the process with "rt::fiber: <message>" (context.cpp), out of line.
[[noreturn]] void context_misuse(const char* message);
// The control-word policy as the switch reads it (x86-64 only): true for
// ControlWordLoad::when_different. Written only by set_control_word_load and once, before the
// first context is made, from the CPU's vendor (control_words_x86_64.cpp).
extern bool compare_control_words;

// The last step of switch_context and exit_context: tells the sanitizers (no-ops unless
// sanitizing), then calls the assembly routine the policy chose. A branch and two direct
// calls, not a call through a function pointer: the branch goes the same way on every
// switch, so it is predicted, and on the AMD EPYC the pointer's indirect call was slower.
inline void switch_stacks(Context& from, Context& to, void** save_stack_pointer,
                          void* load_stack_pointer, bool leaving_for_good) {
  sanitizer_before_switch(from, to, leaving_for_good);
  if constexpr (rt::kIsX86_64) {
    if (compare_control_words) {
      rt_switch_context_compare_control_words(save_stack_pointer, load_stack_pointer);
      return;
    }
  }
  rt_switch_context(save_stack_pointer, load_stack_pointer);
}
}  // namespace detail

inline void switch_context(Context& from, Context& to) {
  void* target = to.stack_pointer;
  if (from.stack_pointer != nullptr) {
    detail::context_misuse("switch_context: `from` is not the running context");
  }
  if (target == nullptr) detail::context_misuse("switch_context: the target context is running");
  if (target == detail::exited_marker()) {
    detail::context_misuse("switch_context: the target context has exited");
  }
  to.stack_pointer = nullptr;  // `to` runs from here on
  detail::switch_stacks(from, to, &from.stack_pointer, target, false);
  detail::sanitizer_after_switch(&from);
}

}  // namespace rt::fiber
