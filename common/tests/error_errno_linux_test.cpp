// throw_errno reports the errno of the failed call, even when the allocations that building
// the exception needs change errno. Under memory pressure glibc's malloc can fail an mmap,
// fall back, succeed, and leave errno at ENOMEM; here the exception allocator is made to do
// exactly that. Linux only: it interposes libstdc++'s shared __cxa_allocate_exception, which
// a statically linked C++ runtime (MinGW) would not let us replace.
#include <dlfcn.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstddef>

#include "rt/error.hpp"

namespace {
// Armed by the test only; relaxed: one thread.
std::atomic<bool> g_clobber_errno{false};
}  // namespace

extern "C" void* __cxa_allocate_exception(std::size_t size) noexcept {
  using Allocate = void* (*)(std::size_t) noexcept;
  static const auto real = reinterpret_cast<Allocate>(dlsym(RTLD_NEXT, "__cxa_allocate_exception"));
  void* memory = real(size);
  if (g_clobber_errno.load(std::memory_order_relaxed)) errno = ENOMEM;
  return memory;
}

TEST(OsErrorLinux, ThrowErrnoKeepsTheCallersErrnoWhenAllocatingTheExceptionChangesIt) {
  g_clobber_errno.store(true, std::memory_order_relaxed);
  int code = 0;
  try {
    errno = EAGAIN;
    rt::throw_errno("accept");
  } catch (const rt::OsError& e) {
    code = e.code();
  }
  g_clobber_errno.store(false, std::memory_order_relaxed);
  EXPECT_EQ(code, EAGAIN) << "got " << rt::errno_text(code);
}
