// futex(2): the kernel compares *word with `expected` and sleeps in one step, under the
// lock of the kernel's hash bucket for that address; FUTEX_WAKE takes the same lock. That is
// why a wake between the caller's check and its sleep cannot be lost.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "rt/error.hpp"
#include "rt/os/address_wait.hpp"

namespace rt::os {

namespace {

long futex(std::atomic<std::uint32_t>& word, int op, std::uint32_t value) {
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  // PRIVATE: the word is not shared with other processes, which lets the kernel skip the
  // lookup of the page's backing object.
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op | FUTEX_PRIVATE_FLAG, value,
                 nullptr, nullptr, 0);
}

}  // namespace

void wait_on_address(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  if (futex(word, FUTEX_WAIT, expected) == -1 && errno != EAGAIN && errno != EINTR) {
    // EAGAIN: the word no longer held `expected`; EINTR: a signal. Both are ordinary returns.
    throw_errno("futex(FUTEX_WAIT)");
  }
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
