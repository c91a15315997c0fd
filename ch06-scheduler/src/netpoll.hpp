// The netpoller: chapter 4's sockets on M:N fibers. One OS event queue for the runtime; the
// workers poll it themselves (Go's netpoll), so no thread of its own sits between an event and
// the fiber it readies.
//
// Who polls (worker.cpp, worker_netpoll.cpp):
// - a worker with nothing in its own queue or the global one polls without blocking before it
//   steals, and every global_interval schedules (so busy workers still see I/O);
// - a worker about to sleep, while fibers wait on I/O, blocks in the queue instead of in the
//   address wait (the first to get there; the others sleep as before), with the next timer as
//   its timeout if it is also the timer watcher. Waking it is a Poller::wake instead of a
//   futex wake (RuntimeImpl::wake_worker).
// Poller::wait runs on one thread at a time (chapter 2's contract): `polling` is a try-lock,
// and a worker that finds it taken does not wait for it.
//
// The parking protocol is chapter 4's (ch04-echo-server/src/loop_impl.hpp), with its one rule:
// a fiber parked on I/O is unparked exactly when its Operation finishes, by whoever finishes
// it. Here that is any worker: the poller's (on_event), a timer's (a deadline's cancel), or any
// thread's (cancel_all, Listener::close). They are ordered by a lock per socket, a stripe of
// 64 mutexes picked by the IoSocket's address. Lock order, outermost first: the timer heap's
// lock (callbacks run under it), the waiter list's, a stripe, the scheduler's; nothing is
// taken while a stripe is held but the scheduler's lock.
//
// What chapter 4 did not need (reactor.hpp): an event handled on one worker while a fiber
// starts an operation on another (the stripe); a close racing an accept (the stripe, through
// guard()); a poll that began before a socket closed and reports it after (retire(): the
// socket's state outlives every such poll).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "reactor.hpp"  // chapter 4's seam (ch04-echo-server/src)
#include "rt/clock.hpp"
#include "rt/net/timer.hpp"
#include "rt/poll/io_operation.hpp"
#include "rt/poll/poller.hpp"

namespace rt::sched {
class Fiber;
}

namespace rt::sched::detail {

struct RuntimeImpl;

// One M:N fiber parked in a socket call or an rt::net sleep. Lives in its frame.
struct NetWaiter final : rt::net::ParkedIo {
  enum class Reason { none, timed_out, cancelled, closed };

  Fiber* fiber = nullptr;
  rt::poll::IoSocket* io = nullptr;          // null for a sleep
  rt::poll::Operation* operation = nullptr;  // null for a sleep
  rt::net::Timer timer;                      // the deadline (or the sleep's end), if any
  // Under the stripe of `io`; a sleep's, by whoever wins `woken`, before its unpark.
  Reason reason = Reason::none;
  bool cancel_requested = false;
  std::atomic<bool> woken{false};  // a sleep: whoever sets it unparks the fiber
  NetWaiter* previous = nullptr;   // the waiter list, under NetPoller::waiters_lock
  NetWaiter* next = nullptr;
};

class NetPoller final : public rt::net::Reactor {
 public:
  explicit NetPoller(RuntimeImpl& runtime);
  ~NetPoller();

  // rt::net::Reactor
  rt::poll::Poller& poller() noexcept override { return queue_; }
  void check_on_fiber(const char* call) const override;
  void await(rt::poll::IoSocket& io, rt::poll::Operation& operation, rt::net::Deadline deadline,
             std::string_view call, rt::net::Publication* published) override;
  void sleep_until(rt::Clock::time_point deadline) override;
  void cancel_closed(rt::net::Publication& published) override;
  std::unique_lock<std::mutex> guard(const void* socket) override;
  void hold_still(bool start) noexcept override;
  void retire(std::unique_ptr<rt::net::SocketState> state) noexcept override;

  // Fibers parked on I/O now (Go's netpollWaiters): nobody polls while it is 0.
  bool anyone_waiting() const noexcept { return io_waiters_.load(std::memory_order_seq_cst) != 0; }
  int io_waiters() const noexcept { return io_waiters_.load(std::memory_order_relaxed); }
  bool sleeping_in_poller() {
    std::lock_guard lock(retire_lock_);
    return in_wait_ && wait_blocks_;
  }
  // Polls once if no other thread is polling: returns false at once if one is. Otherwise
  // waits up to `timeout` (nullopt: until an event or a wake; 0: does not block) and appends
  // to `ready` every fiber whose operation the poll finished.
  // `wake_word`: a sleeper's; if it is 1 once the poll is ours, the poll does not block.
  bool try_poll(std::optional<std::chrono::milliseconds> timeout, std::vector<Fiber*>& ready,
                const std::atomic<std::uint32_t>* wake_word = nullptr);
  // try_poll for a worker about to sleep: if a quick poll is in the way, its end wakes a
  // worker to take the poller over (a blocking one is watching already). false: sleep on the
  // word instead.
  bool sleep_in_poll(std::optional<std::chrono::milliseconds> timeout, std::vector<Fiber*>& ready,
                     const std::atomic<std::uint32_t>& wake_word);
  // Makes a blocked (or the next) try_poll return (Poller::wake). Any thread.
  void wake() noexcept { queue_.wake(); }
  // Runtime::cancel_all: every waiter resumes with Cancelled; later calls throw it at once.
  void cancel_all();
  bool cancelled() const noexcept { return cancelling_.load(std::memory_order_acquire); }
  std::uint64_t events_handled() const noexcept {
    return events_handled_.load(std::memory_order_relaxed);
  }

 private:
  std::mutex& stripe(const void* socket) noexcept;  // by the IoSocket's address
  bool on_own_fiber() const noexcept;
  // Under the stripe of waiter.io: asks for the operation to end early; true if it finished
  // now (the caller unparks the fiber, after releasing the stripe).
  bool request_cancel_locked(NetWaiter& waiter, NetWaiter::Reason reason);
  void request_cancel(NetWaiter& waiter, NetWaiter::Reason reason);  // takes the stripe
  static void deadline_fired(void* waiter);
  static void sleep_ended(void* waiter);
  void link(NetWaiter& waiter);
  void unlink(NetWaiter& waiter) noexcept;
  void spend_budget();

  RuntimeImpl& runtime_;
  rt::poll::Poller queue_;
  std::array<std::mutex, 64> stripes_;

  std::atomic<bool> polling_{false};        // the try-lock around queue_.wait
  std::atomic<bool> holder_blocks_{false};  // its holder's wait may block
  std::atomic<bool> poll_wanted_{false};    // a sleeper found a quick poll in its way
  std::vector<rt::poll::Event> events_;     // the poller's buffer (under polling_)
  std::atomic<int> io_waiters_{0};          // fibers parked in await()
  std::atomic<std::uint64_t> events_handled_{0};

  // retire(): a socket closed while a poll runs is destroyed after it; otherwise at once,
  // under the lock, so that no poll begins while it is being deregistered.
  std::mutex retire_lock_;
  bool in_wait_ = false;      // under retire_lock_
  bool wait_blocks_ = false;  // under retire_lock_: the running poll may block
  std::vector<std::unique_ptr<rt::net::SocketState>> graveyard_;  // under retire_lock_

  std::mutex waiters_lock_;
  NetWaiter* waiters_ = nullptr;  // every parked waiter, for cancel_all
  std::atomic<bool> cancelling_{false};
};

}  // namespace rt::sched::detail
