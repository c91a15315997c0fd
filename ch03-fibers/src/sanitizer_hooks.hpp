// The sanitizer calls around a context switch (see rt/fiber/sanitizer.hpp for why). Each
// hook is an empty inline function unless the build defines RT_SANITIZE_ADDRESS or
// RT_SANITIZE_THREAD; the real ones live in sanitizer.cpp.
#pragma once

#include <cstddef>

#include "rt/fiber/context.hpp"

namespace rt::fiber::detail {

#if defined(RT_SANITIZE_ADDRESS) || defined(RT_SANITIZE_THREAD)
// make_context: `context` will run on [low, low + size).
void sanitizer_on_make(Context& context, const void* low, std::size_t size);
// Just before the stack switch from `from` to `to`; `leaving_for_good`: `from` never runs
// again (exit_context), so its fake stack can be released.
void sanitizer_before_switch(Context& from, Context& to, bool leaving_for_good);
// First thing on `resumed` after a switch lands on it; nullptr: a new context's first entry.
void sanitizer_after_switch(Context* resumed);
// destroy_context.
void sanitizer_on_destroy(Context& context);
// A Stack's memory goes back to the OS: clear what ASan marked in it, so that whatever the
// OS maps there next does not inherit an exited context's poisoned redzones.
void sanitizer_on_stack_free(const void* low, std::size_t size);
#else
inline void sanitizer_on_make(Context&, const void*, std::size_t) {}
inline void sanitizer_before_switch(Context&, Context&, bool) {}
inline void sanitizer_after_switch(Context*) {}
inline void sanitizer_on_destroy(Context&) {}
inline void sanitizer_on_stack_free(const void*, std::size_t) {}
#endif

}  // namespace rt::fiber::detail
