// The endpoint kinds' parking and waking (endpoint.hpp).
#include "rt/chan/endpoint.hpp"
#include "rt/chan/mode.hpp"
#include "rt/chan/wait.hpp"

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "rt/fiber/scheduler.hpp"
#include "rt/net/timer.hpp"
#include "rt/os/address_wait.hpp"

namespace rt::chan {

void fail_misuse(const char* message, const char* detail) {
  std::fprintf(stderr, "rt::chan: %s%s\n", message, detail);
  std::fflush(stderr);
  std::abort();
}

void fail_wrong_caller(const char* call, const char* mode, const char* expected) {
  const char* caller = rt::fiber::this_fiber::on_fiber() ? "a fiber" : "a thread";
  std::fprintf(stderr, "rt::chan: %s called by %s on a %s channel, whose side for it is a %s\n",
               call, caller, mode, expected);
  std::fflush(stderr);
  std::abort();
}

bool spin_before_park() noexcept {
  static const bool more_than_one_cpu = std::thread::hardware_concurrency() > 1;
  return more_than_one_cpu;
}

// ---- Thread ----

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

// ---- Fiber ----

bool Fiber::caller_is_this_kind() noexcept {
  return rt::fiber::this_fiber::on_fiber() && rt::net::Loop::current_or_null() != nullptr;
}

void Fiber::prepare(Parker& parker) noexcept {
  parker.loop = rt::net::Loop::current_or_null();
  parker.fiber = &rt::fiber::this_fiber::current();
  parker.request.fiber = parker.fiber;
}

namespace {
struct DeadlineContext {
  WaitWord* word;
  Fiber::Parker* parker;
};
// The loop's thread, between fibers, at the deadline: the fiber is parked.
void on_fiber_deadline(void* context) {
  auto& deadline = *static_cast<DeadlineContext*>(context);
  if (try_end_wait(*deadline.word, WaitState::fiber_waiting, WaitState::timed_out)) {
    deadline.parker->loop->unpark_here(*deadline.parker->fiber);
  }
}
}  // namespace

void Fiber::park(WaitWord& word, Parker& parker, Deadline deadline) {
  DeadlineContext context{&word, &parker};
  rt::net::Alarm alarm;  // cancelled when this returns: it never ends a later wait
  if (!deadline.is_never()) alarm.set(*parker.loop, deadline.at, on_fiber_deadline, &context);
  rt::fiber::this_fiber::park();  // until the winner's one unpark
}

void Fiber::take_stale_unpark(Parker&) {
  rt::fiber::this_fiber::park();  // the winner's unpark is in the loop's inbox, or will be
}

bool Fiber::unpark_from_own_thread(WaitWord&, Parker& parker) noexcept {
  if (rt::net::Loop::current_or_null() != parker.loop) {
    fail_misuse(
        "a fiber-to-fiber channel was used by fibers of two loops; declare its kinds "
        "FiberOnAnyLoop");
  }
  parker.loop->unpark_here(*parker.fiber);
  return false;
}

bool Fiber::unpark_from_other_thread(WaitWord&, Parker& parker) noexcept {
  return parker.loop->unpark_from_any_thread(parker.request);
}

bool Fiber::unpark_from_any_thread(WaitWord& word, Parker& parker) noexcept {
  if (rt::net::Loop::current_or_null() == parker.loop) return unpark_from_own_thread(word, parker);
  return unpark_from_other_thread(word, parker);
}

}  // namespace rt::chan
