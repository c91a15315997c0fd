// One system call made by hand: write(2) as the CPU instruction that enters the kernel, with
// no C library in between. Four targets, one file each, each with its register convention
// drawn at the top:
//   raw_syscall_linux_x86_64.cpp    syscall     number in rax
//   raw_syscall_linux_aarch64.cpp   svc #0      number in x8
//   raw_syscall_macos_x86_64.cpp    syscall     number in rax, with the BSD class 0x2000000
//   raw_syscall_macos_aarch64.cpp   svc #0x80   number in x16
//
// How stable is this? Linux promises its system call ABI to user space: numbers and
// registers never change, which is why Go and static binaries may call it directly. macOS
// makes no such promise (only libSystem is the supported interface; Go moved its macOS
// port onto libSystem in Go 1.11 for that reason), though write has been number 4 since
// the first release. Windows changes its numbers between builds, so there is no Windows
// file: write.hpp uses the documented WriteFile there.
//
// This header includes nothing, so the macOS files can be compiled on a machine without the
// macOS SDK (tools/check-targets.sh).
#pragma once

namespace rt::sys {

// Writes `size` bytes from `data` to descriptor `descriptor` through the system call
// instruction. Returns the number of bytes written (possibly fewer than `size`, like
// write(2)), or a negative errno: -9 (EBADF) for a descriptor that is not open. Never sets
// errno, never retries, never raises SIGPIPE handling of its own. Only defined on the four
// targets above.
long raw_write(int descriptor, const void* data, unsigned long size) noexcept;

// The instruction and registers this target uses, for the demo's output.
const char* raw_write_convention() noexcept;

}  // namespace rt::sys
