// A machine (Go's M): the OS thread that holds a worker and runs its loop (Machine::run), the
// switch to a fiber and back (execute: what the fiber asked for, After), a spare's sleep
// (wait_for_worker), the first function on a fiber's stack, and which machine and worker the
// calling thread is.
#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <utility>

#if defined(__linux__)
#include <unistd.h>  // gettid
#endif

#include "rt/os/address_wait.hpp"
#include "runtime_impl.hpp"

namespace rt::sched::detail {

namespace {
thread_local Machine* this_machine = nullptr;
}  // namespace

// The first function on a new fiber's stack.
void fiber_start(void* argument) {
  after_switch();  // a fiber that parked may have switched here directly
  auto* fiber = static_cast<Fiber*>(argument);
  // Its own code from here to the body's end: preemptible (Fiber::no_preempt).
  std::atomic_signal_fence(std::memory_order_seq_cst);
  fiber->no_preempt.store(0, std::memory_order_relaxed);
  try {
    fiber->body();
  } catch (...) {
    fiber->no_preempt.store(1, std::memory_order_relaxed);
    fiber->completion->error = std::current_exception();  // for join() to rethrow
  }
  fiber->no_preempt.store(1, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  fiber->body = nullptr;  // what the body captured is destroyed here, on the fiber (it may park)
  fiber->stack.record_committed_low();
  Machine* machine = current_machine();  // read after the body: the fiber may have moved
  if (fiber->locked_to != nullptr) unlock_finished(*fiber);  // locked.cpp
  machine->after = After::finish;
  rt::fiber::exit_context(fiber->context, machine->context);
}

RT_SCHED_NO_PREEMPT Machine* current_machine() noexcept {
  return this_machine;
}

// The direct switch, for the common case of a park: not on a locked machine (it runs only its
// own fibers: its loop decides), not for a locked fiber (its park may requeue it there), not
// while tracing (the loop records the run spans), not while the runtime stops, not when a
// timer is due (the loop fires timers, on its own stack: their callbacks must not run on a
// fiber's), and not when the next pick is the fairness tick's (every global_interval picks,
// the loop looks at the global queue and the netpoller first). Otherwise it takes what the
// loop would take for this pick (take_local: runnext, then the ring) and does what execute
// does around a switch: the end of one run and the start of the next.
// The parked fiber's context is saved only by the switch itself, so its park is committed
// after it, by the fiber switched to (after_switch), as the loop commits it after switching
// back: a waker that sees it parked may run it on another worker at once. A wake that came
// before the switch (unpark_pending) is taken here and the park returns at once, as the
// loop's commit would make it; one that lands between that look and the switch finds the
// park committed after it (the fiber then runs next, after the one switched to).
bool Machine::park_by_direct_switch() {
  Worker& held = *worker;
  Fiber* const self = running;
  const Knobs& knobs = runtime.options.knobs;
  if (!knobs.direct_switch || locked || self->locked_to != nullptr || runtime.tracing) {
    return false;
  }
  if (runtime.stopping.load(std::memory_order_acquire) || runtime.timer_due()) return false;
  // The loop's next pick lands on the fairness tick: this one must not take it.
  if (knobs.global_interval != 0 && (held.tick + 1) % knobs.global_interval == 0) return false;
  auto pending = Fiber::State::unpark_pending;
  // acquire: what the unparker wrote before its CAS (as commit_park's on failure).
  if (self->state.load(std::memory_order_relaxed) == pending &&
      self->state.compare_exchange_strong(pending, Fiber::State::running, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
    return true;  // unparked already: no switch, as if parked and run again at once
  }
  ++held.tick;  // a pick
  Fiber* const next = held.take_local();
  if (next == nullptr) return false;
  if (next->locked_to != nullptr) {  // it runs on its own machine: the loop hands it there
    next_from_park = next;
    return false;
  }
  next->state.store(Fiber::State::running, std::memory_order_relaxed);  // ours now
  held.running = next;
  running = next;
  last_ran = self->id;
  next->last_worker = held.index;
  Worker::count_own(held.runs);  // a new run: a preemption asked for the last one is void
  Worker::count_own(held.direct);
  // The monitor's target for interrupting `next` (it was ours already, unless a fiber took
  // the worker back in exit_blocking since, which stores it too).
  held.run_by.store(this, std::memory_order_release);
  after = After::nothing;
  thread_exceptions->exchange(self->exceptions, next->exceptions);
  parked_by_switch = self;
  // Asynchronous preemption cannot switch out the wrong fiber meanwhile: `next` has been
  // switched out inside a no-preemption region (leave_worker's, exit_blocking's) or not yet
  // started (no_preempt is 1 until fiber_start), and the code here runs on `self`'s stack.
  rt::fiber::switch_context(self->context, next->context);
  return true;  // resumed, on this machine or another: `this` may be stale
}

RT_SCHED_NO_PREEMPT void after_switch() {
  Machine* machine = current_machine();
  if (Fiber* parked = std::exchange(machine->parked_by_switch, nullptr)) {
    machine->worker->commit_park(parked);
  }
}

}  // namespace rt::sched::detail

namespace rt::sched::this_fiber {
// Here, beside this_machine, so that the thread-local is read without a call: every channel
// operation and runtime call enters a region.
RT_SCHED_NO_PREEMPT NoPreemption::NoPreemption() noexcept : count_(nullptr) {
  detail::Machine* machine = detail::this_machine;
  if (machine == nullptr || machine->running == nullptr) return;
  count_ = &machine->running->no_preempt;
  detail::enter_no_preemption(*machine->running);
}
}  // namespace rt::sched::this_fiber

namespace rt::sched::detail {

RT_SCHED_NO_PREEMPT Worker* current_worker() noexcept {
  Machine* machine = this_machine;
  return machine != nullptr ? machine->worker : nullptr;
}

// The worker running the calling fiber; `call` names the caller in the message if there is none.
RT_SCHED_NO_PREEMPT Worker& worker_of_running_fiber(const char* call) {
  Machine* machine = current_machine();
  if (machine != nullptr && machine->blocked_from != nullptr) {
    fail(call, " was called inside a blocking region (enter_blocking without exit_blocking)");
  }
  Worker* worker = current_worker();
  if (worker == nullptr || worker->running == nullptr) {
    fail(call, " was called outside a fiber of a Runtime");
  }
  return *worker;
}

void Machine::run() {
  this_machine = this;
  if (runtime.async_preempt) target.capture();
#if defined(__linux__)
  os_thread_id = static_cast<long>(gettid());  // read by gdb only, in a stopped program
#endif
  thread_exceptions = std::make_unique<rt::fiber::ThreadExceptionState>();
  for (;;) {
    if (locked) {  // it runs its own fibers only (locked.cpp)
      Fiber* fiber = nullptr;
      if (worker == nullptr) {
        fiber = wait_as_locked();
        if (fiber == nullptr) break;  // the runtime stops
      } else if ((fiber = next_locked()) == nullptr) {
        // None to run, or the worker's turn: the worker goes on without this machine.
        if (!let_go_of_worker()) break;
        continue;
      }
      execute(fiber);
      continue;
    }
    if (worker == nullptr && !wait_for_worker()) break;
    Worker& held = *worker;
    Fiber* fiber = std::exchange(next_from_park, nullptr);
    if (fiber == nullptr) fiber = held.find_runnable();
    if (fiber == nullptr) break;  // the runtime stops
    if (held.spinning) held.stop_spinning();
    if (fiber->locked_to != nullptr) {
      // Another machine's (this one is not locked): Go's startlockedm. The fiber goes to its
      // machine, with our worker if that machine sleeps; we are a spare then.
      if (fiber->locked_to->receive(fiber, held)) worker = nullptr;
      continue;
    }
    execute(fiber);
  }
  this_machine = nullptr;
}

// A spare sleeps on its own word until the monitor hands it a worker (hand_off) or the
// runtime stops (stop_workers). It joins the spare list under the lock, where stop_workers
// looks for it after raising `stopping`: one of the two sees the other.
bool Machine::wait_for_worker() {
  {
    std::lock_guard guard(runtime.lock);
    if (std::exchange(started_as_spare, false)) --runtime.spares_starting;
    if (runtime.stopping.load(std::memory_order_acquire)) return false;
    next_spare = runtime.spare_head;
    runtime.spare_head = this;
  }
  // acquire: pairs with the release store of whoever took us off the list; `worker` is theirs.
  while (wake_word.exchange(0, std::memory_order_acquire) == 0) {
    rt::os::wait_on_address(wake_word, 0);
  }
  if (worker == nullptr) return false;  // the runtime stops
  // From the monitor, the worker still names the fiber that blocked (it runs on the machine it
  // left); from a locked machine (let_go_of_worker), nobody: that one marked it "pinned".
  if (worker->running != nullptr && runtime.tracing) {
    const std::int64_t now = runtime.trace_now();
    worker->record({TraceEvent::Kind::handoff, now, now, worker->blocked_fiber});
  }
  worker->running = nullptr;
  return true;
}

void Machine::execute(Fiber* first) {
  Worker* held = worker;
  Fiber* fiber = first;
  fiber->state.store(Fiber::State::running, std::memory_order_relaxed);  // ours now
  held->busy.store(true, std::memory_order_relaxed);
  held->running = fiber;
  running = fiber;
  fiber->last_worker = held->index;
  Worker::count_own(held->runs);
  held->run_by.store(this, std::memory_order_release);
  after = After::nothing;
  rt::fiber::detail::set_other_runtime_fiber_running(true);
  // The C++ runtime's exception facts are per thread: the fiber brings its own (chapter 3).
  rt::fiber::ExceptionState thread_state;
  thread_exceptions->exchange(thread_state, fiber->exceptions);
  run_started = runtime.tracing ? runtime.trace_now() : 0;
  rt::fiber::switch_context(context, fiber->context);
  // Whichever fiber switched back: the one we started, or one it switched to directly as it
  // parked (park_by_direct_switch), and so on.
  fiber = running;
  thread_exceptions->exchange(fiber->exceptions, thread_state);
  rt::fiber::detail::set_other_runtime_fiber_running(false);
  running = nullptr;
  last_ran = fiber->id;
  if (after == After::lost_worker) {
    // Its worker went to another machine while the fiber blocked (exit_blocking); this
    // machine has none now. As Go's exitsyscall0 without an idle P: the fiber waits on the
    // global queue for any worker, and this machine becomes a spare (run()), or, locked,
    // sleeps until a worker brings the fiber back. Its run span ended at enter_blocking, and
    // the new holder marked the handoff in the trace.
    fiber->state.store(Fiber::State::runnable, std::memory_order_relaxed);
    if (locked) {
      requeue_locked(fiber);
      become_idle(nullptr);  // it and the others locked here to the global queue
    } else {
      runtime.global_push(std::span<Fiber* const>(&fiber, 1));
    }
    runtime.wakep();
    return;
  }
  // The same worker as before the switch: a fiber keeps its worker, or loses it (above).
  if (runtime.tracing) {
    held->record({TraceEvent::Kind::run, run_started, runtime.trace_now(), fiber->id});
  }
  held->running = nullptr;
  switch (after) {
    case After::yield:
      fiber->state.store(Fiber::State::runnable, std::memory_order_relaxed);
      if (fiber->locked_to != nullptr) {
        requeue_locked(fiber);  // behind this machine's other locked fibers
      } else {
        held->push_local(fiber);
      }
      break;
    case After::move_on:
      // It locked itself to another machine (ThreadLocker::lock): there, with our worker if
      // that machine sleeps (we are a spare then), else into its list.
      fiber->state.store(Fiber::State::runnable, std::memory_order_relaxed);
      if (fiber->locked_to->receive(fiber, *held)) worker = nullptr;
      break;
    case After::move_off:
      // It unlocked from this machine, which stays locked and runs only its own: to the
      // global queue, and a worker woken to take it now.
      fiber->state.store(Fiber::State::runnable, std::memory_order_relaxed);
      runtime.global_push(std::span<Fiber* const>(&fiber, 1));
      runtime.wakep();
      break;
    case After::preempted:
      // As Go's gopreempt_m: to the global queue, behind every fiber there, so that it waits
      // its turn on whichever worker, and a worker is woken to take it if none spins.
      Worker::count_own(held->preempted);
      if (runtime.tracing) {
        const std::int64_t now = runtime.trace_now();
        held->record({TraceEvent::Kind::preempt, now, now, fiber->id});
      }
      fiber->state.store(Fiber::State::runnable, std::memory_order_relaxed);
      if (fiber->locked_to != nullptr) {
        // It can run nowhere else: behind this machine's other locked fibers, and the worker's
        // queue and the global queue get their turn first if they have work (next_locked).
        requeue_locked(fiber);
        check_slice = true;
        break;
      }
      runtime.global_push(std::span<Fiber* const>(&fiber, 1));
      runtime.wakep();
      // Go's sysmon also polls the network when nobody has for 10 ms. Here the worker that
      // preempted a fiber looks (rarely: once a slice), so that sockets wait no longer for a
      // fiber that never parks than the others do.
      if (runtime.net->anyone_waiting()) {
        if (Fiber* ready = held->poll_network(std::chrono::milliseconds(0))) {
          held->push_local(ready);
        }
      }
      break;
    case After::park:
      held->commit_park(fiber);
      break;
    case After::finish:
      held->finish(fiber);
      break;
    case After::lost_worker:
    case After::nothing:
      fail("a fiber switched to its worker without saying why");
  }
}

}  // namespace rt::sched::detail
