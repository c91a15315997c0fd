// WaitOnAddress (Windows 8+, in the Synchronization API set): compares the bytes at the
// address with `expected` and sleeps if they are equal, atomically with respect to
// WakeByAddress*; the Windows counterpart of the futex.
#include <windows.h>

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
