// call_on_stack for x86-64 System V (Linux, macOS): see stack_swap.hpp.
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
      // rbx is callee-saved: `function` must give it back unchanged, so it can hold our
      // own stack pointer across the call. (Listed as clobbered below: the compiler saves
      // whatever it kept in rbx.)
      "movq %%rsp, %%rbx\n\t"
      // From here on every push and call uses the buffer. `top` is 16-byte aligned; the
      // call pushes 8 bytes, so the function starts with rsp = 8 (mod 16), as after any
      // call the ABI allows. Whatever the compiler keeps in the red zone below our old rsp
      // is safe: nothing is pushed there any more.
      "movq %[top], %%rsp\n\t"
      "movq %[argument], %%rdi\n\t"  // first integer argument: rdi
      "callq *%[function]\n\t"       // the return address lands in the buffer too
      "movq %%rbx, %%rsp\n\t"        // back on the thread's stack, exactly where we left it
      :
      : [top] "r"(top), [function] "r"(function), [argument] "r"(argument)
      // Everything the function may change (caller-saved in System V), and rbx, which we
      // used. The inputs therefore live in registers the function preserves (r12-r15).
      : RT_AVX512_CLOBBERS "rbx", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
        "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
}

const char* stack_swap_unavailable() noexcept {
  return nullptr;
}

}  // namespace ch03
