// The Thread kind (endpoint.hpp): an OS thread parks on its waiter word with the OS address
// wait, and is woken by the address wake. Chapter 5's lab ch05-thread-park rebuilds this file.
#include "rt/chan/endpoint.hpp"

#include "rt/fiber/scheduler.hpp"
#include "rt/os/address_wait.hpp"

namespace rt::chan {

bool Thread::caller_is_this_kind() noexcept {
  return !rt::fiber::this_fiber::on_fiber();
}

void Thread::park(WaitWord& word, Parker&, Deadline deadline) {
  const std::uint32_t waiting = raw(kWaiting);
  // acquire: pairs with the winner's acq_rel CAS (what it wrote before is visible after).
  while (word.load(std::memory_order_acquire) == waiting) {
    if (deadline.is_never()) {
      rt::os::wait_on_address(word, waiting);
    } else if (!rt::os::wait_on_address_until(word, waiting, deadline.at)) {
      // The deadline passed: end the wait ourselves, unless someone ended it first. Either
      // way the word is no longer `waiting` after this, and the loop ends.
      try_end_wait(word, kWaiting, WaitState::timed_out);
    }
  }
}

bool Thread::unpark_from_other_thread(WaitWord& word, Parker&) noexcept {
  // The owner may already have seen the new word and left: wake_one passes the word's
  // address to the kernel and reads nothing through it (a stale address at worst wakes a
  // sleeper on a reused address spuriously, which every address wait tolerates).
  rt::os::wake_one(word);
  return true;
}

}  // namespace rt::chan
