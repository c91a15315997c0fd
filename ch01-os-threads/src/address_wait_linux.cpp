// futex(2): the kernel compares *word with `expected` and sleeps in one step, under the
// lock of the kernel's hash bucket for that address; FUTEX_WAKE takes the same lock. That is
// why a wake between the caller's check and its sleep cannot be lost.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

#include "rt/error.hpp"
#include "rt/os/address_wait.hpp"

namespace rt::os {

namespace {

long futex(std::atomic<std::uint32_t>& word, int op, std::uint32_t value,
           const timespec* timeout = nullptr, std::uint32_t bitset = 0) {
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  // PRIVATE: the word is not shared with other processes, which lets the kernel skip the
  // lookup of the page's backing object.
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op | FUTEX_PRIVATE_FLAG, value,
                 timeout, nullptr, bitset);
}

}  // namespace

void wait_on_address(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  if (futex(word, FUTEX_WAIT, expected) == -1 && errno != EAGAIN && errno != EINTR) {
    // EAGAIN: the word no longer held `expected`; EINTR: a signal. Both are ordinary returns.
    throw_errno("futex(FUTEX_WAIT)");
  }
}

bool wait_on_address_until(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                           std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono;
  if (steady_clock::now() >= deadline) return false;
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time (plain FUTEX_WAIT a relative
  // one, which a preempted caller would overstate); libstdc++'s and libc++'s steady_clock
  // read CLOCK_MONOTONIC on Linux, so the deadline converts as is.
  const auto since_epoch = deadline.time_since_epoch();
  const auto whole = duration_cast<seconds>(since_epoch);
  const timespec at{static_cast<time_t>(whole.count()),
                    static_cast<long>(duration_cast<nanoseconds>(since_epoch - whole).count())};
  if (futex(word, FUTEX_WAIT_BITSET, expected, &at, FUTEX_BITSET_MATCH_ANY) == -1 &&
      errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT) {
    throw_errno("futex(FUTEX_WAIT_BITSET)");
  }
  return steady_clock::now() < deadline;
}

void wake_one(std::atomic<std::uint32_t>& word) {
  futex(word, FUTEX_WAKE, 1);
}

void wake_all(std::atomic<std::uint32_t>& word) {
  futex(word, FUTEX_WAKE, INT_MAX);
}

const char* address_wait_mechanism() {
  return "futex";
}

}  // namespace rt::os
