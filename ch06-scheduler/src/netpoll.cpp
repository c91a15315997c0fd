// The netpoller (netpoll.hpp): chapter 4's parking protocol, with the socket's stripe where
// chapter 4 relied on having one thread.
#include "netpoll.hpp"

#include <fmt/format.h>

#include <cassert>
#include <cstdint>
#include <utility>

#include "fiber.hpp"
#include "rt/fence.hpp"
#include "rt/net/errors.hpp"
#include "runtime_impl.hpp"

namespace rt::sched::detail {

namespace {

// Events one wait may report; more ready sockets are reported by the next wait.
constexpr std::size_t kEventsPerWait = 256;

// The runtime's reactor, for rt::net's calls made on one of its fibers (reactor.hpp).
RT_SCHED_NO_PREEMPT rt::net::Reactor* reactor_of_running_fiber() noexcept {
  Worker* worker = current_worker();
  if (worker == nullptr || worker->running == nullptr) return nullptr;
  return worker->runtime.net.get();
}

}  // namespace

NetPoller::NetPoller(RuntimeImpl& runtime) : runtime_(runtime), events_(kEventsPerWait) {
  rt::net::set_reactor_lookup(&reactor_of_running_fiber);
}
NetPoller::~NetPoller() {
  assert(waiters_ == nullptr && "the runtime stops only when no fiber is alive");
  graveyard_.clear();  // no poll runs any more
}

std::mutex& NetPoller::stripe(const void* socket) noexcept {
  // Fibonacci hashing of the address: neighbouring allocations land on different stripes.
  const auto bits = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(socket));
  return stripes_[static_cast<std::size_t>((bits * 0x9e3779b97f4a7c15ULL) >> 58)];
}

RT_SCHED_NO_PREEMPT bool NetPoller::on_own_fiber() const noexcept {
  Worker* worker = current_worker();
  return worker != nullptr && worker->running != nullptr && worker->runtime.net.get() == this;
}

void NetPoller::check_on_fiber(const char* call) const {
  if (!on_own_fiber()) {
    rt::net::fail_misuse(std::string(call) + " called off a fiber of the Runtime it belongs to");
  }
}

std::unique_lock<std::mutex> NetPoller::guard(const void* socket) {
  return std::unique_lock(stripe(socket));
}

// The fiber holds still while it holds a stripe (the Listener's calls): it does not switch
// in between, so the fiber that raised the count is the one that lowers it. Its reads of the
// machine and its fiber must not be torn by a preemption: RT_SCHED_NO_PREEMPT.
RT_SCHED_NO_PREEMPT void NetPoller::hold_still(bool start) noexcept {
  Machine* machine = current_machine();
  if (machine == nullptr || machine->running == nullptr) return;
  if (start) {
    enter_no_preemption(*machine->running);
  } else {
    leave_no_preemption(*machine->running);
  }
}

// ---- parking on an operation ----

void NetPoller::link(NetWaiter& waiter) {
  std::lock_guard lock(waiters_lock_);
  waiter.next = waiters_;
  if (waiters_ != nullptr) waiters_->previous = &waiter;
  waiters_ = &waiter;
}

void NetPoller::unlink(NetWaiter& waiter) noexcept {
  std::lock_guard lock(waiters_lock_);
  if (waiter.previous != nullptr) waiter.previous->next = waiter.next;
  if (waiter.next != nullptr) waiter.next->previous = waiter.previous;
  if (waiters_ == &waiter) waiters_ = waiter.next;
}

bool NetPoller::request_cancel_locked(NetWaiter& waiter, NetWaiter::Reason reason) {
  if (waiter.operation->state() != rt::poll::Operation::State::pending) return false;  // done
  // A shutdown overrides a timeout asked for earlier (IOCP: still waiting for the
  // completion); otherwise the first reason stays.
  if (waiter.reason == NetWaiter::Reason::none || reason == NetWaiter::Reason::cancelled) {
    waiter.reason = reason;
  }
  if (waiter.cancel_requested) return false;  // IOCP: the kernel was asked; its completion comes
  waiter.cancel_requested = true;
  // Readiness backends finish the operation now; IOCP when the cancelled completion comes.
  return waiter.io->cancel(*waiter.operation);
}

void NetPoller::request_cancel(NetWaiter& waiter, NetWaiter::Reason reason) {
  if (waiter.operation == nullptr) {  // a sleep: whoever wins the exchange ends it
    if (!waiter.woken.exchange(true, std::memory_order_acq_rel)) {
      waiter.reason = reason;  // before the unpark, which the fiber's resumption follows
      unpark(*waiter.fiber);
    }
    return;
  }
  bool finished;
  {
    std::lock_guard lock(stripe(waiter.io));
    finished = request_cancel_locked(waiter, reason);
  }
  if (finished) unpark(*waiter.fiber);  // it finished the operation: it unparks (netpoll.hpp)
}

void NetPoller::deadline_fired(void* waiter) {
  auto& w = *static_cast<NetWaiter*>(waiter);
  w.fiber->runtime.net->request_cancel(w, NetWaiter::Reason::timed_out);
}

