// A fiber waiting for one socket operation, with a deadline: the parking protocol of
// loop_impl.hpp, from the fiber's side (await) and from the loop's (request_cancel, wake_up).
#include <cassert>

#include "loop_impl.hpp"
#include "rt/net/errors.hpp"

namespace rt::net {

void Loop::Impl::link(Waiter& waiter) noexcept {
  waiter.next = waiters;
  if (waiters != nullptr) waiters->previous = &waiter;
  waiters = &waiter;
}

void Loop::Impl::unlink(Waiter& waiter) noexcept {
  if (waiter.previous != nullptr) waiter.previous->next = waiter.next;
  if (waiter.next != nullptr) waiter.next->previous = waiter.previous;
  if (waiters == &waiter) waiters = waiter.next;
}

void Loop::Impl::wake_up(Waiter& waiter) {
  assert(waiter.state == Waiter::State::parked && "a Waiter is woken once");
  waiter.state = Waiter::State::woken;
  scheduler.unpark(*waiter.fiber);
}

void Loop::Impl::request_cancel(Waiter& waiter, Waiter::Reason reason) {
  if (waiter.state != Waiter::State::parked) return;  // woken already: it will see why
  // A shutdown overrides a timeout asked for earlier (IOCP: still waiting for the
  // completion); otherwise the first reason stays.
  if (waiter.reason == Waiter::Reason::none || reason == Waiter::Reason::cancelled) {
    waiter.reason = reason;
  }
  if (waiter.operation == nullptr) {  // a sleep
    timers.remove(waiter.timer);
    wake_up(waiter);
    return;
  }
  if (waiter.cancel_requested) return;  // IOCP: the kernel was asked; its completion comes
  waiter.cancel_requested = true;
  // Readiness backends finish the operation now (true); IOCP finishes it when the cancelled
  // completion is dequeued, and handle() wakes the fiber then. The operation may also have
  // succeeded in the meantime: then it finishes with its data, and the data wins.
  if (waiter.io->cancel(*waiter.operation)) wake_up(waiter);
}

void Loop::Impl::spend_budget() {
  rt::fiber::Fiber* fiber = &rt::fiber::this_fiber::current();
  if (fiber != budget_owner) {
    budget_owner = fiber;
    budget_left = budget;
  }
  if (--budget_left > 0) return;
  budget_owner = nullptr;
  ++stats.deferrals;
  deferred.push_back(fiber);
  rt::fiber::this_fiber::park();  // until run() unparks it, after the next poll
}

void Loop::Impl::await(rt::poll::IoSocket& io, rt::poll::Operation& operation, Deadline deadline,
                       std::string_view call, Publication* published) {
  check_on_fiber("a socket call");
  if (cancelling) throw Cancelled(call);
  const Clock::time_point started = Clock::now();
  if (io.start(operation)) {  // finished at once (readiness backends, data there)
    spend_budget();
    return;
  }
  budget_owner = nullptr;  // it blocks: a full budget when it comes back

  Waiter waiter;
  waiter.fiber = &rt::fiber::this_fiber::current();
  waiter.io = &io;
  waiter.operation = &operation;
  operation.set_context(&waiter);
  if (deadline.at) {
    waiter.timer.deadline = *deadline.at;
    waiter.timer.waiter = &waiter;
    timers.push(waiter.timer);
  }
  link(waiter);
  if (published != nullptr) {
    published->parked = &waiter;
    if (published->closed) request_cancel(waiter, Waiter::Reason::closed);  // see reactor.hpp
  }

  rt::fiber::this_fiber::park();  // until the operation finished (loop_impl.hpp)

  assert(waiter.state == Waiter::State::woken);
  assert(operation.state() == rt::poll::Operation::State::finished);
  if (published != nullptr) published->parked = nullptr;
  unlink(waiter);
  timers.remove(waiter.timer);  // O(log n); a no-op if it fired
  switch (waiter.reason) {
    case Waiter::Reason::cancelled:
      throw Cancelled(call);
    case Waiter::Reason::closed:
      throw Cancelled(call, "the listener was closed");
    case Waiter::Reason::timed_out:
      // Only if the cancel took effect: an operation that finished first keeps its result.
      if (rt::poll::is_cancelled(operation.error())) {
        Clock::duration after = deadline.budget;
        if (after == Clock::duration::zero() && *deadline.at > started) {
          after = *deadline.at - started;
        }
        throw TimedOut(call, after);
      }
      return;
    case Waiter::Reason::none:
      return;
  }
}

}  // namespace rt::net
