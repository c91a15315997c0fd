// The sanitizer calls around a context switch (see rt/fiber/sanitizer.hpp for why). Each
// hook is an empty inline function unless the build defines RT_SANITIZE_ADDRESS or
// RT_SANITIZE_THREAD; the real ones live in sanitizer.cpp, except the one TSan call that
// must be made in the switching function's own frame (sanitizer_before_switch, below).
//
// Included by rt/fiber/context.hpp once Context is complete (the inline switch calls these
// hooks); include context.hpp, not this file.
#pragma once

#include <cstddef>

#if defined(RT_SANITIZE_THREAD)
#include <sanitizer/tsan_interface.h>
#endif

namespace rt::fiber::detail {

#if defined(RT_SANITIZE_ADDRESS) || defined(RT_SANITIZE_THREAD)
// make_context: `context` will run on [low, low + size).
void sanitizer_on_make(Context& context, const void* low, std::size_t size);
// The out-of-line half of sanitizer_before_switch: everything but the TSan switch itself.
void sanitizer_prepare_switch(Context& from, Context& to, bool leaving_for_good);
// First thing on `resumed` after a switch lands on it; nullptr: a new context's first entry.
void sanitizer_after_switch(Context* resumed);
// destroy_context.
void sanitizer_on_destroy(Context& context);
// A Stack's memory goes back to the OS or to a StackPool: clear what ASan marked in it, so
// that the next user of those addresses does not inherit an exited context's poisoned
// redzones.
void sanitizer_on_stack_free(const void* low, std::size_t size);
// A stack carved from a slab (StackPool) is freed, but its memory stays mapped until the
// slab's last stack goes: poison it, so that a dangling pointer into a finished fiber's stack
// is reported (a separate stack's munmap made that a fault). Unpoisoned with the whole slab
// by sanitizer_on_stack_free, just before the munmap.
void sanitizer_on_slab_stack_free(const void* low, std::size_t size);
// A stack goes into a StackPool: poisoned while it waits there (a dangling pointer into it,
// such as chapter 6's fiber record at its top, is reported), unpoisoned by
// sanitizer_on_stack_free when the pool hands it out again.
void sanitizer_on_stack_kept(const void* low, std::size_t size);

// Just before the stack switch from `from` to `to`; `leaving_for_good`: `from` never runs
// again (exit_context), so its fake stack can be released. Always inlined into the function
// that calls rt_switch_context: TSan keeps a shadow call stack per fiber, and
// __tsan_switch_to_fiber must come "immediately before switch to fiber" (tsan_interface.h).
// Made inside an instrumented function of its own, that function's exit would be recorded
// on the target fiber's shadow stack: for a new fiber, a pop from an empty stack.
[[gnu::always_inline]] inline void sanitizer_before_switch(Context& from, Context& to,
                                                           bool leaving_for_good) {
  sanitizer_prepare_switch(from, to, leaving_for_good);
#if defined(RT_SANITIZE_THREAD)
  __tsan_switch_to_fiber(to.sanitizer.tsan_fiber, 0);
#endif
}
#else
inline void sanitizer_on_make(Context&, const void*, std::size_t) {}
inline void sanitizer_before_switch(Context&, Context&, bool) {}
inline void sanitizer_after_switch(Context*) {}
inline void sanitizer_on_destroy(Context&) {}
inline void sanitizer_on_stack_free(const void*, std::size_t) {}
inline void sanitizer_on_slab_stack_free(const void*, std::size_t) {}
inline void sanitizer_on_stack_kept(const void*, std::size_t) {}
#endif

}  // namespace rt::fiber::detail
