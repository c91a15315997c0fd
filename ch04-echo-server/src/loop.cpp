// rt::net::Loop: one thread, fibers over the OS event queue, timers (loop.hpp).
#include "rt/net/loop.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "loop_impl.hpp"
#include "rt/fence.hpp"
#include "rt/terminal.hpp"

namespace rt::net {

constinit thread_local Loop* detail::this_thread_loop = nullptr;

namespace {

using detail::this_thread_loop;

// Events one wait may report; more ready sockets are reported by the next wait.
constexpr std::size_t kEventsPerWait = 256;

[[noreturn]] void fail(const char* message) {
  fail_misuse(message);
}

int checked_budget(int budget) {
  if (budget < 1) {
    throw std::invalid_argument("rt::net::Loop: a budget of " + std::to_string(budget) +
                                " calls (it must be 1 or more)");
  }
  return budget;
}

}  // namespace

void fail_misuse(std::string_view message) {
  std::fprintf(stderr, "rt::net: %.*s\n", static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  std::abort();
}

Loop::Impl::Impl(int budget) : events(kEventsPerWait), budget(budget) {}

Loop::Loop(LoopOptions options)
    : impl_(std::make_unique<Impl>(checked_budget(options.budget))), scheduler_(&impl_->scheduler) {
  // A Loop owns its thread (its Scheduler, this_thread_loop); a fiber owns none: chapter 6's
  // move between threads, and of_running_fiber() counts on no such thread owning a Loop.
  if (rt::fiber::this_fiber::on_fiber()) fail("a Loop cannot be made on a fiber");
  this_thread_loop = this;
}

Loop::~Loop() {
  if (impl_->on_interrupt) rt::set_interrupt_notifier(nullptr);
  this_thread_loop = nullptr;
  // acquire: pairs with the release decrement, a waker's last touch of the Impl. A waker that
  // pushed a request this loop took is counted here (its increment came before its push).
  while (impl_->wakers_inside.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

Loop* Loop::current_or_null() noexcept {
  return this_thread_loop;
}

Loop& Loop::current() {
  if (this_thread_loop == nullptr || !rt::fiber::this_fiber::on_fiber()) {
    fail("Loop::current() called outside a fiber of a Loop (sockets and sleeps need one)");
  }
  return *this_thread_loop;
}

void Loop::Impl::check_on_fiber(const char* call) const {
  if (this_thread_loop == nullptr || &this_thread_loop->impl() != this ||
      !rt::fiber::this_fiber::on_fiber()) {
    fail_misuse(std::string(call) + " called off a fiber of the Loop it belongs to");
  }
}

rt::fiber::JoinHandle Loop::spawn_function(rt::fiber::FiberOptions options,
                                           std::function<void()> body) {
  if (this_thread_loop != this) fail("Loop::spawn called on another thread");
  return impl_->scheduler.spawn(std::move(options), std::move(body));
}

const Loop::Stats& Loop::stats() const noexcept {
  return impl_->stats;
}

bool Loop::cancelled() const noexcept {
  return impl_->cancelling;
}

void Loop::run() {
  Impl& loop = *impl_;
  if (this_thread_loop != this) fail("Loop::run called on another thread");
  if (rt::fiber::this_fiber::on_fiber()) fail("Loop::run called from a fiber");
  for (;;) {
    loop.scheduler.run();  // every ready fiber, until each parked or finished
    if (loop.scheduler.alive() == 0) {
      // Done, unless tasks are queued (they may spawn fibers): run those first.
      bool queued;
      {
        std::lock_guard lock(loop.posted_mutex);
        queued = !loop.posted.empty();
      }
      if (!queued) return;
      loop.run_posted();  // the wake that came with them is reported to a later wait: harmless
      continue;
    }
    // Sleep until the next timer, rounded up (rounding down would wake early and wait
    // again), or until an event when there is no timer at all. A timer already due makes
    // this a poll (timeout 0): the queue is still read before the timers fire, so an
    // operation that finished by its deadline keeps its result (the data wins).
    // A fiber that spent its budget waits for this turn: poll, do not sleep.
    std::optional<std::chrono::milliseconds> timeout;
    if (!loop.deferred.empty()) {
      timeout = std::chrono::milliseconds(0);
    } else if (const Timer* next = loop.timers.top()) {
      auto left = next->deadline - Clock::now();
      timeout =
          std::chrono::ceil<std::chrono::milliseconds>(std::max(left, Clock::duration::zero()));
    }
    if (!timeout || timeout->count() != 0) {
      // About to sleep: say so, then look at the inbox. seq_cst fence: this store, then the
      // inbox read; pairs with the fence in unpark_from_any_thread (push, then read this
      // state). Either the waker sees kSleeping and wakes the Poller, or this read sees its
      // request and the wait becomes a poll: a request is never left in the inbox while the
      // loop sleeps.
      loop.sleep_state.store(Impl::kSleeping, std::memory_order_relaxed);
      rt::store_load_fence();
      if (loop.inbox.load(std::memory_order_relaxed) != nullptr) {
        timeout = std::chrono::milliseconds(0);
      }
    }
    ++(timeout && timeout->count() == 0 ? loop.stats.polls : loop.stats.waits);
    const std::size_t n = loop.event_queue.wait(loop.events, timeout);
    // Awake: wakers from now on only push. A wake sent for this sleep but reported after it
    // makes one later wait return early, which is harmless.
    loop.sleep_state.store(Impl::kAwake, std::memory_order_relaxed);
    loop.take_remote_unparks();
    // Sockets first, the wake (posted tasks, Ctrl-C) last: only the loop's own code runs
    // while this batch is handled, so no task can close a socket whose event is still in it.
    bool woken = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (loop.events[i].token == rt::poll::kWakeToken) {
        woken = true;
      } else {
        loop.handle(loop.events[i]);
      }
    }
    if (woken) loop.run_posted();
    loop.fire_due_timers();
    // Last, so that every fiber the poll and the timers made ready runs before them.
    loop.resuming.swap(loop.deferred);
    for (rt::fiber::Fiber* fiber : loop.resuming) loop.scheduler.unpark(*fiber);
    loop.resuming.clear();
  }
}

namespace {

// unpark_from_any_thread's protocol, with the Impl kept alive by the caller's count.
bool push_and_wake(Loop::Impl& loop, Loop::RemoteUnpark& request) noexcept {
  Loop::RemoteUnpark* head = loop.inbox.load(std::memory_order_relaxed);
  do {
    request.next = head;
    // release: publishes the request (and whatever the waker wrote before) to the loop's
    // acquire exchange in take_remote_unparks().
  } while (!loop.inbox.compare_exchange_weak(head, &request, std::memory_order_release,
                                             std::memory_order_relaxed));
  // seq_cst fence: the push above, then the state read below (pairs with run()'s fence).
  rt::store_load_fence();
  if (loop.sleep_state.load(std::memory_order_relaxed) != Loop::Impl::kSleeping) return false;
  std::uint32_t sleeping = Loop::Impl::kSleeping;
  // One waker per sleep pays for the wake; the others see kWakeSent and return.
  if (!loop.sleep_state.compare_exchange_strong(sleeping, Loop::Impl::kWakeSent,
                                                std::memory_order_relaxed)) {
    return false;
  }
  loop.remote_wakes.fetch_add(1, std::memory_order_relaxed);
  loop.event_queue.wake();
  return true;
}

}  // namespace

bool Loop::unpark_from_any_thread(RemoteUnpark& request) noexcept {
  Impl& loop = *impl_;
  // Counted before the push (the push's release carries it to the loop's acquire), uncounted
  // after the last touch: ~Loop waits for the count to drop to 0.
  loop.wakers_inside.fetch_add(1, std::memory_order_relaxed);
  const bool paid = push_and_wake(loop, request);
  loop.wakers_inside.fetch_sub(1, std::memory_order_release);
  return paid;
}

void Loop::wake_unconditionally() noexcept {
  impl_->remote_wakes.fetch_add(1, std::memory_order_relaxed);
  impl_->event_queue.wake();
}

void Loop::unpark_here(rt::fiber::Fiber& fiber) {
  if (this_thread_loop != this) fail("Loop::unpark_here called on another thread");
  impl_->scheduler.unpark(fiber);
}

std::uint64_t Loop::remote_wakes() const noexcept {
  return impl_->remote_wakes.load(std::memory_order_relaxed);
}

void Loop::Impl::take_remote_unparks() {
  // acquire: pairs with the wakers' release pushes.
  RemoteUnpark* newest_first = inbox.exchange(nullptr, std::memory_order_acquire);
  RemoteUnpark* oldest_first = nullptr;
  while (newest_first != nullptr) {  // reverse: fibers run in the order they were woken
    RemoteUnpark* next = newest_first->next;
    newest_first->next = oldest_first;
    oldest_first = newest_first;
    newest_first = next;
  }
  while (oldest_first != nullptr) {
    // Read the link first: once unparked, the fiber may run and its request be gone.
    RemoteUnpark* next = oldest_first->next;
    ++stats.remote_unparks;
    scheduler.unpark(*oldest_first->fiber);
    oldest_first = next;
  }
}

void Loop::Impl::fire_due_timers() {
  const Clock::time_point now = Clock::now();
  while (const Timer* first = timers.top()) {
    if (first->deadline > now) break;
    Timer& timer = timers.pop();
    ++stats.timers_fired;
    if (timer.on_fire != nullptr) {  // an Alarm
      timer.on_fire(timer.context);
      continue;
    }
    Waiter& waiter = *timer.waiter;
    if (waiter.operation == nullptr) {
      wake_up(waiter);  // a sleep: its time has come
    } else {
      request_cancel(waiter, Waiter::Reason::timed_out);  // a deadline: end the I/O
    }
  }
}

void Loop::Impl::handle(const rt::poll::Event& event) {
  ++stats.events;
  // The token is the IoSocket's address (io_operation.hpp); each finished Operation carries
  // its Waiter (await() put it there).
  auto* io = reinterpret_cast<rt::poll::IoSocket*>(static_cast<std::uintptr_t>(event.token));
  for (rt::poll::Operation* operation : io->on_event(event)) {
    wake_up(*static_cast<Waiter*>(operation->context()));
  }
}

void Loop::post(std::function<void()> task) {
  // Counted as unpark_from_any_thread's wakers are: the loop may run the task and be destroyed
  // before the wake below returns (the mutex's release carries the increment to the loop).
  impl_->wakers_inside.fetch_add(1, std::memory_order_relaxed);
  bool was_empty;
  {
    std::lock_guard lock(impl_->posted_mutex);
    was_empty = impl_->posted.empty();
    impl_->posted.push_back(std::move(task));
  }
  // One wake per batch: a non-empty queue already has a wake on its way that the loop has
  // not yet acted on (run_posted empties the queue only after the wake was reported), and
  // the loop will take this task with the others.
  if (was_empty) impl_->event_queue.wake();
  impl_->wakers_inside.fetch_sub(1, std::memory_order_release);
}

void Loop::Impl::run_posted() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(posted_mutex);
    tasks.swap(posted);
  }
  for (auto& task : tasks) {
    ++stats.tasks_run;
    try {
      task();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rt::net: a task posted to the loop threw: %s\n", e.what());
      std::fflush(stderr);
      std::abort();
    }
  }
  if (on_interrupt && !interrupt_handled && rt::interrupted()) {
    interrupt_handled = true;
    on_interrupt();
  }
}

void Loop::cancel_all() {
  Impl& loop = *impl_;
  if (this_thread_loop != this) fail("Loop::cancel_all called on another thread");
  loop.cancelling = true;
  // request_cancel only unparks fibers (or asks the kernel); nobody runs and unlinks a
  // Waiter during this walk.
  for (Waiter* waiter = loop.waiters; waiter != nullptr; waiter = waiter->next) {
    loop.request_cancel(*waiter, Waiter::Reason::cancelled);
  }
}

// Ctrl-C. The path from the key to the loop, and why each step is allowed where it runs:
// 1. Unix: the kernel runs common/terminal_posix.cpp's SIGINT handler on some thread, in
//    the middle of whatever that thread was doing. It records the request in a lock-free
//    atomic, then loads the notifier (one lock-free atomic pointer) and calls
//    notify_loop below, which calls Poller::wake(). On epoll that is one write() to an
//    eventfd: write() is on POSIX's list of async-signal-safe functions, and wake() touches
//    no other memory (no lock, no allocation, no errno left changed: the handler restores it).
//    On kqueue it is one kevent(NOTE_TRIGGER) call: a plain system call with no user-space
//    state, though not on POSIX's list (macOS documents no list of its own); a self-pipe
//    would be the strictly portable alternative.
//    Windows: the console runs its control handler on a thread of its own, an ordinary
//    thread, and wake() is PostQueuedCompletionStatus, documented thread-safe.
// 2. The loop's wait returns with a kWakeToken event; run_posted() sees rt::interrupted()
//    and calls the callback on the loop's thread, where it may do anything a task may.
// The Loop removes the notifier in its destructor before its Poller goes. (A SIGINT handled
// on another thread at that very moment could still reach the Poller as it dies; programs
// ask for on_interrupt on a Loop that lives as long as they do.)
namespace {
void notify_loop(void* context) noexcept {
  static_cast<Loop::Impl*>(context)->event_queue.wake();
}
}  // namespace

void Loop::on_interrupt(std::function<void()> on_interrupt) {
  Impl& loop = *impl_;
  if (this_thread_loop != this) fail("Loop::on_interrupt called on another thread");
  const bool first = !loop.on_interrupt;
  loop.on_interrupt = std::move(on_interrupt);
  loop.interrupt_handled = false;
  rt::install_interrupt_handler();
  loop.interrupt_notifier = {notify_loop, &loop};
  if (first && !rt::set_interrupt_notifier(&loop.interrupt_notifier)) {
    fail("Loop::on_interrupt: another Loop already receives Ctrl-C");
  }
  if (rt::interrupted()) loop.event_queue.wake();  // pressed already: handle it on the next turn
}

}  // namespace rt::net