void NetPoller::sleep_ended(void* waiter) {
  auto& w = *static_cast<NetWaiter*>(waiter);
  if (!w.woken.exchange(true, std::memory_order_acq_rel)) unpark(*w.fiber);
}

void NetPoller::spend_budget() {
  Worker& worker = *current_worker();
  Fiber* fiber = worker.running;
  if (fiber != worker.budget_owner) {
    worker.budget_owner = fiber;
    worker.budget_left = runtime_.options.budget;
  }
  if (--worker.budget_left > 0) {
    this_fiber::preemption_point();  // every rt::net call is a check point
    return;
  }
  worker.budget_owner = nullptr;
  this_fiber::yield();  // the others on this worker get a turn
}

void NetPoller::await(rt::poll::IoSocket& io, rt::poll::Operation& operation,
                      rt::net::Deadline deadline, std::string_view call,
                      rt::net::Publication* published) {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  if (!on_own_fiber()) {
    rt::net::fail_misuse(std::string(call) + " called off a fiber of the Runtime it belongs to");
  }
  if (cancelled()) throw rt::net::Cancelled(call);
  // For a timeout's message only: no clock read without a deadline (one per parked read).
  const rt::Clock::time_point started = deadline.at ? rt::Clock::now() : rt::Clock::time_point{};
  NetWaiter waiter;
  waiter.fiber = current_worker()->running;
  waiter.io = &io;
  waiter.operation = &operation;
  operation.set_context(&waiter);
  bool finished = false;
  {
    std::lock_guard lock(stripe(&io));
    if (io.start(operation)) {
      finished = true;
    } else if (published != nullptr) {
      published->parked = &waiter;
      if (published->closed) finished = request_cancel_locked(waiter, NetWaiter::Reason::closed);
    }
  }
  if (finished && waiter.reason == NetWaiter::Reason::none) {
    spend_budget();  // finished at once (readiness backends, data there)
    return;
  }
  current_worker()->budget_owner = nullptr;  // it blocks: a full budget when it comes back
  if (!finished) {
    // From here an event, a deadline or a shutdown may finish the operation and unpark us,
    // on any worker, even before park() below: the park then returns at once.
    io_waiters_.fetch_add(1, std::memory_order_seq_cst);
    link(waiter);
    if (cancelled()) request_cancel(waiter, NetWaiter::Reason::cancelled);  // cancel_all raced
    if (deadline.at) {
      waiter.timer.deadline = *deadline.at;
      waiter.timer.on_fire = &NetPoller::deadline_fired;
      waiter.timer.context = &waiter;
      runtime_.add_timer(waiter.timer);
    }
    this_fiber::park();  // until the operation finished
    // Waits for a deadline callback that is running (under the timer lock); without a
    // deadline there is none, and the lock is not taken.
    if (deadline.at) runtime_.remove_timer(waiter.timer);
    unlink(waiter);
    io_waiters_.fetch_sub(1, std::memory_order_seq_cst);
  }
  NetWaiter::Reason reason;
  {
    std::lock_guard lock(stripe(&io));
    assert(operation.state() == rt::poll::Operation::State::finished);
    if (published != nullptr) published->parked = nullptr;
    reason = waiter.reason;
  }
  switch (reason) {
    case NetWaiter::Reason::cancelled:
      throw rt::net::Cancelled(call);
    case NetWaiter::Reason::closed:
      throw rt::net::Cancelled(call, "the listener was closed");
    case NetWaiter::Reason::timed_out:
      // Only if the cancel took effect: an operation that finished first keeps its result.
      if (rt::poll::is_cancelled(operation.error())) {
        rt::Clock::duration after = deadline.budget;
        if (after == rt::Clock::duration::zero() && *deadline.at > started) {
          after = *deadline.at - started;
        }
        throw rt::net::TimedOut(call, after);
      }
      return;
    case NetWaiter::Reason::none:
      return;
  }
}

void NetPoller::sleep_until(rt::Clock::time_point deadline) {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  check_on_fiber("sleep");
  if (cancelled()) throw rt::net::Cancelled("sleep");
  if (deadline <= rt::Clock::now()) {
    this_fiber::yield();  // due already: let the others run once, no timer
    return;
  }
  NetWaiter waiter;
  waiter.fiber = current_worker()->running;
  waiter.timer.deadline = deadline;
  waiter.timer.on_fire = &NetPoller::sleep_ended;
  waiter.timer.context = &waiter;
  link(waiter);
  if (cancelled()) request_cancel(waiter, NetWaiter::Reason::cancelled);
  runtime_.add_timer(waiter.timer);
  this_fiber::park();  // until the timer fired or cancel_all()
  runtime_.remove_timer(waiter.timer);
  unlink(waiter);
  // `reason` is written before the unpark that resumed us, by whoever ended the sleep.
  if (waiter.reason == NetWaiter::Reason::cancelled) throw rt::net::Cancelled("sleep");
}

