// Inside the loop: what a parked fiber leaves behind (Waiter), and the loop's state.
//
// The parking protocol, the one rule that keeps a fiber from being woken twice or never:
//   a fiber parked on I/O is unparked exactly when its Operation finishes.
// An Operation finishes in one of two places: in IoSocket::on_event() (the queue reported
// it), or in IoSocket::cancel() when that returns true (readiness backends finish a cancelled
// operation at once). Both places unpark the Waiter found through Operation::context(). A
// deadline or a shutdown therefore never wakes an I/O fiber itself: it only asks for the
// operation to be cancelled, and on IOCP the fiber sleeps on until the cancelled completion
// arrives (the kernel owns the buffer until then). A fiber parked in a sleep has no
// Operation: its timer firing, or cancel_all(), unparks it.
//
//   fiber                          loop (same thread, between fibers)
//   -----                          ----
//   io.start(op) -> pending
//   op.context = &waiter
//   timers.push(waiter.timer)
//   park() ----------------------> wait(...) -> event -> io.on_event -> op finished
//                                    wake_up(waiter): parked -> woken, unpark(fiber)
//   <----------------------------- scheduler.run()
//   timers.remove(waiter.timer)
//   unlink waiter; check reason
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "reactor.hpp"
#include "rt/fiber/scheduler.hpp"
#include "rt/net/loop.hpp"
#include "rt/net/timer.hpp"
#include "rt/poll/io_operation.hpp"
#include "rt/poll/poller.hpp"
#include "rt/terminal.hpp"
#include "timer_queue.hpp"

namespace rt::net {

// One fiber parked on the loop. Lives in the parked fiber's stack frame.
struct Waiter : ParkedIo {
  enum class State {
    parked,  // in the loop's list, its fiber parked
    woken,   // unparked (ready to run); still in the list until the fiber unlinks it
  };
  // Why the loop asked for the operation to end early (or ended the sleep early).
  enum class Reason {
    none,       // nobody asked: the operation finished (or the sleep's timer fired)
    timed_out,  // the deadline's timer fired first
    cancelled,  // Loop::cancel_all()
    closed,     // the Listener was closed by another fiber
  };

  rt::fiber::Fiber* fiber = nullptr;
  rt::poll::IoSocket* io = nullptr;          // null for a sleep
  rt::poll::Operation* operation = nullptr;  // null for a sleep
  Timer timer;                               // queued when there is a deadline (or a sleep)
  State state = State::parked;
  Reason reason = Reason::none;
  bool cancel_requested = false;  // IoSocket::cancel() was called for `operation`
  Waiter* previous = nullptr;     // the loop's list of waiters
  Waiter* next = nullptr;
};

// The chapter's Reactor (reactor.hpp): everything on the loop's thread.
struct Loop::Impl final : Reactor {
  explicit Impl(int budget);

  // Reactor. await: cancel_all() is the shutdown that throws Cancelled.
  rt::poll::Poller& poller() noexcept override { return event_queue; }
  void check_on_fiber(const char* call) const override;
  void await(rt::poll::IoSocket& io, rt::poll::Operation& operation, Deadline deadline,
             std::string_view call, Publication* published) override;
  void sleep_until(Clock::time_point deadline) override;
  void cancel_closed(Publication& published) override {
    if (published.parked != nullptr) {
      request_cancel(static_cast<Waiter&>(*published.parked), Waiter::Reason::closed);
    }
  }
  std::unique_lock<std::mutex> guard(const void*) override { return {}; }
  void retire(std::unique_ptr<SocketState> state) noexcept override { state.reset(); }

  // On a fiber of this loop, after one of its operations finished without parking: spends
  // one unit of its budget; with the last, parks it in `deferred` for one turn.
  void spend_budget();
  // Ends `waiter`'s wait early for `reason` (see the protocol above). Idempotent per waiter.
  void request_cancel(Waiter& waiter, Waiter::Reason reason);

  // The loop's turn (loop.cpp).
  void fire_due_timers();
  void handle(const rt::poll::Event& event);
  void run_posted();
  void wake_up(Waiter& waiter);  // parked -> woken, and unpark its fiber

  void link(Waiter& waiter) noexcept;
  void unlink(Waiter& waiter) noexcept;

  rt::fiber::Scheduler scheduler;
  rt::poll::Poller event_queue;  // the OS event queue (poller())
  TimerQueue timers;
  Waiter* waiters = nullptr;  // every Waiter of a parked (or woken, not yet run) fiber
  bool cancelling = false;    // cancel_all() was called: blocking calls throw Cancelled
  Stats stats;
  std::vector<rt::poll::Event> events;

  // The cooperative budget (loop.hpp). Only the running fiber spends it, so one counter
  // serves all: it belongs to budget_owner, and a different fiber starts afresh. Parking
  // in await() or a sleep clears the owner (a fiber that blocked has a full budget again).
  const int budget;  // LoopOptions::budget
  rt::fiber::Fiber* budget_owner = nullptr;
  int budget_left = 0;
  std::vector<rt::fiber::Fiber*> deferred;  // spent their budget: unparked after the poll
  std::vector<rt::fiber::Fiber*> resuming;  // deferred of the last turn, being unparked

  // post(): any thread. posted_mutex guards posted. A mutex is right here: posts are rare
  // (start-up, shutdown, the odd cross-thread request), so the lock is uncontended and costs
  // two atomic operations; it also gives post()'s "everything written before is visible"
  // for free. Chapter 5 adds the lock-free, batched path for traffic that is not rare.
  std::mutex posted_mutex;
  std::vector<std::function<void()>> posted;  // guarded by posted_mutex

  // unpark_from_any_thread (loop.hpp). The inbox is a lock-free stack (wakers push, the loop
  // takes all at once); sleep_state says whether the loop is, or is about to be, blocked in
  // the Poller, and whether a waker already paid for its wake.
  enum SleepState : std::uint32_t {
    kAwake,     // running fibers or handling events: it reads the inbox before it sleeps
    kSleeping,  // about to block, or blocked, in Poller::wait: a waker must wake it
    kWakeSent,  // a waker called Poller::wake for this sleep: the others need not
  };
  std::atomic<RemoteUnpark*> inbox{nullptr};
  std::atomic<std::uint32_t> sleep_state{kAwake};
  std::atomic<std::uint64_t> remote_wakes{0};
  // Threads inside unpark_from_any_thread or post(). After its push, a waker still reads
  // sleep_state and may wake the Poller; by then the loop may have run the fiber it woke (or
  // the task), found nothing left, and returned from run(). ~Loop waits for this to be 0
  // before the Impl goes away. (wake_unconditionally, the Naive notifier's, is not counted:
  // its caller made the fiber runnable before calling, so a count taken here would be late.
  // The Naive notifier is kept to measure, in demos whose loops outlive their senders.)
  std::atomic<std::uint32_t> wakers_inside{0};
  void take_remote_unparks();  // loop thread: unpark every fiber in the inbox, oldest first

  // Ctrl-C (loop thread only).
  std::function<void()> on_interrupt;
  bool interrupt_handled = false;
  rt::InterruptNotifier interrupt_notifier{};  // registered with rt/terminal.hpp
};

}  // namespace rt::net
