// A worker's loop: find a fiber (its own queue, the global queue, another worker's), and sleep
// when there is none (runtime_impl.hpp; README, "Design note", argues the protocol); and what
// happens to a fiber after its run (commit_park, finish). The machine that runs the loop and
// the fibers is in machine.cpp.
#include <chrono>
#include <thread>
#include <utility>

#include "rt/fence.hpp"
#include "rt/os/address_wait.hpp"
#include "runtime_impl.hpp"

namespace rt::sched::detail {

// ---- the worker ----

Worker::Worker(RuntimeImpl& runtime_, int index_)
    : runtime(runtime_),
      index(index_),
      random_state(0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(index_ + 1)) {}

// Whoever becomes a spinner also answers a pending need_spinning (Go's becomeSpinning).
void Worker::start_spinning() {
  spinning = true;
  runtime.spinning.fetch_add(1, std::memory_order_seq_cst);
  runtime.need_spinning.store(false, std::memory_order_relaxed);
}

// Go's resetspinning: a spinner that found work stops spinning; if it was the last spinner, it
// wakes another worker to spin, since more work may be coming (Go's reasoning: the spinner
// that finds work is the one evidence that there is work).
void Worker::stop_spinning() {
  spinning = false;
  runtime.spinning.fetch_sub(1, std::memory_order_seq_cst);
  runtime.wakep();
}

Fiber* Worker::find_runnable() {
  const Knobs& knobs = runtime.options.knobs;
  for (;;) {
    if (runtime.stopping.load(std::memory_order_acquire)) return nullptr;
    ++tick;
    runtime.fire_due_timers();
    // 1. Fairness: every global_interval schedules, the global queue before our own, so that
    // two fibers that keep readying each other cannot starve it; and the netpoller, so that
    // fibers waiting on I/O are readied while every worker is busy (Go leaves that to sysmon).
    // The poll comes first, and what it readies queues behind our own: the global queue may
    // never be empty, and a fiber it holds runs now.
    if (knobs.global_interval != 0 && tick % knobs.global_interval == 0) {
      if (runtime.net->anyone_waiting()) {
        if (Fiber* fiber = poll_network(std::chrono::milliseconds(0))) push_local(fiber);
      }
      if (runtime.global_size.load(std::memory_order_relaxed) != 0) {
        if (Fiber* fiber = runtime.global_take(*this, 1)) return fiber;
      }
    }
    // 2. Our own queue: runnext, then the ring.
    if (Fiber* fiber = take_local()) return fiber;
    // 3. The global queue: a batch into our ring.
    if (runtime.global_size.load(std::memory_order_relaxed) != 0) {
      if (Fiber* fiber = runtime.global_take(*this, LocalQueue::kCapacity / 2)) return fiber;
    }
    // 3b. The netpoller, without blocking, if fibers wait on I/O (Go's findRunnable does the
    // same before it steals).
    if (runtime.net->anyone_waiting()) {
      if (Fiber* fiber = poll_network(std::chrono::milliseconds(0))) return fiber;
    }
    // 4. Steal, as a spinner, if fewer than the cap are spinning (Go: at most half of the busy
    // workers), so that an idle machine does not burn every CPU looking.
    if (knobs.steal && runtime.worker_count > 1) {
      if (!spinning && runtime.spinning.load(std::memory_order_relaxed) < runtime.max_spinning) {
        start_spinning();
      }
      if (spinning) {
        if (Fiber* fiber = steal()) return fiber;
      }
    }
    // 5. Nothing anywhere: sleep (or find the work that arrived while we looked).
    Fiber* fiber = sleep();
    runtime.wake_monitor();  // not idle any more: a monitor asleep for that must look again
    if (fiber != nullptr) return fiber;
  }
}

Fiber* Worker::take_local() {
  const auto slice = runtime.options.knobs.runnext_slice;
  if (queue.has_runnext()) {
    bool allowed = true;
    if (in_runnext_streak) {
      // Reading the clock costs ~20 ns here: look every 16th fiber of a streak.
      if (slice.count() == 0) {
        allowed = false;
      } else if (++streak_runs % 16 == 0) {
        allowed = rt::Clock::now() - streak_start < slice;
      }
    }
    if (allowed) {
      if (Fiber* fiber = queue.take_runnext()) {
        if (!in_runnext_streak) {
          in_runnext_streak = true;
          streak_runs = 0;
          if (slice.count() != 0) streak_start = rt::Clock::now();
        }
        return fiber;
      }
    }
  }
  in_runnext_streak = false;
  if (Fiber* fiber = queue.take()) return fiber;
  return queue.take_runnext();  // the slice was spent but nothing else waits
}

Fiber* Worker::steal() {
  const Knobs& knobs = runtime.options.knobs;
  const int n = runtime.worker_count;
  constexpr int kPasses = 4;
  for (int pass = 0; pass < kPasses; ++pass) {
    const bool take_runnext =
        knobs.runnext_steal == RunnextSteal::always ||
        (knobs.runnext_steal == RunnextSteal::last_pass && pass == kPasses - 1);
    // xorshift: a random first victim, then every other worker once.
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    const int first = static_cast<int>(random_state % static_cast<std::uint64_t>(n));
    for (int k = 0; k < n; ++k) {
      Worker& victim = *runtime.workers[static_cast<std::size_t>((first + k) % n)];
      if (&victim == this) continue;
      const std::uint32_t got = victim.queue.steal_half(batch);
      if (got != 0) {
        if (runtime.tracing) {
          const std::int64_t now = runtime.trace_now();
          record({TraceEvent::Kind::steal, now, now, 0, victim.index, got});
        }
        for (std::uint32_t i = 1; i < got; ++i) push_local(batch[i]);
        count_own(steals);
        count_own(stolen, got);
        return batch[0];
      }
      Fiber* const seen = take_runnext ? victim.queue.peek_runnext() : nullptr;
      if (seen != nullptr) {
        // Go's runqgrab: if the victim is busy, give it a moment to take its runnext itself,
        // so that a ping-pong pair is not pulled apart by every thief; and take only the fiber
        // seen before that moment: another one there now was readied during it.
        if (victim.busy.load(std::memory_order_relaxed)) let_the_victim_run();
        if (victim.queue.take_runnext_if(seen)) {
          Fiber* const fiber = seen;
          if (runtime.tracing) {
            const std::int64_t now = runtime.trace_now();
            record({TraceEvent::Kind::steal, now, now, 0, victim.index, 1});
          }
          count_own(steals);
          count_own(stolen);
          return fiber;
        }
      }
    }
  }
  return nullptr;
}

// Go's usleep(3) in runqgrab, and what it really does: the thread sleeps, at least 3 us, and on
// Linux for the timer slack (76 us on this VM, measured), all the while counted as spinning, so
// the readier's wakep wakes nobody. The first version spun on the clock for 3 us instead: the
// thief took the runnext almost every time, and a ping-pong pair on two workers cost an OS
// wakeup every few messages (1.0 M round trips/s against Go's 3.0; 3.2 with the sleep). On
// Windows a sleep lasts a timer tick (1-15.6 ms), so there, as in Go, the thief only yields.
void Worker::let_the_victim_run() {
#if defined(_WIN32)
  std::this_thread::yield();
#else
  std::this_thread::sleep_for(std::chrono::microseconds(3));
#endif
}

// The protocol that keeps a readied fiber from waiting while every worker sleeps (README,
// "No lost wakeups"; model/workers.pml checks it):
//   readier:  publish the fiber (a queue push, release)   fence   read `spinning`: if 0, wake one
//   sleeper:  join the idle list; stop spinning (seq_cst) fence   look at every queue again
// One of the two sees the other: either the readier sees a spinner (which will look again
// before it sleeps) or no spinner and wakes an idle worker; or the sleeper sees the fiber.
// The global queue is checked under the lock that guards the idle list, so a push from outside
// and a worker joining the list are ordered by the lock. A readier that finds no spinner and
// nobody idle raises need_spinning under that lock: a worker on its way to sleep without
// spinning sees it there and spins instead. A worker lowers its own spinning flag under the
// lock, as it joins the list, so a waker that pops it never finds the flag still up.
Fiber* Worker::sleep() {
  bool was_spinning;
  {
    std::lock_guard guard(runtime.lock);
    if (runtime.global_size.load(std::memory_order_relaxed) != 0) {
      return runtime.global_take_locked(*this, LocalQueue::kCapacity / 2);
    }
    // Go's needspinning: a wakep found nobody on the idle list while we were deciding not to
    // spin; the work it meant is somewhere, and nobody looks for it unless we do.
    if (!spinning && runtime.need_spinning.load(std::memory_order_relaxed)) {
      start_spinning();
      return nullptr;
    }
    next_idle = runtime.idle_head;
    runtime.idle_head = this;
    on_idle_list = true;
    busy.store(false, std::memory_order_relaxed);  // a thief may take our runnext at once
    runtime.idle.fetch_add(1, std::memory_order_relaxed);
    // Down under the lock, with the join: a wakep that pops us from here on finds it down, and
    // the flag it raises stands for its own count alone (model/README.md, bug 1).
    was_spinning = std::exchange(spinning, false);
  }
  if (was_spinning) runtime.spinning.fetch_sub(1, std::memory_order_seq_cst);
  rt::store_load_fence();  // our decrement, before we read the queues (pairs with wakep's)
  if (was_spinning && runtime.any_work_queued()) {
    bool removed;
    {
      std::lock_guard guard(runtime.lock);
      removed = runtime.remove_idle(*this);
      if (removed) start_spinning();  // back to stealing, as a spinner
    }
    if (removed) return nullptr;
    // Someone took us off the list to wake us (and made us a spinner): take that wake.
    wait_for_wake(rt::Clock::time_point::max());
    return nullptr;
  }
  if (runtime.stopping.load(std::memory_order_acquire)) return nullptr;
  // Timers: the first worker to sleep while timers are queued sleeps until the earliest.
  auto until = rt::Clock::time_point::max();
  bool watching = false;
  if (runtime.next_timer_ns.load(std::memory_order_seq_cst) != kNoTimer) {
    Worker* expected = nullptr;
    watching =
        runtime.timer_watcher.compare_exchange_strong(expected, this, std::memory_order_seq_cst);
    // seq_cst, after the CAS: add_timer stores the deadline, then reads the watcher; one of us
    // sees the other (an earlier timer added now wakes us, or we read its deadline here).
    const std::int64_t next = runtime.next_timer_ns.load(std::memory_order_seq_cst);
    if (watching && next != kNoTimer) {
      until = rt::Clock::time_point(std::chrono::nanoseconds(next));
    }
  }
  // Fibers wait on I/O: the first worker to sleep sleeps in the netpoller (the others as
  // before), so that an event readies its fiber without a thread in between.
  if (!runtime.net->anyone_waiting() || !wait_in_poller(until)) wait_for_wake(until);
  if (watching) {
    Worker* self = this;
    runtime.timer_watcher.compare_exchange_strong(self, nullptr, std::memory_order_seq_cst);
  }
  return nullptr;
}

// Sleeps until a waker stores 1 in wake_word (or `until` passes), then leaves the idle list if
// still on it (a timeout, or a timer's wake, which does not take us off).
void Worker::wait_for_wake(rt::Clock::time_point until) {
  count_own(sleeps);
  const std::int64_t started = runtime.tracing ? runtime.trace_now() : 0;
  // acquire: pairs with the waker's release store; what it wrote (spinning) is visible.
  while (wake_word.exchange(0, std::memory_order_acquire) == 0) {
    if (until == rt::Clock::time_point::max()) {
      rt::os::wait_on_address(wake_word, 0);
    } else if (!rt::os::wait_on_address_until(wake_word, 0, until)) {
      break;  // the timer is due
    }
  }
  if (runtime.tracing) record({TraceEvent::Kind::sleep, started, runtime.trace_now()});
  std::lock_guard guard(runtime.lock);
  runtime.remove_idle(*this);
}

// The fiber announced its park somewhere (a channel's waiter word, a timer) and switched away;
// its context is saved now, so an unparker may queue it. Unless one already came: then it runs
// next, as if the park had returned at once.
void Worker::commit_park(Fiber* fiber) {
  auto expected = Fiber::State::running;
  // acq_rel: release publishes the saved context to the unparker's acquire; acquire (on
  // failure, unpark_pending) takes what the unparker wrote before it.
  if (fiber->state.compare_exchange_strong(expected, Fiber::State::parked,
                                           std::memory_order_acq_rel, std::memory_order_acquire)) {
    return;
  }
  if (expected != Fiber::State::unpark_pending) fail("a parking fiber was in an impossible state");
  fiber->state.store(Fiber::State::runnable, std::memory_order_relaxed);
  if (fiber->locked_to != nullptr) {
    fiber->locked_to->requeue_locked(fiber);  // its machine (the caller's) runs it next
  } else {
    ready_next(fiber);
  }
}

void Worker::finish(Fiber* fiber) {
  count_own(finished);
  if (runtime.tracing) trace.names.emplace_back(fiber->id, fiber->name());
  std::shared_ptr<Completion> completion = std::move(fiber->completion);
  // The next fiber spawned here may get this stack, and so this record's address: it must not
  // inherit the budget this one spent (netpoll.cpp, spend_budget).
  if (budget_owner == fiber) budget_owner = nullptr;
  rt::fiber::Stack stack = std::move(fiber->stack);  // the record lies in it (fiber.hpp)
  fiber->~Fiber();
  stacks.release(std::move(stack));
  // Not alive any more before anyone can see it finished: a joiner that then asks the runtime
  // finds it gone. (The runtime outlives this call: its destructor joins this thread.)
  runtime.fiber_finished();
  // acq_rel: release publishes `error`; acquire sees a handle's detach (kDetached).
  const std::uint32_t before =
      completion->state.fetch_or(Completion::kFinished, std::memory_order_acq_rel);
  if ((before & Completion::kDetached) != 0 && completion->error) fail_unjoined(*completion);
  Fiber* joiner = completion->joiner.exchange(join_closed(), std::memory_order_acq_rel);
  if (joiner != nullptr) unpark(*joiner);
  // A joining thread set kThreadWaits before it slept: both are RMWs of one word, so either we
  // see its bit and wake it, or it sees kFinished and does not sleep. (Waking unconditionally
  // would be a system call per fiber.)
  if ((before & Completion::kThreadWaits) != 0) rt::os::wake_all(completion->state);
}

void Worker::push_local(Fiber* fiber) {
  while (!queue.push(fiber)) {
    // Full: half of the ring, and this one, to the global queue (Go's runqputslow).
    const std::uint32_t n = queue.take_half_for_global(batch);
    if (n == 0) continue;  // thieves emptied it meanwhile
    batch[n] = fiber;
    runtime.global_push(std::span<Fiber* const>(batch.data(), n + 1));
    return;
  }
}

void Worker::ready_next(Fiber* fiber) {
  if (Fiber* displaced = queue.set_runnext(fiber)) push_local(displaced);
}

}  // namespace rt::sched::detail
