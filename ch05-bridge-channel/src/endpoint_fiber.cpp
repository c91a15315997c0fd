// The Fiber kinds (endpoint.hpp): a fiber parks on its loop, and is woken through the run
// queue (same loop) or the loop's inbox (any other thread).
#include "rt/chan/endpoint.hpp"

#include "rt/fiber/scheduler.hpp"
#include "rt/net/timer.hpp"

namespace rt::chan {

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
