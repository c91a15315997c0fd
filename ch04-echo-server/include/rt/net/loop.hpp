// rt::net::Loop: the netpoller. One thread runs fibers (chapter 3) until none is ready, then
// sleeps in the OS event queue (chapter 2) until a socket is ready or an operation finished,
// the next timer is due, or another thread posted work. A fiber that "blocks" on a socket
// parks; the loop unparks it when the queue says its operation finished.
//
//   rt::net::Loop loop;
//   loop.spawn({.name = "server"}, [] {
//     auto listener = rt::net::Listener::bind("127.0.0.1", 0);
//     for (;;) {
//       rt::net::Stream stream = listener.accept();
//       rt::net::Loop::current().spawn({.name = "echo"}, [s = std::move(stream)]() mutable {...});
//     }
//   });
//   loop.run();  // returns when no fiber is alive
//
// One turn of run():
//   1. run every ready fiber until each parked or finished (a fiber that yields runs again
//      in the same step: yielding lets the other fibers run, not the loop's I/O);
//   2. wait in the Poller until the next timer, or forever if there is none, or not at all
//      (a poll) if a timer is already due or a fiber spent its budget; hand each event to
//      its socket and unpark the fibers whose operations finished; a wake event runs the
//      tasks other threads post()ed;
//   3. fire the timers that are due: a sleeping fiber is unparked, a deadline cancels its
//      I/O. The queue is read before the timers fire, so an operation that finished by its
//      deadline keeps its result;
//   4. unpark the fibers that spent their budget, after every fiber unparked in 2 and 3.
//   Stops when no fiber is alive (ready, running or parked) and no post()ed task is queued.
//
// The cooperative budget. A socket call whose operation finishes at once (readiness
// backends: the data or the room was there) does not park, so a fiber whose peer writes and
// reads at full speed could run for seconds without the loop ever polling, and every other
// connection would wait. So each fiber may complete LoopOptions::budget such calls in a row;
// the call that spends the last of it returns its result only after the fiber parked for
// one turn (step 4), in which the loop polls and runs everyone that became ready. Parking
// on a call, or sleeping, refills the budget. Nothing preempts a fiber that computes
// without calling the loop: the budget is cooperative (Tokio's answer to the same problem).
//
// Contract:
// - Threads: a Loop belongs to the thread that created it; at most one Loop per thread (it
//   owns that thread's rt::fiber::Scheduler, and chapter 3 allows one). Every member but
//   post() must be called on that thread; post() is for any thread.
// - Streams, Listeners, sleep_for and Deadlines belong to the Loop of the fiber that uses
//   them; using one on a fiber of another Loop, or off any fiber, is a checked error (the
//   process stops with a message).
// - Destroying a Loop with fibers still parked frees their stacks without unwinding them
//   (rt::fiber::Scheduler's rule); call cancel_all() and run() first to unwind them.
// - Joining: JoinHandle::join() on a fiber of this loop works as in chapter 3. Called on the
//   thread outside run(), it runs only the Scheduler (no I/O, no timers): use run() instead.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "rt/clock.hpp"
#include "rt/fiber/scheduler.hpp"

namespace rt::net {

using Clock = rt::Clock;  // std::chrono::steady_clock

// Socket calls a fiber may complete in a row without parking before it lets the loop poll
// (see "The cooperative budget" above). 32 echo reads and writes of 16 KiB move at most
// 512 KiB, a few hundred microseconds on loopback, before the other connections are served;
// chapter 4's README measures what the extra polls cost a busy connection.
inline constexpr int kCooperativeBudget = 32;

class Loop;
namespace detail {
// The Loop of this thread (at most one: it owns the thread's Scheduler), or nullptr. Read
// through Loop::current_or_null() and Loop::of_running_fiber(); loop.cpp sets it.
extern constinit thread_local Loop* this_thread_loop;
}  // namespace detail

struct LoopOptions {
  // The cooperative budget: calls in a row that finished at once before the fiber yields one
  // turn (>= 1). A test lowers it to make a greedy connection yield on any machine; `serve
  // --budget` lets a reader measure what it buys (README, "A greedy client").
  int budget = kCooperativeBudget;
};

class Loop {
 public:
  // Creates the Scheduler, the Poller (and its Waker) and an empty timer heap. Throws
  // rt::OsError if the OS refuses the event queue, std::invalid_argument for a budget below
  // 1. Stops the process with a message if this thread already has a Loop or a Scheduler.
  explicit Loop(LoopOptions options = {});
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // The Loop of the running fiber. Called off a fiber, or on a fiber of a bare
  // rt::fiber::Scheduler, it stops the process with a message.
  static Loop& current();

