// write(2) on macOS ARM64 (Apple silicon), by the `svc #0x80` instruction.
//
//   x16  system call number (write = 4; negative numbers are Mach traps)
//   x0   argument 1: descriptor   -> return value; on error the carry flag is set and x0
//                                    holds errno (positive)
//   x1   argument 2: buffer       -> a second return value for some calls, so clobbered
//   x2   argument 3: byte count
// The immediate #0x80 is what xnu expects (Linux uses #0; the kernel ignores it there).
// x18 is reserved by Apple's ABI and never touched. The carry flag, not a negative return,
// signals failure (the BSD convention); the code turns it into -errno like the other
// targets.
//
// Needs no macOS SDK header: tools/check-targets.sh compiles it with
// clang --target=arm64-apple-macos11 on Linux.
#include "rt/sys/raw_syscall.hpp"

#if !defined(__APPLE__) || !defined(__aarch64__)
#error "raw_syscall_macos_aarch64.cpp is for macOS ARM64 only (chosen in CMakeLists.txt)"
#endif

namespace rt::sys {

namespace {
constexpr long kWrite = 4;  // SYS_write (xnu bsd/kern/syscalls.master)
}

long raw_write(int descriptor, const void* data, unsigned long size) noexcept {
  register long number asm("x16") = kWrite;
  register long x0 asm("x0") = descriptor;
  register const void* x1 asm("x1") = data;
  register unsigned long x2 asm("x2") = size;
  asm volatile(
      "svc #0x80\n\t"
      "b.cc 1f\n\t"                 // carry clear: success, x0 is the count
      "neg %[result], %[result]\n"  // carry set: x0 is errno; report -errno
      "1:"
      : [result] "+r"(x0), "+r"(x1)
      : "r"(number), "r"(x2)
      : "cc", "memory");
  return x0;
}

const char* raw_write_convention() noexcept {
  return "`svc #0x80` with x16=4 (write), x0=descriptor, x1=buffer, x2=count; carry = error";
}

}  // namespace rt::sys