void NetPoller::cancel_closed(rt::net::Publication& published) {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  // Under the stripe (Listener::close holds guard()): the fiber is parked, or parks later and
  // sees `closed` itself (await above).
  if (published.parked == nullptr) return;
  auto& waiter = static_cast<NetWaiter&>(*published.parked);
  if (request_cancel_locked(waiter, NetWaiter::Reason::closed)) unpark(*waiter.fiber);
}

void NetPoller::cancel_all() {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  cancelling_.store(true, std::memory_order_release);
  // Under the list's lock: a waiter cannot unlink (and leave) while we look at it; one that
  // links after this walk sees cancelling_ (both under the lock).
  std::lock_guard lock(waiters_lock_);
  for (NetWaiter* waiter = waiters_; waiter != nullptr; waiter = waiter->next) {
    request_cancel(*waiter, NetWaiter::Reason::cancelled);
  }
}

// ---- polling ----

bool NetPoller::try_poll(std::optional<std::chrono::milliseconds> timeout,
                         std::vector<Fiber*>& ready, const std::atomic<std::uint32_t>* wake_word) {
  if (polling_.load(std::memory_order_relaxed)) return false;
  if (polling_.exchange(true, std::memory_order_acquire)) return false;
  // The sleeper's word, read once the poll is ours: a wake sent to it earlier may have been
  // reported to (and consumed by) the poll before ours, but then its word is 1 (that poll's
  // release of polling_, our acquire). Then ours must not block. (The first version read
  // the word before taking the poll: model/workers.pml, MUTANT_WORD_BEFORE_LOCK.)
  if (wake_word != nullptr && wake_word->load(std::memory_order_relaxed) != 0) {
    timeout = std::chrono::milliseconds(0);
  }
  const bool blocks = !timeout || timeout->count() != 0;
  holder_blocks_.store(blocks, std::memory_order_relaxed);
  {
    std::lock_guard lock(retire_lock_);
    in_wait_ = true;
    wait_blocks_ = !timeout || timeout->count() != 0;
  }
  const std::size_t n = queue_.wait(events_, timeout);
  for (std::size_t i = 0; i < n; ++i) {
    const rt::poll::Event& event = events_[i];
    if (event.token == rt::poll::kWakeToken) continue;  // a wake: the worker looks again
    // The token is the IoSocket's address; each finished Operation carries its waiter.
    auto* io = reinterpret_cast<rt::poll::IoSocket*>(static_cast<std::uintptr_t>(event.token));
    std::lock_guard lock(stripe(io));
    for (rt::poll::Operation* operation : io->on_event(event)) {
      ready.push_back(static_cast<NetWaiter*>(operation->context())->fiber);  // it finished it
    }
  }
  events_handled_.fetch_add(n, std::memory_order_relaxed);
  std::vector<std::unique_ptr<rt::net::SocketState>> dead;
  {
    std::lock_guard lock(retire_lock_);
    in_wait_ = false;
    dead.swap(graveyard_);
  }
  dead.clear();  // deregister and close, before the next poll can begin (polling_ is ours)
  holder_blocks_.store(false, std::memory_order_relaxed);
  polling_.store(false, std::memory_order_release);
  // A worker that meant to sleep in the poller found this poll in its way, and sleeps on its
  // word instead: wake a worker to take the poller over (see sleep_in_poll). The store above,
  // then the flag; the sleeper does the opposite, with the same fence.
  rt::store_load_fence();
  if (poll_wanted_.load(std::memory_order_relaxed) &&
      poll_wanted_.exchange(false, std::memory_order_relaxed)) {
    runtime_.wakep();
  }
  return true;
}

bool NetPoller::sleep_in_poll(std::optional<std::chrono::milliseconds> timeout,
                              std::vector<Fiber*>& ready,
                              const std::atomic<std::uint32_t>& wake_word) {
  if (try_poll(timeout, ready, &wake_word)) {
    poll_wanted_.store(false, std::memory_order_relaxed);  // we are the one who polls now
    return true;
  }
  // A blocking poll is in the way: its worker watches the sockets, and will again when it
  // is idle (busy, it polls every global_interval schedules).
  if (holder_blocks_.load(std::memory_order_relaxed)) return false;
  // A quick poll (a busy worker's) is in the way: it ends soon, and then nobody may be
  // watching while we sleep on our word. Ask it to wake someone, then try once more: either
  // it sees the flag, or we see it gone.
  poll_wanted_.store(true, std::memory_order_relaxed);
  rt::store_load_fence();
  if (!try_poll(timeout, ready, &wake_word)) return false;
  poll_wanted_.store(false, std::memory_order_relaxed);
  return true;
}

void NetPoller::retire(std::unique_ptr<rt::net::SocketState> state) noexcept {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  std::lock_guard lock(retire_lock_);
  if (in_wait_) {
    graveyard_.push_back(std::move(state));  // the running poll may report it: after it
    // A poll that blocks would keep the socket open until some event came, and that event
    // may be the very one closing it causes (the peer's end of file): wake it. A poll
    // that does not block ends soon anyway.
    if (wait_blocks_) queue_.wake();
    return;
  }
  state.reset();  // under the lock: no poll begins until it is deregistered
}

}  // namespace rt::sched::detail
