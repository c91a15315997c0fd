// macOS: the kernel's address-wait calls (__ulock_wait / __ulock_wake) are private API, and
// os_sync_wait_on_address is public only from macOS 14.4. libc++'s std::atomic<T>::wait is
// built on the ulock calls, so it is the documented way to reach them.
#include "rt/os/address_wait.hpp"

namespace rt::os {

void wait_on_address(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  word.wait(expected, std::memory_order_relaxed);  // the caller's acquire load follows
}

void wake_one(std::atomic<std::uint32_t>& word) {
  word.notify_one();
}

void wake_all(std::atomic<std::uint32_t>& word) {
  word.notify_all();
}

const char* address_wait_mechanism() {
  return "ulock (via std::atomic::wait)";
}

}  // namespace rt::os
