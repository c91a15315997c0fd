// write(2) on Linux ARM64 (AArch64), by the `svc #0` instruction.
//
//   x8   system call number (write = 64, from the generic table every new port uses)
//   x0   argument 1: descriptor                -> return value, or -errno
//   x1   argument 2: buffer
//   x2   argument 3: byte count
// The kernel preserves every other register (x18 included; it is never touched here).
// "memory": the kernel reads the buffer, so it must be stored before the instruction.
//
// Explicit register variables are how GCC and Clang pin an operand to a named register on
// AArch64 (there are no single-register constraint letters as on x86); they are
// guaranteed to hold their value only as operands of the asm statement, which is the only
// place they are used.
#include "rt/sys/raw_syscall.hpp"

#if !defined(__linux__) || !defined(__aarch64__)
#error "raw_syscall_linux_aarch64.cpp is for Linux ARM64 only (chosen in CMakeLists.txt)"
#endif

namespace rt::sys {

namespace {
constexpr long kWrite = 64;  // include/uapi/asm-generic/unistd.h
}

long raw_write(int descriptor, const void* data, unsigned long size) noexcept {
  register long number asm("x8") = kWrite;
  register long x0 asm("x0") = descriptor;
  register const void* x1 asm("x1") = data;
  register unsigned long x2 asm("x2") = size;
  asm volatile("svc #0" : "+r"(x0) : "r"(number), "r"(x1), "r"(x2) : "memory");
  return x0;
}

const char* raw_write_convention() noexcept {
  return "`svc #0` with x8=64 (write), x0=descriptor, x1=buffer, x2=count";
}

}  // namespace rt::sys
