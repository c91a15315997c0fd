// Sleeping fibers (timer.hpp): a Waiter with a timer and no operation.
#include <cassert>

#include "loop_impl.hpp"
#include "rt/net/errors.hpp"

namespace rt::net {

void Loop::Impl::sleep_until(Clock::time_point deadline) {
  check_on_fiber("sleep");
  if (cancelling) throw Cancelled("sleep");
  if (deadline <= Clock::now()) {
    rt::fiber::this_fiber::yield();  // due already: let the others run once, no timer
    return;
  }
  budget_owner = nullptr;  // it sleeps: a full budget when it wakes
  Waiter waiter;
  waiter.fiber = &rt::fiber::this_fiber::current();
  waiter.timer.deadline = deadline;
  waiter.timer.waiter = &waiter;
  timers.push(waiter.timer);
  link(waiter);

  rt::fiber::this_fiber::park();  // until the timer fired or cancel_all()

  assert(waiter.state == Waiter::State::woken);
  assert(!waiter.timer.queued());
  unlink(waiter);
  if (waiter.reason == Waiter::Reason::cancelled) throw Cancelled("sleep");
}

void Alarm::set(Loop& loop, Clock::time_point at, void (*on_fire)(void*), void* context) {
  Loop::Impl& impl = loop.impl();
  if (Loop::current_or_null() != &loop) fail_misuse("Alarm::set called off the loop's thread");
  assert(!timer_.queued());
  loop_ = &loop;
  timer_.deadline = at;
  timer_.waiter = nullptr;
  timer_.on_fire = on_fire;
  timer_.context = context;
  impl.timers.push(timer_);
}

void Alarm::cancel() noexcept {
  if (loop_ != nullptr) loop_->impl().timers.remove(timer_);  // a no-op once it fired
}

void sleep_until(Clock::time_point t) {
  current_reactor("sleep_until").sleep_until(t);
}

void sleep_for(Clock::duration d) {
  // now + d, not a relative timer: "never before its deadline by Clock" (timer.hpp).
  current_reactor("sleep_for").sleep_until(Clock::now() + d);
}

}  // namespace rt::net
