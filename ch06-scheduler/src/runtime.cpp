// rt::sched::Runtime: what the workers share (waking one, the global queue, the timers) and
// the runtime's public face (lifecycle.cpp makes and ends a runtime; worker.cpp has a worker's
// loop, machine.cpp the thread that runs it; fiber_api.cpp what a fiber calls).
#include "rt/sched/runtime.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "blocking_pool.hpp"
#include "rt/chan/spin.hpp"  // cpu_relax
#include "rt/fence.hpp"
#include "rt/os/address_wait.hpp"
#include "runtime_impl.hpp"

namespace rt::sched {

namespace detail {

// ---- the runtime ----

bool RuntimeImpl::make_ready(Fiber* fiber) {
  // Locked to a machine that is awake (it runs another of its fibers, or is on its way to
  // sleep): into its own list, no worker involved and no OS wakeup (locked.cpp).
  if (fiber->locked_to != nullptr && fiber->locked_to->take_if_running(fiber)) return false;
  Worker* worker = current_worker();
  if (worker != nullptr && &worker->runtime == this) {
    if (current_machine()->locked) {
      // The readier's machine runs only its own fibers: not runnext, where only it would look
      // (and, with RunnextSteal::never, nobody else), but the ring, which a woken worker steals.
      worker->push_local(fiber);
    } else {
      worker->ready_next(fiber);  // Go's ready(gp, next=true): the readier's P runs it next
    }
  } else {
    global_push(std::span<Fiber* const>(&fiber, 1));
  }
  return wakep();
}

// Go's wakep: wake a sleeping worker to spin, unless one already spins (it will find the
// work) or nobody sleeps.
// With one worker, a worker that readies a fiber is the only one there is: it runs the fiber
// itself, and there is nobody to wake.
//
// No `idle == 0` shortcut: a worker may be between deciding not to spin and joining the idle
// list; need_spinning tells it (model/README.md, bug 2; Go's fix for golang/go#43997).
bool RuntimeImpl::wakep() {
  if (worker_count == 1) {
    Worker* caller = current_worker();
    if (caller != nullptr && &caller->runtime == this) return false;
  }
  rt::store_load_fence();  // the push before, the read of `spinning` after (see Worker::sleep)
  if (spinning.load(std::memory_order_relaxed) != 0) return false;
  int zero = 0;
  if (!spinning.compare_exchange_strong(zero, 1, std::memory_order_seq_cst)) return false;
  Worker* worker = nullptr;
  {
    std::lock_guard guard(lock);
    worker = idle_head;
    if (worker != nullptr) {
      remove_idle(*worker);
      worker->spinning = true;  // it counts in `spinning` from here (the 1 we added)
    } else {
      need_spinning.store(true, std::memory_order_relaxed);
      spinning.fetch_sub(1, std::memory_order_seq_cst);
    }
  }
  if (worker == nullptr) return false;
  wake_worker(*worker);
  return true;
}

// Go's sysmonwait: with every worker on the idle list there is nothing to preempt and nothing
// to hand off, so the monitor sleeps until a worker leaves its sleep (wake_monitor). The
// protocol (model/monitor_sleep.pml):
//   monitor: monitor_sleeping = true   fence   read idle: all idle? sleep on monitor_wake
//   worker:  leaves the idle list (idle--)   fence   read monitor_sleeping: true? wake it
// One of the two sees the other: either the monitor sees a worker not idle and does not
// sleep, or the worker sees the flag and wakes it. Returns true if it slept.
bool RuntimeImpl::sleep_while_all_idle() {
  monitor_sleeping.store(true, std::memory_order_relaxed);
  rt::store_load_fence();
  if (idle.load(std::memory_order_relaxed) != worker_count) {
    monitor_sleeping.store(false, std::memory_order_relaxed);
    return false;
  }
  monitor_sleeps.fetch_add(1, std::memory_order_relaxed);
  // acquire: pairs with wake_monitor's release store (and the stop's, which stores
  // monitor_stop first: stop_helpers).
  while (monitor_wake.exchange(0, std::memory_order_acquire) == 0) {
    rt::os::wait_on_address(monitor_wake, 0);
  }
  monitor_sleeping.store(false, std::memory_order_relaxed);
  return true;
}

// A worker on its way out of Worker::sleep (find_runnable): after it left the idle list, it
// wakes the monitor if the monitor sleeps. A fence and a load when it does not.
void RuntimeImpl::wake_monitor() {
  rt::store_load_fence();
  if (!monitor_sleeping.load(std::memory_order_relaxed)) return;
  if (!monitor_sleeping.exchange(false, std::memory_order_relaxed)) return;  // another did
  monitor_wake.store(1, std::memory_order_release);
  rt::os::wake_one(monitor_wake);
}

void RuntimeImpl::wake_worker(Worker& worker) {
  // Counted before the wake (and so before whatever the woken worker does next, through the
  // release below): a fiber that reads the count sees every wake that led to it.
  worker_wakes.fetch_add(1, std::memory_order_relaxed);
  // release: pairs with wait_for_wake's acquire exchange.
  worker.wake_word.store(1, std::memory_order_release);
  // The word, then where it sleeps; the worker sets in_poller, then reads the word (the same
  // fence in wait_in_poller): either it sees our 1 and does not block, or we see it in the
  // netpoller and wake that. Otherwise it sleeps (or will) on the word.
  rt::store_load_fence();
  if (worker.in_poller.load(std::memory_order_relaxed)) {
    net->wake();
  } else {
    rt::os::wake_one(worker.wake_word);
  }
  if (tracing) {
    Worker* waker = current_worker();
    if (waker != nullptr && &waker->runtime == this) {
      const std::int64_t now = trace_now();
      waker->record({TraceEvent::Kind::wake, now, now, 0, worker.index});
    }
  }
}

bool RuntimeImpl::remove_idle(Worker& worker) {
  if (!worker.on_idle_list) return false;
  Worker** link = &idle_head;
  while (*link != &worker) link = &(*link)->next_idle;
  *link = worker.next_idle;
  worker.next_idle = nullptr;
  worker.on_idle_list = false;
  idle.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

void RuntimeImpl::global_push(std::span<Fiber* const> fibers) {
  std::lock_guard guard(lock);
  for (Fiber* fiber : fibers) {
    fiber->next = nullptr;
    if (global_tail == nullptr) {
      global_head = fiber;
    } else {
      global_tail->next = fiber;
    }
    global_tail = fiber;
  }
  global_size.fetch_add(static_cast<std::uint32_t>(fibers.size()), std::memory_order_relaxed);
}

Fiber* RuntimeImpl::global_take(Worker& worker, std::uint32_t most) {
  std::lock_guard guard(lock);
  return global_take_locked(worker, most);
}

// Go's globrunqget: one to run, and up to `most` - 1 more into the worker's ring, at most a
// fair share (size / workers + 1) so that one worker does not take everything.
Fiber* RuntimeImpl::global_take_locked(Worker& worker, std::uint32_t most) {
  const std::uint32_t size = global_size.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  std::uint32_t n = std::min(
      {size, size / static_cast<std::uint32_t>(worker_count) + 1, most, LocalQueue::kCapacity / 2});
  global_size.store(size - n, std::memory_order_relaxed);
  Fiber* first = global_head;
  global_head = first->next;
  for (std::uint32_t i = 1; i < n; ++i) {
    Fiber* fiber = global_head;
    global_head = fiber->next;
    worker.queue.push(fiber);  // at most half the ring: fits (only the owner pushes)
  }
  if (global_head == nullptr) global_tail = nullptr;
  Worker::count_own(worker.from_global, n);
  return first;
}

// Work a spinner could take: a runnext counts only if thieves may take it. With
// RunnextSteal::never it is its owner's alone, and the owner is running (the running fiber
// readied it), so it will run it; counting it would keep a spinner spinning until then.
bool RuntimeImpl::any_work_queued() const noexcept {
  if (global_size.load(std::memory_order_relaxed) != 0) return true;
  const bool runnext_counts = options.knobs.runnext_steal != RunnextSteal::never;
  for (const auto& worker : workers) {
    if (worker->queue.size() != 0 || (runnext_counts && worker->queue.has_runnext())) return true;
  }
  return false;
}

bool RuntimeImpl::timer_due() const noexcept {
  const std::int64_t next = next_timer_ns.load(std::memory_order_relaxed);
  return next != kNoTimer && next <= to_ns(rt::Clock::now());
}

void RuntimeImpl::fire_due_timers() {
  if (!timer_due()) return;
  std::lock_guard guard(timer_lock);
  const auto now = rt::Clock::now();
  while (rt::net::Timer* timer = timers.top()) {
    if (timer->deadline > now) break;
    timers.pop();
    timer->on_fire(timer->context);  // under timer_lock: a cancel() waits for it to finish
  }
  rt::net::Timer* top = timers.top();
  next_timer_ns.store(top != nullptr ? to_ns(top->deadline) : kNoTimer, std::memory_order_seq_cst);
}

void RuntimeImpl::add_timer(rt::net::Timer& timer) {
  bool earliest;
  {
    std::lock_guard guard(timer_lock);
    timers.push(timer);
    earliest = timers.top() == &timer;
    if (earliest) next_timer_ns.store(to_ns(timer.deadline), std::memory_order_seq_cst);
  }
  if (!earliest) return;
  // A sleeping watcher sleeps until the old earliest: wake it to sleep until ours instead.
  Worker* watcher = timer_watcher.load(std::memory_order_seq_cst);
  if (watcher != nullptr && watcher != current_worker()) wake_worker(*watcher);
}

void RuntimeImpl::remove_timer(rt::net::Timer& timer) noexcept {
  std::lock_guard guard(timer_lock);
  if (!timer.queued()) return;  // fired (or never set)
  timers.remove(timer);
  rt::net::Timer* top = timers.top();
  next_timer_ns.store(top != nullptr ? to_ns(top->deadline) : kNoTimer, std::memory_order_seq_cst);
}

void RuntimeImpl::fiber_finished() noexcept {
  // acq_rel: the last finisher's release pairs with wait_until_idle's acquire.
  if (alive.fetch_sub(1, std::memory_order_acq_rel) == 1) rt::os::wake_all(alive);
}

}  // namespace detail

// ---- the public face ----

using detail::Completion;
using detail::current_worker;
using detail::Worker;

const char* to_string(RunnextSteal steal) noexcept {
  switch (steal) {
    case RunnextSteal::never:
      return "never";
    case RunnextSteal::last_pass:
      return "last-pass";
    case RunnextSteal::always:
      return "always";
  }
  return "?";
}

JoinHandle Runtime::spawn_function(rt::fiber::FiberOptions options, std::function<void()> body) {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  detail::RuntimeImpl& impl = *impl_;
  Worker* worker = current_worker();
  if (worker != nullptr && &worker->runtime != &impl) worker = nullptr;
  // The fiber's record goes at the top of its stack (fiber.hpp, kFiberRecordBytes), above the
  // stack_size bytes asked for.
  if (options.stack_size > std::numeric_limits<std::size_t>::max() - detail::kFiberRecordBytes) {
    throw std::length_error("rt::sched::spawn: a fiber stack of that many bytes");
  }
  const std::size_t stack_size = options.stack_size + detail::kFiberRecordBytes;
  rt::fiber::Stack stack = worker != nullptr ? worker->stacks.acquire(stack_size, options.guard)
                                             : rt::fiber::Stack(stack_size, options.guard);
  auto completion = std::make_shared<Completion>();
  completion->name = options.name;
  void* record = stack.top() - detail::kFiberRecordBytes;
  auto* fiber = ::new (record)
      Fiber(impl, std::move(options.name), std::move(stack), std::move(body), completion);
  fiber->id = impl.next_fiber_id.fetch_add(1, std::memory_order_relaxed);
  (worker != nullptr ? worker->fibers : impl.outside_fibers).insert(*fiber);
  impl.alive.fetch_add(1, std::memory_order_relaxed);
  impl.make_ready(fiber);  // Go's newproc: into the spawner's runnext
  return JoinHandle(std::move(completion));
}

void Runtime::wait_until_idle() {
  if (this_fiber::on_fiber()) detail::fail("Runtime::wait_until_idle called from a fiber");
  detail::RuntimeImpl& impl = *impl_;
  for (;;) {
    const std::uint32_t alive = impl.alive.load(std::memory_order_acquire);
    if (alive == 0) return;
    rt::os::wait_on_address(impl.alive, alive);
  }
}

void Runtime::cancel_all() {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  impl_->net->cancel_all();
}

bool Runtime::cancelled() const noexcept {
  return impl_->net->cancelled();
}

int Runtime::workers() const noexcept {
  return impl_->worker_count;
}

const Knobs& Runtime::knobs() const noexcept {
  return impl_->options.knobs;
}

Stats Runtime::stats() const {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  const detail::RuntimeImpl& impl = *impl_;
  Stats stats;
  for (const auto& worker : impl.workers) {
    WorkerStats w;
    w.runs = worker->runs.load(std::memory_order_relaxed);
    w.direct = worker->direct.load(std::memory_order_relaxed);
    w.steals = worker->steals.load(std::memory_order_relaxed);
    w.stolen = worker->stolen.load(std::memory_order_relaxed);
    w.from_global = worker->from_global.load(std::memory_order_relaxed);
    w.sleeps = worker->sleeps.load(std::memory_order_relaxed);
    w.finished = worker->finished.load(std::memory_order_relaxed);
    w.preempted = worker->preempted.load(std::memory_order_relaxed);
    w.interrupted = worker->interrupted.load(std::memory_order_relaxed);
    w.handoffs = worker->handoffs.load(std::memory_order_relaxed);
    w.pinned = worker->pinned.load(std::memory_order_relaxed);
    w.queued = worker->queue.size();
    stats.workers.push_back(w);
  }
  stats.global_queued = impl.global_size.load(std::memory_order_relaxed);
  stats.idle = impl.idle.load(std::memory_order_relaxed);
  stats.spinning = impl.spinning.load(std::memory_order_relaxed);
  stats.alive = impl.alive.load(std::memory_order_relaxed);
  stats.worker_wakes = impl.worker_wakes.load(std::memory_order_relaxed);
  stats.io_waiters = impl.net->io_waiters();
  stats.blocking_threads = impl.blocking->threads_started();
  stats.machines = impl.machine_count.load(std::memory_order_relaxed);
  stats.machine_wakes = impl.machine_wakes.load(std::memory_order_relaxed);
  stats.sleeping_in_poller = impl.net->sleeping_in_poller();
  stats.net_events = impl.net->events_handled();
  return stats;
}

bool unpark(Fiber& fiber) {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  detail::RuntimeImpl& runtime = fiber.runtime;      // read while the fiber is surely parked
  Worker* worker = current_worker();
  if (worker != nullptr && &worker->runtime == &runtime) {
    return detail::claim_parked(fiber) && runtime.make_ready(&fiber);  // ~Runtime joins us
  }
  // From outside this runtime's workers (a thread, a fiber of a loop or of another runtime, a
  // blocking-pool thread): once the fiber is queued it may run and finish, and ~Runtime may
  // free `runtime` while this call is still in make_ready, waking a worker. So the call is
  // counted, and ~Runtime waits for the count to be zero. The increment may be relaxed: it is
  // sequenced before the claim, which comes before the fiber runs, before it finishes, before
  // the acquire load of `alive` that lets ~Runtime go on, so that thread sees it (or a later
  // value). The release decrement pairs with ~Runtime's acquire load: every access above
  // happens before the free.
  runtime.wakers_inside.fetch_add(1, std::memory_order_relaxed);
  const bool woke = detail::claim_parked(fiber) && runtime.make_ready(&fiber);
  runtime.wakers_inside.fetch_sub(1, std::memory_order_release);
  return woke;
}

namespace detail {

bool claim_parked(Fiber& fiber) {
  auto state = fiber.state.load(std::memory_order_acquire);
  for (;;) {
    if (state == Fiber::State::parked) {
      // acq_rel: acquire takes the parked fiber (its saved context) from commit_park's
      // release; release hands what we wrote to whoever runs it.
      if (fiber.state.compare_exchange_weak(state, Fiber::State::runnable,
                                            std::memory_order_acq_rel, std::memory_order_acquire)) {
        return true;
      }
    } else if (state == Fiber::State::running) {
      // Still on its way to parking: its worker will see this and run it again at once.
      if (fiber.state.compare_exchange_weak(state, Fiber::State::unpark_pending,
                                            std::memory_order_acq_rel, std::memory_order_acquire)) {
        return false;
      }
    } else {
      fail("unpark: the fiber is not parked (a second unpark for one park?): ",
           "\"" + fiber.name() + "\"");
    }
  }
}

}  // namespace detail

}  // namespace rt::sched
