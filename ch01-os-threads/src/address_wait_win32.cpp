// WaitOnAddress (Windows 8+, in the Synchronization API set): compares the bytes at the
// address with `expected` and sleeps if they are equal, atomically with respect to
// WakeByAddress*; the Windows counterpart of the futex.
#include <windows.h>

#include <algorithm>
#include <cstdint>

#include "rt/error.hpp"
#include "rt/os/address_wait.hpp"

namespace rt::os {

void wait_on_address(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  // Returns FALSE with ERROR_TIMEOUT only for finite timeouts; any other FALSE is an error.
  if (!WaitOnAddress(&word, &expected, sizeof expected, INFINITE)) {
    throw_last_error("WaitOnAddress");
  }
}

bool wait_on_address_until(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                           std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono;
  const auto left = deadline - steady_clock::now();
  if (left <= steady_clock::duration::zero()) return false;
  // Milliseconds, rounded up (rounding down would wake early and wait again); INFINITE is
  // 0xFFFFFFFF, so a very distant deadline waits in slices just below it.
  const auto ms = std::min<std::int64_t>(ceil<milliseconds>(left).count(), INFINITE - 1);
  if (!WaitOnAddress(&word, &expected, sizeof expected, static_cast<DWORD>(ms)) &&
      GetLastError() != ERROR_TIMEOUT) {
    throw_last_error("WaitOnAddress");
  }
  return steady_clock::now() < deadline;
}

void wake_one(std::atomic<std::uint32_t>& word) {
  WakeByAddressSingle(&word);
}

void wake_all(std::atomic<std::uint32_t>& word) {
  WakeByAddressAll(&word);
}

const char* address_wait_mechanism() {
  return "WaitOnAddress";
}

}  // namespace rt::os
