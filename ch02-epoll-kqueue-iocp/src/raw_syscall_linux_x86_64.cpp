// write(2) on Linux x86-64, by the `syscall` instruction.
//
//   rax  system call number (write = 1)        -> return value, or -errno (-4095..-1)
//   rdi  argument 1: descriptor
//   rsi  argument 2: buffer
//   rdx  argument 3: byte count
//   rcx  destroyed: the CPU saves the return address (rip) there
//   r11  destroyed: the CPU saves rflags there
// Everything else is preserved by the kernel. "memory": the kernel reads the buffer, so the
// compiler must have stored it before the instruction (and may not cache memory across it).
#include "rt/sys/raw_syscall.hpp"

#if !defined(__linux__) || !defined(__x86_64__)
#error "raw_syscall_linux_x86_64.cpp is for Linux x86-64 only (chosen in CMakeLists.txt)"
#endif

namespace rt::sys {

namespace {
constexpr long kWrite = 1;  // arch/x86/entry/syscalls/syscall_64.tbl
}

long raw_write(int descriptor, const void* data, unsigned long size) noexcept {
  long result;
  asm volatile("syscall"
               : "=a"(result)
               : "a"(kWrite), "D"(static_cast<long>(descriptor)), "S"(data), "d"(size)
               : "rcx", "r11", "memory");
  return result;
}

const char* raw_write_convention() noexcept {
  return "`syscall` with rax=1 (write), rdi=descriptor, rsi=buffer, rdx=count";
}

}  // namespace rt::sys
