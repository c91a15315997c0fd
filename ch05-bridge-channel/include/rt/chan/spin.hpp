// Spinning: the CPU's "I am spinning" hint, and a spin lock for critical sections of a few
// instructions (a channel's waiter list). The one platform #if of the layer lives here.
#pragma once

#include <atomic>
#include <thread>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#endif

namespace rt::chan {

// Tells the CPU this is a spin loop: x86 `pause` (lets the sibling hyperthread run, and avoids
// the memory-order mis-speculation penalty on exit), AArch64 `yield`.
inline void cpu_relax() noexcept {
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  _mm_pause();
#elif defined(_MSC_VER) && defined(_M_ARM64)
  __yield();
#elif defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Test-and-test-and-set. After kSpinsBeforeYield failed looks it yields the CPU: the holder
// may be an OS thread the kernel preempted inside its few instructions.
class SpinLock {
 public:
  void lock() noexcept {
    for (int spins = 0;;) {
      // acquire: pairs with unlock()'s release.
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < kSpinsBeforeYield) {
          cpu_relax();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  static constexpr int kSpinsBeforeYield = 64;
  std::atomic<bool> locked_{false};
};

class SpinGuard {
 public:
  explicit SpinGuard(SpinLock& lock) noexcept : lock_(lock) { lock_.lock(); }
  ~SpinGuard() { lock_.unlock(); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace rt::chan
