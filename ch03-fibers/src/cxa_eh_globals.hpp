// The Itanium C++ ABI's per-thread exception globals, declared here because no standard
// header declares them: <cxxabi.h> has __cxa_get_globals on libstdc++ and libc++abi, but not
// the struct's fields, which each runtime keeps in a private header (libstdc++'s
// unwind-cxx.h, libc++abi's cxa_exception.h). The ABI fixes them (Itanium C++ ABI,
// "Exception Handling", 2.2.2):
//
//   struct __cxa_eh_globals {
//     __cxa_exception* caughtExceptions;  // the exceptions being handled, innermost first
//     unsigned int uncaughtExceptions;    // thrown, not yet caught
//   };
//
// Both runtimes add a third field, propagatingExceptions, on 32-bit ARM only (ARM EHABI:
// __ARM_EABI_UNWINDER__ in libstdc++, _LIBCXXABI_ARM_EHABI in libc++abi). AArch64 unwinds
// with DWARF tables like x86-64 and has the two fields above; so has MinGW-w64's libstdc++,
// which unwinds with Windows' SEH tables but keeps the same globals. Included only by
// exception_state_itanium.cpp.
#pragma once

#include <cstddef>

#if defined(__arm__) || defined(__ARM_EABI_UNWINDER__)
#error "32-bit ARM EHABI adds propagatingExceptions to __cxa_eh_globals: not handled here"
#endif

// Declared as <cxxabi.h> declares it, so that a translation unit that includes both agrees.
namespace __cxxabiv1 {
struct __cxa_eh_globals;
extern "C" __cxa_eh_globals* __cxa_get_globals() noexcept;
}  // namespace __cxxabiv1

namespace rt::fiber::detail {

// The layout above, under names of our own (the runtime's type stays incomplete here).
struct CxaEhGlobals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};
static_assert(offsetof(CxaEhGlobals, caught_exceptions) == 0);
static_assert(offsetof(CxaEhGlobals, uncaught_exceptions) == sizeof(void*));

inline CxaEhGlobals* cxa_eh_globals() noexcept {
  return reinterpret_cast<CxaEhGlobals*>(__cxxabiv1::__cxa_get_globals());
}

}  // namespace rt::fiber::detail
