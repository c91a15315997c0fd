// Spinning: the CPU's "I am spinning" hint, a backoff for waits of a few instructions (the
// unbounded queue's), and a spin lock for critical sections of a few instructions (a
// channel's waiter list). The one platform #if of the layer lives here.
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

// Waiting for another party to finish a few instructions: spin, and after kSpinsBeforeYield
// looks yield the CPU, since that party may be an OS thread the kernel preempted inside them.
class Backoff {
 public:
  void wait() noexcept {
    if (++spins_ < kSpinsBeforeYield) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }

 private:
  static constexpr int kSpinsBeforeYield = 64;
  int spins_ = 0;
};

// Test-and-test-and-set, with the Backoff above while the lock is held.
class SpinLock {
 public:
  void lock() noexcept {
    for (Backoff backoff;;) {
      // acquire: pairs with unlock()'s release.
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) backoff.wait();
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
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
