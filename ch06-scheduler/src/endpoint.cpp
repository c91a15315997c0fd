// MnFiber::park (endpoint.hpp): park, with an Alarm for the deadline.
#include "rt/sched/endpoint.hpp"

namespace rt::sched {

namespace {
struct DeadlineContext {
  rt::chan::WaitWord* word;
  Fiber* fiber;
};
// A worker, between fibers, at the deadline.
void on_deadline(void* context) {
  auto& deadline = *static_cast<DeadlineContext*>(context);
  if (rt::chan::try_end_wait(*deadline.word, MnFiber::kWaiting, rt::chan::WaitState::timed_out)) {
    unpark(*deadline.fiber);
  }
}
}  // namespace

// Called by the channel inside its region (NoPreemption, entered by every operation first).
void MnFiber::park(rt::chan::WaitWord& word, Parker& parker, rt::chan::Deadline deadline) {
  DeadlineContext context{&word, parker.fiber};
  Alarm alarm;  // cancelled when this returns: it never ends a later wait
  if (!deadline.is_never()) alarm.set(deadline.at, &on_deadline, &context);
  this_fiber::park();  // until the winner's one unpark
}

}  // namespace rt::sched
