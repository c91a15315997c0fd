// Lab ch02-raw-write: write(2) on Linux by the system call instruction, for x86-64 or ARM64
// (the lab copies this stub to the file your CPU builds). It compiles and links, so the rest
// of chapter 2 builds; calling it stops the process with a pointer to the lab's README.
// Replace both bodies (README.md, "Steps").
#include "rt/lab.hpp"
#include "rt/sys/raw_syscall.hpp"

namespace rt::sys {

long raw_write(int /*descriptor*/, const void* /*data*/, unsigned long /*size*/) noexcept {
  lab_not_implemented("ch02-epoll-kqueue-iocp/labs/ch02-raw-write/README.md", "rt::sys::raw_write");
}

const char* raw_write_convention() noexcept {
  lab_not_implemented("ch02-epoll-kqueue-iocp/labs/ch02-raw-write/README.md",
                      "rt::sys::raw_write_convention");
}

}  // namespace rt::sys
