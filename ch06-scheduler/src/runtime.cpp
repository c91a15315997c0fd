// rt::sched::Runtime: workers, queues, stealing, spinning and sleeping (runtime.hpp draws the
// parts; README, "Design note", argues the protocol).
#include "rt/sched/runtime.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "rt/chan/spin.hpp"  // cpu_relax
#include "rt/fence.hpp"
#include "rt/os/address_wait.hpp"
#include "runtime_impl.hpp"

namespace rt::sched {

namespace detail {

namespace {

thread_local Worker* this_worker = nullptr;

[[noreturn]] void fail(const char* message, const std::string& detail = "") {
  std::fprintf(stderr, "rt::sched: %s%s\n", message, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

[[noreturn]] void fail_unjoined(const Completion& completion) {
  std::string what = "an exception";
  try {
    std::rethrow_exception(completion.error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  fail("an uncaught exception ended a fiber nobody joined: ",
       "\"" + completion.name + "\": " + what);
}

std::int64_t to_ns(rt::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

constexpr std::int64_t kNoTimer = std::numeric_limits<std::int64_t>::max();

// The first function on a new fiber's stack.
void fiber_start(void* argument) {
  auto* fiber = static_cast<Fiber*>(argument);
  try {
    fiber->body();
  } catch (...) {
    fiber->completion->error = std::current_exception();  // for join() to rethrow
  }
  fiber->body = nullptr;  // what the body captured is destroyed here, on the fiber (it may park)
  fiber->stack.record_committed_low();
  Worker* worker = current_worker();  // read after the body: the fiber may have moved
  worker->after = Worker::After::finish;
  rt::fiber::exit_context(fiber->context, worker->context);
}

}  // namespace

[[gnu::noinline]] Worker* current_worker() noexcept {
  return this_worker;
}

// The worker running the calling fiber; `call` names the caller in the message if there is none.
Worker& worker_of_running_fiber(const char* call) {
  Worker* worker = current_worker();
  if (worker == nullptr || worker->running == nullptr) {
    fail(call, " was called outside a fiber of a Runtime");
  }
  return *worker;
}

namespace {
// The running fiber leaves its worker: `what` says what the worker does with it next.
void leave_worker(Worker::After what, const char* call) {
  Worker& worker = worker_of_running_fiber(call);
  worker.after = what;
  rt::fiber::switch_context(worker.running->context, worker.context);
  // Resumed, by this worker or another: `worker` may be stale from here on.
}
}  // namespace

// ---- the worker ----

Worker::Worker(RuntimeImpl& runtime_, int index_)
    : runtime(runtime_),
      index(index_),
      random_state(0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(index_ + 1)) {}

void Worker::run() {
  this_worker = this;
  thread_exceptions = std::make_unique<rt::fiber::ThreadExceptionState>();
  while (Fiber* fiber = find_runnable()) {
    if (spinning) stop_spinning();
    execute(fiber);
  }
  this_worker = nullptr;
}

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
    // two fibers that keep readying each other cannot starve it.
    if (knobs.global_interval != 0 && tick % knobs.global_interval == 0 &&
        runtime.global_size.load(std::memory_order_relaxed) != 0) {
      if (Fiber* fiber = runtime.global_take(*this, 1)) return fiber;
    }
    // 2. Our own queue: runnext, then the ring.
    if (Fiber* fiber = take_local()) return fiber;
    // 3. The global queue: a batch into our ring.
    if (runtime.global_size.load(std::memory_order_relaxed) != 0) {
      if (Fiber* fiber = runtime.global_take(*this, LocalQueue::kCapacity / 2)) return fiber;
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
    if (Fiber* fiber = sleep()) return fiber;
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
        steals.fetch_add(1, std::memory_order_relaxed);
        stolen.fetch_add(got, std::memory_order_relaxed);
        return batch[0];
      }
      if (take_runnext && victim.queue.has_runnext()) {
        // Go's runqgrab: if the victim is running a fiber, give it ~3 us to take its runnext
        // itself, so that a ping-pong pair is not pulled apart by every thief.
        if (victim.busy.load(std::memory_order_relaxed)) {
          const auto until = rt::Clock::now() + std::chrono::microseconds(3);
          while (rt::Clock::now() < until) rt::chan::cpu_relax();
        }
        if (Fiber* fiber = victim.queue.take_runnext()) {
          if (runtime.tracing) {
            const std::int64_t now = runtime.trace_now();
            record({TraceEvent::Kind::steal, now, now, 0, victim.index, 1});
          }
          steals.fetch_add(1, std::memory_order_relaxed);
          stolen.fetch_add(1, std::memory_order_relaxed);
          return fiber;
        }
      }
    }
  }
  return nullptr;
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
  wait_for_wake(until);
  if (watching) {
    Worker* self = this;
    runtime.timer_watcher.compare_exchange_strong(self, nullptr, std::memory_order_seq_cst);
  }
  return nullptr;
}

// Sleeps until a waker stores 1 in wake_word (or `until` passes), then leaves the idle list if
// still on it (a timeout, or a timer's wake, which does not take us off).
void Worker::wait_for_wake(rt::Clock::time_point until) {
  sleeps.fetch_add(1, std::memory_order_relaxed);
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

void Worker::execute(Fiber* fiber) {
  fiber->state.store(Fiber::State::running, std::memory_order_relaxed);  // ours now
  busy.store(true, std::memory_order_relaxed);
  running = fiber;
  runs.fetch_add(1, std::memory_order_relaxed);
  after = After::nothing;
  rt::fiber::detail::set_other_runtime_fiber_running(true);
  // The C++ runtime's exception facts are per thread: the fiber brings its own (chapter 3).
  rt::fiber::ExceptionState thread_state;
  thread_exceptions->exchange(thread_state, fiber->exceptions);
  const std::int64_t started = runtime.tracing ? runtime.trace_now() : 0;
  rt::fiber::switch_context(context, fiber->context);
  if (runtime.tracing) record({TraceEvent::Kind::run, started, runtime.trace_now(), fiber->id});
  thread_exceptions->exchange(fiber->exceptions, thread_state);
  rt::fiber::detail::set_other_runtime_fiber_running(false);
  running = nullptr;
  busy.store(false, std::memory_order_relaxed);
  switch (after) {
    case After::yield:
      fiber->state.store(Fiber::State::runnable, std::memory_order_relaxed);
      push_local(fiber);
      break;
    case After::park:
      commit_park(fiber);
      break;
    case After::finish:
      finish(fiber);
      break;
    case After::nothing:
      fail("a fiber switched to its worker without saying why");
  }
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
  ready_next(fiber);
}

void Worker::finish(Fiber* fiber) {
  finished.fetch_add(1, std::memory_order_relaxed);
  if (runtime.tracing) trace.names.emplace_back(fiber->id, fiber->name());
  std::shared_ptr<Completion> completion = std::move(fiber->completion);
  stacks.release(std::move(fiber->stack));
  delete fiber;
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

// ---- the runtime ----

RuntimeImpl::RuntimeImpl(Runtime& owner_, Options options_)
    : owner(owner_),
      options(std::move(options_)),
      worker_count(options.workers > 0 ? options.workers : rt::os::cpu_count()),
      max_spinning(options.knobs.max_spinning >= 0 ? options.knobs.max_spinning
                                                   : std::max(1, worker_count / 2)),
      tracing(!options.trace_file.empty() || options.timeline_out != nullptr) {
  workers.reserve(static_cast<std::size_t>(worker_count));
  for (int i = 0; i < worker_count; ++i) workers.push_back(std::make_unique<Worker>(*this, i));
}

bool RuntimeImpl::make_ready(Fiber* fiber) {
  Worker* worker = current_worker();
  if (worker != nullptr && &worker->runtime == this) {
    worker->ready_next(fiber);  // Go's ready(gp, next=true): the readier's P runs it next
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
  if (worker_count == 1 && current_worker() != nullptr) return false;
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

void RuntimeImpl::wake_worker(Worker& worker) {
  // release: pairs with wait_for_wake's acquire exchange.
  worker.wake_word.store(1, std::memory_order_release);
  rt::os::wake_one(worker.wake_word);
  worker_wakes.fetch_add(1, std::memory_order_relaxed);
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
  worker.from_global.fetch_add(n, std::memory_order_relaxed);
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

void RuntimeImpl::fire_due_timers() {
  const std::int64_t next = next_timer_ns.load(std::memory_order_relaxed);
  if (next == kNoTimer || next > to_ns(rt::Clock::now())) return;
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

void RuntimeImpl::schedtrace(std::chrono::milliseconds interval) {
  const auto start = rt::Clock::now();
  auto next = start + interval;
  while (trace_stop.load(std::memory_order_acquire) == 0) {
    if (rt::os::wait_on_address_until(trace_stop, 0, next)) continue;  // stopping (or spurious)
    const std::string line =
        schedtrace_line(owner.stats(), std::chrono::duration_cast<std::chrono::milliseconds>(
                                           rt::Clock::now() - start)) +
        "\n";
    if (options.schedtrace_out != nullptr) {
      options.schedtrace_out->write(line);
    } else {
      std::fputs(line.c_str(), stderr);
    }
    next += interval;
  }
}

void RuntimeImpl::write_trace() const {
  std::vector<WorkerTrace> traces;
  for (const auto& worker : workers) traces.push_back(worker->trace);
  if (!options.trace_file.empty()) {
    std::FILE* file = std::fopen(options.trace_file.c_str(), "wb");
    const std::string json = chrome_trace_json(traces, options.name);
    if (file == nullptr || std::fwrite(json.data(), 1, json.size(), file) != json.size()) {
      std::fprintf(stderr, "rt::sched: could not write the trace to %s\n",
                   options.trace_file.c_str());
    }
    if (file != nullptr) std::fclose(file);
  }
  if (options.timeline_out != nullptr) {
    print_timeline(traces, options.timeline_width, *options.timeline_out);
  }
}

std::string schedtrace_line(const Stats& stats, std::chrono::milliseconds since_start) {
  std::string queues;
  for (const auto& worker : stats.workers) {
    if (!queues.empty()) queues += ' ';
    queues += std::to_string(worker.queued);
  }
  return "SCHED " + std::to_string(since_start.count()) +
         "ms: workers=" + std::to_string(stats.workers.size()) +
         " idle=" + std::to_string(stats.idle) + " spinning=" + std::to_string(stats.spinning) +
         " global=" + std::to_string(stats.global_queued) +
         " alive=" + std::to_string(stats.alive) + " wakes=" + std::to_string(stats.worker_wakes) +
         " runqueues=[" + queues + "]";
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

Fiber::Fiber(detail::RuntimeImpl& runtime_, std::string name, rt::fiber::Stack stack_,
             std::function<void()> body_, std::shared_ptr<detail::Completion> completion_)
    : runtime(runtime_),
      name_(std::move(name)),
      stack(std::move(stack_)),
      body(std::move(body_)),
      completion(std::move(completion_)) {
  context = rt::fiber::make_context(stack, &detail::fiber_start, this);
}

Fiber::~Fiber() {
  rt::fiber::destroy_context(context);
}

Runtime::Runtime(Options options) : impl_(std::make_unique<detail::RuntimeImpl>(*this, options)) {
  detail::RuntimeImpl& impl = *impl_;
  for (auto& worker : impl.workers) {
    rt::os::ThreadOptions thread_options;
    thread_options.name = impl.options.name + "-" + std::to_string(worker->index);
    if (impl.options.pin) thread_options.cpu = worker->index % rt::os::cpu_count();
    Worker* w = worker.get();
    try {
      worker->thread = rt::os::Thread(thread_options, [w] { w->run(); });
    } catch (...) {
      impl.stopping.store(true, std::memory_order_release);
      for (auto& started : impl.workers) {
        if (!started->thread.joinable()) continue;
        impl.wake_worker(*started);
        started->thread.join();
      }
      throw;
    }
  }
  auto interval = impl.options.schedtrace;
  if (interval.count() == 0) {
    if (const char* env = std::getenv("RT_SCHEDTRACE")) {
      interval = std::chrono::milliseconds(std::strtol(env, nullptr, 10));
    }
  }
  if (interval.count() > 0) {
    impl.trace_thread = rt::os::Thread({.name = impl.options.name + "-trace"},
                                       [&impl, interval] { impl.schedtrace(interval); });
  }
}

Runtime::~Runtime() {
  wait_until_idle();
  detail::RuntimeImpl& impl = *impl_;
  if (impl.trace_thread.joinable()) {
    impl.trace_stop.store(1, std::memory_order_release);
    rt::os::wake_one(impl.trace_stop);
    impl.trace_thread.join();
  }
  impl.stopping.store(true, std::memory_order_release);
  for (auto& worker : impl.workers) impl.wake_worker(*worker);
  for (auto& worker : impl.workers) worker->thread.join();
  if (impl.tracing) impl.write_trace();
}

JoinHandle Runtime::spawn_function(rt::fiber::FiberOptions options, std::function<void()> body) {
  detail::RuntimeImpl& impl = *impl_;
  Worker* worker = current_worker();
  if (worker != nullptr && &worker->runtime != &impl) worker = nullptr;
  rt::fiber::Stack stack = worker != nullptr
                               ? worker->stacks.acquire(options.stack_size, options.guard)
                               : rt::fiber::Stack(options.stack_size, options.guard);
  auto completion = std::make_shared<Completion>();
  completion->name = options.name;
  auto* fiber =
      new Fiber(impl, std::move(options.name), std::move(stack), std::move(body), completion);
  fiber->id = impl.next_fiber_id.fetch_add(1, std::memory_order_relaxed);
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

int Runtime::workers() const noexcept {
  return impl_->worker_count;
}

const Knobs& Runtime::knobs() const noexcept {
  return impl_->options.knobs;
}

Stats Runtime::stats() const {
  const detail::RuntimeImpl& impl = *impl_;
  Stats stats;
  for (const auto& worker : impl.workers) {
    WorkerStats w;
    w.runs = worker->runs.load(std::memory_order_relaxed);
    w.steals = worker->steals.load(std::memory_order_relaxed);
    w.stolen = worker->stolen.load(std::memory_order_relaxed);
    w.from_global = worker->from_global.load(std::memory_order_relaxed);
    w.sleeps = worker->sleeps.load(std::memory_order_relaxed);
    w.finished = worker->finished.load(std::memory_order_relaxed);
    w.queued = worker->queue.size();
    stats.workers.push_back(w);
  }
  stats.global_queued = impl.global_size.load(std::memory_order_relaxed);
  stats.idle = impl.idle.load(std::memory_order_relaxed);
  stats.spinning = impl.spinning.load(std::memory_order_relaxed);
  stats.alive = impl.alive.load(std::memory_order_relaxed);
  stats.worker_wakes = impl.worker_wakes.load(std::memory_order_relaxed);
  return stats;
}

bool unpark(Fiber& fiber) {
  auto state = fiber.state.load(std::memory_order_acquire);
  for (;;) {
    if (state == Fiber::State::parked) {
      // acq_rel: acquire takes the parked fiber (its saved context) from commit_park's
      // release; release hands what we wrote to whoever runs it.
      if (fiber.state.compare_exchange_weak(state, Fiber::State::runnable,
                                            std::memory_order_acq_rel, std::memory_order_acquire)) {
        return fiber.runtime.make_ready(&fiber);
      }
    } else if (state == Fiber::State::running) {
      // Still on its way to parking: its worker will see this and run it again at once.
      if (fiber.state.compare_exchange_weak(state, Fiber::State::unpark_pending,
                                            std::memory_order_acq_rel, std::memory_order_acquire)) {
        return false;
      }
    } else {
      detail::fail("unpark: the fiber is not parked (a second unpark for one park?): ",
                   "\"" + fiber.name() + "\"");
    }
  }
}

// ---- JoinHandle ----

JoinHandle::JoinHandle(std::shared_ptr<detail::Completion> completion)
    : completion_(std::move(completion)) {}

JoinHandle& JoinHandle::operator=(JoinHandle&& other) noexcept {
  if (this != &other) {
    release();
    completion_ = std::move(other.completion_);
  }
  return *this;
}

JoinHandle::~JoinHandle() {
  release();
}

void JoinHandle::release() noexcept {
  if (completion_ == nullptr) return;
  const std::uint32_t before =
      completion_->state.fetch_or(Completion::kDetached, std::memory_order_acq_rel);
  if ((before & Completion::kFinished) != 0 && completion_->error) {
    detail::fail_unjoined(*completion_);
  }
  completion_.reset();
}

void JoinHandle::join() {
  if (completion_ == nullptr)
    detail::fail("join: the handle is empty (joined, moved from or default)");
  Completion& completion = *completion_;
  if ((completion.state.load(std::memory_order_acquire) & Completion::kFinished) == 0) {
    if (this_fiber::on_fiber() && current_worker() != nullptr) {
      Fiber& self = this_fiber::current();
      Fiber* expected = nullptr;
      // acq_rel: the finisher's exchange sees us (and unparks us), or we see it closed.
      if (completion.joiner.compare_exchange_strong(expected, &self, std::memory_order_acq_rel,
                                                    std::memory_order_acquire)) {
        this_fiber::park();
      }
    } else {
      for (;;) {
        // acq_rel: acquire pairs with the finisher's release (its `error`); the RMW orders our
        // bit against its kFinished (Worker::finish).
        const std::uint32_t state =
            completion.state.fetch_or(Completion::kThreadWaits, std::memory_order_acq_rel) |
            Completion::kThreadWaits;
        if ((state & Completion::kFinished) != 0) break;
        rt::os::wait_on_address(completion.state, state);
      }
    }
  }
  if ((completion.state.load(std::memory_order_acquire) & Completion::kFinished) == 0) {
    detail::fail("join: woken before the fiber finished: ", completion.name);
  }
  std::exception_ptr error = std::exchange(completion.error, nullptr);
  completion.state.fetch_or(Completion::kDetached, std::memory_order_relaxed);
  completion_.reset();
  if (error) std::rethrow_exception(error);
}

// ---- this_fiber ----

namespace this_fiber {

void yield() {
  detail::leave_worker(Worker::After::yield, "this_fiber::yield");
}

void park() {
  detail::leave_worker(Worker::After::park, "this_fiber::park");
}

Fiber& current() {
  return *detail::worker_of_running_fiber("this_fiber::current").running;
}

const std::string& name() {
  return current().name();
}

int worker() {
  return detail::worker_of_running_fiber("this_fiber::worker").index;
}

Runtime& runtime() {
  return detail::worker_of_running_fiber("this_fiber::runtime").runtime.owner;
}

bool on_fiber() noexcept {
  Worker* worker = current_worker();
  return worker != nullptr && worker->running != nullptr;
}

namespace {
void unpark_sleeper(void* fiber) {
  unpark(*static_cast<Fiber*>(fiber));
}
}  // namespace

void sleep_until(rt::Clock::time_point at) {
  if (at <= rt::Clock::now()) {
    yield();
    return;
  }
  Alarm alarm;
  alarm.set(at, &unpark_sleeper, &current());
  park();
}

void sleep_for(rt::Clock::duration d) {
  sleep_until(rt::Clock::now() + d);
}

}  // namespace this_fiber

// ---- Alarm ----

void Alarm::set(rt::Clock::time_point at, void (*on_fire)(void* context), void* context) {
  Worker& worker = detail::worker_of_running_fiber("Alarm::set");
  if (timer_.queued()) detail::fail("Alarm::set: the alarm is armed already");
  runtime_ = &worker.runtime;
  timer_.deadline = at;
  timer_.on_fire = on_fire;
  timer_.context = context;
  runtime_->add_timer(timer_);
}

void Alarm::cancel() noexcept {
  if (runtime_ != nullptr) runtime_->remove_timer(timer_);
}

}  // namespace rt::sched
