// The sanitizers' fiber APIs, called around every context switch. Compiled only into
// sanitizer builds (CMakeLists.txt); sanitizer_hooks.hpp makes them no-ops otherwise.
//
// AddressSanitizer: __sanitizer_start_switch_fiber(&fake_stack, new_bottom, new_size)
// before the switch, __sanitizer_finish_switch_fiber(fake_stack, &old_bottom, &old_size)
// right after it, on the new stack. The "old" bounds it returns are those of the context
// we came from; we store them there, which is how a thread's own stack (whose bounds we
// never knew) gets them before anyone switches back to it.
// ThreadSanitizer: one tsan fiber per context; __tsan_switch_to_fiber right before the
// switch, in the switching function's own frame (sanitizer_hooks.hpp says why).
#include <cstdlib>

#include "rt/fiber/context.hpp"  // and the sanitizer hooks

#if defined(RT_SANITIZE_ADDRESS)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(RT_SANITIZE_THREAD)
#include <sanitizer/tsan_interface.h>
#endif

namespace rt::fiber::detail {

namespace {
// The context this thread is switching away from; read by the context that resumes.
thread_local Context* switching_from = nullptr;
}  // namespace

void sanitizer_on_make(Context& context, const void* low, std::size_t size) {
#if defined(RT_SANITIZE_ADDRESS)
  context.sanitizer.stack_low = low;
  context.sanitizer.stack_size = size;
  // A context that exited left its frames' redzones poisoned (no epilogue ran to clear
  // them), and a new stack may reuse the same addresses: start from clean shadow memory.
  __asan_unpoison_memory_region(low, size);
#endif
#if defined(RT_SANITIZE_THREAD)
  context.sanitizer.tsan_fiber = __tsan_create_fiber(0);
#endif
  (void)context, (void)low, (void)size;
}

void sanitizer_prepare_switch(Context& from, Context& to, bool leaving_for_good) {
  switching_from = &from;
#if defined(RT_SANITIZE_ADDRESS)
  __sanitizer_start_switch_fiber(leaving_for_good ? nullptr : &from.sanitizer.fake_stack,
                                 to.sanitizer.stack_low, to.sanitizer.stack_size);
#endif
#if defined(RT_SANITIZE_THREAD)
  if (from.sanitizer.tsan_fiber == nullptr) from.sanitizer.tsan_fiber = __tsan_get_current_fiber();
#endif
  (void)to, (void)leaving_for_good;
}

void sanitizer_after_switch(Context* resumed) {
#if defined(RT_SANITIZE_ADDRESS)
  Context* previous = switching_from;
  __sanitizer_finish_switch_fiber(resumed != nullptr ? resumed->sanitizer.fake_stack : nullptr,
                                  &previous->sanitizer.stack_low, &previous->sanitizer.stack_size);
#endif
  (void)resumed;
}

void sanitizer_on_destroy(Context& context) {
#if defined(RT_SANITIZE_THREAD)
  if (context.sanitizer.tsan_fiber != nullptr) __tsan_destroy_fiber(context.sanitizer.tsan_fiber);
  context.sanitizer.tsan_fiber = nullptr;
#endif
  (void)context;
}

void sanitizer_on_stack_free(const void* low, std::size_t size) {
#if defined(RT_SANITIZE_ADDRESS)
  if (low != nullptr) __asan_unpoison_memory_region(low, size);
#endif
  (void)low, (void)size;
}

void sanitizer_on_slab_stack_free(const void* low, std::size_t size) {
#if defined(RT_SANITIZE_ADDRESS)
  if (low != nullptr) __asan_poison_memory_region(low, size);
#endif
  (void)low, (void)size;
}

void sanitizer_on_stack_kept(const void* low, std::size_t size) {
  sanitizer_on_slab_stack_free(low, size);  // the same poison, for the same reason
}

}  // namespace rt::fiber::detail
