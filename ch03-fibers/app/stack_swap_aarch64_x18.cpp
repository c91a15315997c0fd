// call_on_stack for ARM64 macOS and Windows: see stack_swap.hpp. x18 belongs to the OS
// there (the TEB pointer on Windows): it is never named here, and never touched.
#include "stack_swap.hpp"

namespace ch03 {

void call_on_stack(std::byte* top, void (*function)(void*), void* argument) noexcept {
  asm volatile(
      // x19 is callee-saved: the function gives it back, so it holds our stack pointer.
      "mov x19, sp\n\t"
      // sp must be 16-byte aligned whenever it is used (the CPU checks it), and `top` is.
      // Unlike x86, a call pushes nothing: blr puts the return address in x30.
      "mov sp, %[top]\n\t"
      "mov x0, %[argument]\n\t"  // first argument: x0
      "blr %[function]\n\t"
      "mov sp, x19\n\t"  // back on the thread's stack
      :
      : [top] "r"(top), [function] "r"(function), [argument] "r"(argument)
      // AAPCS64's scratch registers (x0-x17, x30), the parts of v0-v31 a callee need not
      // preserve (all of v0-v7 and v16-v31; the upper halves of v8-v15), and x19.
      : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
        "x14", "x15", "x16", "x17", "x19", "x30", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7",
        "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20",
        "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31", "memory",
        "cc");
}

const char* stack_swap_unavailable() noexcept {
  return nullptr;
}

}  // namespace ch03