  // Creates a fiber that runs `body` (any callable taking no arguments) on this loop, ready
  // at once. On the loop's thread, from a fiber or before/between run()s. Throws as
  // Scheduler::spawn (no stack: rt::OsError). `body` may be move-only, such as a lambda that
  // owns the connection's Stream ([s = listener.accept()]() mutable {...}): chapter 3 keeps
  // bodies in a std::function, which needs copies, so a move-only body is kept behind a
  // shared_ptr (one allocation).
  template <typename Body>
  rt::fiber::JoinHandle spawn(rt::fiber::FiberOptions options, Body&& body) {
    return spawn_function(std::move(options), rt::fiber::to_function(std::forward<Body>(body)));
  }

  // Runs fibers, timers, I/O and posted tasks as described above until no fiber is alive
  // and no task is queued. Not from a fiber (checked). Rethrows nothing: an exception that
  // escapes a fiber's body goes to its JoinHandle (chapter 3's rule; a detached fiber's
  // stops the process).
  void run();

  // ANY thread: runs `task` on the loop's thread, between fibers, soon: the poster wakes the
  // Poller, so a loop blocked in wait() returns at once. Tasks run in the order they were
  // posted, each exactly once, and may spawn fibers or call cancel_all(). Everything the
  // posting thread wrote before post() is visible to `task` (the queue's mutex). run()
  // returns only with the queue empty; a task posted after that runs in the next run().
  // Tasks must not throw (the process stops with a message if one does).
  void post(std::function<void()> task);

  // Shutdown. On the loop's thread (a fiber, or a posted task). Every fiber parked on I/O
  // or on a timer of this loop resumes with rt::net::Cancelled thrown from the call it was
  // parked in, and every blocking call made on this loop afterwards throws Cancelled at once
  // (the loop is shutting down for good). On IOCP a fiber parked on I/O resumes only once
  // its cancelled operation's completion arrived, because until then the kernel owns its
  // buffer. A cancelled I/O that had already finished successfully still throws Cancelled;
  // its data is dropped (the connection is being torn down anyway). Idempotent.
  void cancel_all();
  // True once cancel_all() was called.
  bool cancelled() const noexcept;

  // Waking a parked fiber from another thread: chapter 5's path for traffic that is not rare
  // (post() takes a mutex and allocates). A request names one fiber; it lives with whoever
  // parked that fiber (a channel's waiter, in the fiber's frame). The loop keeps the requests
  // in a lock-free inbox and, before it sleeps in the Poller, sets one flag that every waker
  // reads: only the first request after the loop fell asleep pays a Poller::wake (a system
  // call); requests while it is awake, or after that first one, cost one atomic push.
  struct RemoteUnpark {
    rt::fiber::Fiber* fiber = nullptr;  // a fiber of this loop
    RemoteUnpark* next = nullptr;       // the inbox's link (the loop's)
  };
  // ANY thread: makes request.fiber ready again. Precondition: that fiber is parked, or it is
  // running and parks before it yields or finishes (the loop reads its inbox only between
  // fibers), and nobody else unparks it for the same park. `request` must stay valid until
  // the fiber runs again.
  // Returns true if this call paid for the loop's wake (a Poller::wake: an OS wakeup).
  bool unpark_from_any_thread(RemoteUnpark& request) noexcept;
  // ANY thread: wakes the loop unconditionally, a system call every time (what a notifier that
  // does not batch pays per message; chapter 5's `burst` measures it).
  void wake_unconditionally() noexcept;
  // ANY thread: Poller::wake calls paid by the two calls above (OS wakeups).
  std::uint64_t remote_wakes() const noexcept;
  // The loop's thread (checked): makes a parked fiber of this loop ready (Scheduler::unpark).
  void unpark_here(rt::fiber::Fiber& fiber);

