// What the sanitizers must be told about a context, kept out of the teaching path (STYLE
// rule 10): without RT_SANITIZE_ADDRESS or RT_SANITIZE_THREAD this is an empty struct and
// context.cpp's calls to its hooks compile to nothing.
//
// Why they must be told: AddressSanitizer tracks the bounds of "the" stack to check
// accesses and to unpoison it when an exception unwinds; ThreadSanitizer keeps a shadow
// call stack and happens-before clock per thread. A switch to another stack behind their
// backs makes both report nonsense. Their fiber APIs (sanitizer/common_interface_defs.h,
// sanitizer/tsan_interface.h) are called from src/sanitizer.cpp only.
#pragma once

#include <cstddef>

namespace rt::fiber::detail {

struct SanitizerState {
#if defined(RT_SANITIZE_ADDRESS)
  const void* stack_low = nullptr;  // this context's stack, as ASan must be told
  std::size_t stack_size = 0;       // (learned on first switch for a thread's own stack)
  void* fake_stack = nullptr;       // ASan's per-context fake stack (use-after-return)
#endif
#if defined(RT_SANITIZE_THREAD)
  void* tsan_fiber = nullptr;  // __tsan_create_fiber's handle; the thread's own: set lazily
#endif
};

}  // namespace rt::fiber::detail
