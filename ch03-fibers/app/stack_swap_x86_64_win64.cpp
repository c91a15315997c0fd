// call_on_stack for x86-64 Windows, GCC or Clang syntax (MinGW): see stack_swap.hpp.
// The differences from System V: the argument goes in rcx, the caller must leave 32 bytes
// of "home space" above the return address for the callee to spill its register
// arguments into, and fewer registers are scratch (rdi, rsi, xmm6-xmm15 are callee-saved).
#include "stack_swap.hpp"

// With AVX-512, xmm16-xmm31 and the mask registers k0-k7 exist and are caller-saved too
// (in both x86-64 conventions): the compiler may keep values there across the call unless
// told that the function may change them. Without -mavx512f the names are not accepted.
#if defined(__AVX512F__)
#define RT_AVX512_CLOBBERS                                                                      \
  "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25",     \
      "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "k0", "k1", "k2", "k3", "k4", "k5", \
      "k6", "k7",
#else
#define RT_AVX512_CLOBBERS
#endif

namespace ch03 {

void call_on_stack(std::byte* top, void (*function)(void*), void* argument) noexcept {
  asm volatile(
      "movq %%rsp, %%rbx\n\t"        // rbx is callee-saved: it survives the call
      "leaq -32(%[top]), %%rsp\n\t"  // 32 bytes of home space; still 16-byte aligned
      "movq %[argument], %%rcx\n\t"  // first integer argument: rcx
      "callq *%[function]\n\t"       // enters with rsp = 8 (mod 16), as the ABI requires
      "movq %%rbx, %%rsp\n\t"        // back on the thread's stack
      :
      : [top] "r"(top), [function] "r"(function), [argument] "r"(argument)
      // The Microsoft x64 convention's volatile registers, and rbx.
      : RT_AVX512_CLOBBERS "rbx", "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "xmm0", "xmm1",
        "xmm2", "xmm3", "xmm4", "xmm5", "memory", "cc");
}

// The function must stay simple on the buffer: the TEB still says the thread's stack is
// elsewhere, so anything that checks it (exception dispatch, __chkstk in MSVC builds) would
// object. switch_context fixes that by swapping the TEB's stack bounds.
const char* stack_swap_unavailable() noexcept {
  return nullptr;
}

}  // namespace ch03
