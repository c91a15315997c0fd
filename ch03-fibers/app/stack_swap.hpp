// `stack-swap`, the chapter's first step: the smallest possible stack switch. A few lines
// of inline assembly move the stack pointer onto a buffer we allocated, call a function
// there, and move it back. No registers are saved beyond what the compiler is told (the
// clobber list), no context survives the call: switch_context (src/asm/) is this idea
// made resumable.
//
// One implementation per calling convention, chosen in CMakeLists.txt (STYLE rule 3):
//   stack_swap_x86_64_sysv.cpp     Linux, macOS on x86-64
//   stack_swap_x86_64_win64.cpp    Windows x86-64 with GCC or Clang (MinGW, clang-cl)
//   stack_swap_aarch64_linux.cpp   Linux on ARM64 (x18 is an ordinary scratch register)
//   stack_swap_aarch64_x18.cpp     macOS and Windows on ARM64 (x18 belongs to the OS)
//   stack_swap_unavailable.cpp     MSVC, which has no inline assembly on x64 or ARM64
#pragma once

#include <cstddef>

namespace ch03 {

// Calls function(argument) with the stack pointer at `top` (the high end of a buffer,
// 16-byte aligned; the function's frames grow down from there), then returns on the
// caller's stack. Preconditions: the buffer below `top` is large enough for everything
// the function calls, and the function does not throw (no unwinder could walk from the
// buffer back to the caller's frames). Does nothing where stack_swap_unavailable() says
// why.
void call_on_stack(std::byte* top, void (*function)(void*), void* argument) noexcept;

// Null where call_on_stack works; otherwise the reason it does not.
const char* stack_swap_unavailable() noexcept;

}  // namespace ch03