  // The Loop of the calling thread, on a fiber or not; nullptr if the thread has none.
  static Loop* current_or_null() noexcept;
  // The Loop whose fiber is running on the calling thread; nullptr on the loop's own stack or
  // on a thread without a Loop. Inline (a thread-local read and two loads; on ELF targets the
  // read is one instruction, while MinGW's emulated thread-locals and macOS's descriptors
  // still make a call), for chapter 5's channel, which asks in every operation of a fiber
  // endpoint (chapter 5's README measures what the calls cost). A compiler may keep a
  // thread-local's address across a call, which is wrong for a fiber that resumes on another
  // thread (chapter 6's). It is right here: it is non-null only on a loop's fiber, which never
  // leaves the loop's thread, and a thread that runs such fibers never owns a Loop (the
  // constructor refuses to run on a fiber), so on them it reads nullptr on any thread.
  static Loop* of_running_fiber() noexcept;
  // The fiber running on this loop (precondition: of_running_fiber() == this).
  rt::fiber::Fiber& running_fiber() noexcept { return *scheduler_->running(); }

  // Ctrl-C: arranges that `on_interrupt` runs once on the loop's thread (like a post()ed
  // task) when the user presses Ctrl-C, or another request to stop arrives (SIGINT,
  // SIGTERM, SIGHUP; on Windows the console's Ctrl-C, Ctrl-Break, close, logoff and
  // shutdown events: rt/terminal.hpp). Installs rt::install_interrupt_handler(); a second Ctrl-C
  // still ends the process at once. No polling: the signal handler wakes the Poller (loop.cpp says
  // why that is async-signal-safe). At most one Loop per process may ask for this (checked). A
  // Ctrl-C that arrived before this call (rt::interrupted() already true) runs `on_interrupt` on
  // the next turn.
  void on_interrupt(std::function<void()> on_interrupt);

  // The loop's clock (Clock::now(); no cached time).
  Clock::time_point now() const noexcept { return Clock::now(); }

  // Counters for tests and the bench (loop thread only).
  struct Stats {
    std::size_t waits = 0;           // Poller::wait calls that could block (timeout != 0)
    std::size_t polls = 0;           // Poller::wait calls with timeout 0 (a timer was due)
    std::size_t timers_fired = 0;    // timers that came due (sleeps and deadlines)
    std::size_t tasks_run = 0;       // post()ed tasks run
    std::size_t events = 0;          // events handed to sockets
    std::size_t deferrals = 0;       // fibers that spent their budget and waited one turn
    std::size_t remote_unparks = 0;  // fibers made ready by unpark_from_any_thread
  };
  const Stats& stats() const noexcept;

  // The machinery behind the other headers (timer.cpp, stream.cpp, listener.cpp). Not for
  // application code.
  struct Impl;
  Impl& impl() noexcept { return *impl_; }

 private:
  rt::fiber::JoinHandle spawn_function(rt::fiber::FiberOptions options, std::function<void()> body);

  std::unique_ptr<Impl> impl_;
  rt::fiber::Scheduler* scheduler_;  // impl_'s, for the inline functions
};

inline Loop* Loop::of_running_fiber() noexcept {
  Loop* loop = detail::this_thread_loop;
  return loop != nullptr && loop->scheduler_->running() != nullptr ? loop : nullptr;
}

}  // namespace rt::net
