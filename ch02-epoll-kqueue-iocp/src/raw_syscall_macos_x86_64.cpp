// write(2) on macOS x86-64, by the `syscall` instruction.
//
//   rax  number: class << 24 | number; BSD calls are class 2, write is 4 -> 0x2000004
//        -> return value; on error the carry flag is set and rax holds errno (positive)
//   rdi  argument 1: descriptor
//   rsi  argument 2: buffer
//   rdx  argument 3: byte count; also a second return value for some calls, so clobbered
//   rcx, r11  destroyed by the instruction (return address and rflags), as on Linux
// The carry flag, not a negative return, signals failure (the BSD convention); the code
// below turns it into -errno so that every target reports errors alike.
//
// Needs no macOS SDK header: tools/check-targets.sh compiles it with
// clang --target=x86_64-apple-macos11 on Linux.
#include "rt/sys/raw_syscall.hpp"

#if !defined(__APPLE__) || !defined(__x86_64__)
#error "raw_syscall_macos_x86_64.cpp is for macOS x86-64 only (chosen in CMakeLists.txt)"
#endif

namespace rt::sys {

namespace {
constexpr long kWrite = (2L << 24) | 4;  // SYSCALL_CLASS_UNIX, SYS_write (xnu syscalls.master)
}

long raw_write(int descriptor, const void* data, unsigned long size) noexcept {
  long result;
  unsigned long count = size;
  asm volatile(
      "syscall\n\t"
      "jnc 1f\n\t"        // carry clear: success, rax is the count
      "negq %[result]\n"  // carry set: rax is errno; report -errno
      "1:"
      : [result] "=a"(result), "+d"(count)
      : "a"(kWrite), "D"(static_cast<long>(descriptor)), "S"(data)
      : "rcx", "r11", "cc", "memory");
  return result;
}

const char* raw_write_convention() noexcept {
  return "`syscall` with rax=0x2000004 (BSD class, write), rdi=descriptor, rsi=buffer, "
         "rdx=count; carry flag = error";
}

}  // namespace rt::sys
