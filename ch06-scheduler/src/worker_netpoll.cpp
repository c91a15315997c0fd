// A worker's side of the netpoller (netpoll.hpp): sleeping in the poller instead of on its
// word, polling on its way to stealing, and queueing what a poll readied.
#include <algorithm>
#include <chrono>
#include <optional>

#include "rt/fence.hpp"
#include "runtime_impl.hpp"

namespace rt::sched::detail {

bool Worker::wait_in_poller(rt::Clock::time_point until) {
  // Say where we sleep, then look at the word (wake_worker does the opposite, fenced alike).
  in_poller.store(true, std::memory_order_relaxed);
  rt::store_load_fence();
  std::optional<std::chrono::milliseconds> timeout;  // none: until an event or a wake
  if (until != rt::Clock::time_point::max()) {
    // Rounded up: rounding down would wake early and sleep again.
    timeout = std::chrono::ceil<std::chrono::milliseconds>(
        std::max(until - rt::Clock::now(), rt::Clock::duration::zero()));
  }
  const std::int64_t started = runtime.tracing ? runtime.trace_now() : 0;
  polled.clear();
  // (sleep_in_poll reads our word once the poll is its own: 1 makes it a poll that does not
  // block.)
  const bool polled_now = runtime.net->sleep_in_poll(timeout, polled, wake_word);
  in_poller.store(false, std::memory_order_relaxed);
  if (!polled_now) {
    // Another worker polls: sleep on the word instead. The fence: a waker that still saw us
    // in the poller woke the poller, not the word; our next read of the word must see its 1.
    rt::store_load_fence();
    return false;
  }
  count_own(sleeps);
  if (runtime.tracing) record({TraceEvent::Kind::sleep, started, runtime.trace_now()});
  // Awake for whichever reason (an event, a wake, the timer): off the list, as wait_for_wake.
  wake_word.exchange(0, std::memory_order_acquire);
  {
    std::lock_guard guard(runtime.lock);
    runtime.remove_idle(*this);
  }
  if (Fiber* first = queue_polled()) push_local(first);  // find_runnable takes it next
  return true;
}

Fiber* Worker::poll_network(std::optional<std::chrono::milliseconds> timeout) {
  polled.clear();
  if (!runtime.net->try_poll(timeout, polled)) return nullptr;
  return queue_polled();
}

// Go's injectglist, for the fibers one poll readied: the first is returned to run here, the
// others go to our ring, and a worker is woken to take some if there are any.
Fiber* Worker::queue_polled() {
  Fiber* first = nullptr;
  bool queued = false;
  for (Fiber* fiber : polled) {
    if (!claim_parked(*fiber)) continue;  // still parking: its worker runs it again itself
    if (runtime.tracing) {
      const std::int64_t now = runtime.trace_now();
      record({TraceEvent::Kind::netpoll, now, now, fiber->id});
    }
    if (first == nullptr) {
      first = fiber;
    } else {
      push_local(fiber);
      queued = true;
    }
  }
  if (queued) runtime.wakep();
  return first;
}

}  // namespace rt::sched::detail
