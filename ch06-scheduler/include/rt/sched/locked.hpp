// Fibers locked to an OS thread: Go's LockOSThread (1:1), and what Go has not got, a handle to
// a thread that several fibers can be moved onto and off again (N:1), the more general form
// that Go's reviewers sketched for the LockToRecvOSThread proposal (README, "Pinned fibers").
//
//   // 1:1, as Go: the fiber runs only on this thread from now on.
//   rt::sched::this_fiber::lock_os_thread();
//   gui_call();  // any API that wants one particular thread
//   rt::sched::this_fiber::unlock_os_thread();
//
//   // N:1: a thread that fibers move onto; among them, a channel is same-thread C2C.
//   rt::sched::ThreadLocker blessed(runtime);  // a thread of its own
//   runtime.spawn({}, [&] { blessed.lock(); serve(); });
//   runtime.spawn({}, [&] { blessed.lock(); ask(); rt::sched::this_fiber::unlock_os_thread(); });
//
// A thread with fibers locked to it runs only them (Go: a locked M runs only its G). While one
// of them runs, the thread holds a worker; when none can run (they parked), it hands the worker
// to another thread (a spare, started if none is left: the OS refusing that thread stops the
// process, as it does Go) and sleeps, until a worker that finds one of its fibers readied hands
// itself over (Go's startlockedm). A locked fiber readied while its thread runs another waits
// for its thread, in the thread's own list, without an OS wakeup. The thread keeps its worker
// for at most Knobs::runnext_slice of locked fibers in a row while the worker's queue or the
// global queue has work, so that the others run.
#pragma once

#include <chrono>
#include <cstdint>

#include "rt/chan/channel.hpp"
#include "rt/sched/endpoint.hpp"
#include "rt/sched/runtime.hpp"

namespace rt::sched {

namespace detail {
struct Machine;

// lock_to_receiver_thread's steps, apart from the channel's type (locked.cpp).
class ReceiverLock {
 public:
  explicit ReceiverLock(const char* channel_mode);  // checks the caller: a fiber, not locked
  [[noreturn]] void closed() const;
  // Under the receivers' list lock: the receiver's thread, if it is locked (a pin taken on it).
  void pin_to(Fiber& receiver);
  void wait_a_little();  // nobody receives yet: a sleep, longer each time (1 us to 1 ms)
  void move();           // onto the receiver's thread; or the rule it broke, and stop
 private:
  Fiber& caller_;
  const char* mode_;
  Machine* target_ = nullptr;
  bool receiver_unlocked_ = false;
  std::chrono::microseconds pause_{1};
};
}  // namespace detail

namespace this_fiber {
// Go's LockOSThread: the calling fiber runs only on the OS thread it runs on now, and that
// thread runs nothing else, until as many unlock_os_thread() calls as lock_os_thread() calls.
// A fiber that finishes locked unlocks (Go ends the thread instead: its state may be tainted;
// here the thread goes back to running any fiber).
void lock_os_thread();
// Undoes one lock_os_thread(), or a ThreadLocker::lock() (which does not nest); nothing if the
// fiber is not locked (as Go). A fiber that was the last locked to a thread that then locks
// nothing else stays where it is; otherwise it moves off, back to any worker.
void unlock_os_thread();
bool locked_to_thread();  // true between a lock and its unlock
}  // namespace this_fiber

// A handle to an OS thread of a Runtime that fibers can be moved onto (lock) and off again
// (this_fiber::unlock_os_thread). Copies name the same thread.
class ThreadLocker {
 public:
  // ANY thread: starts a thread of its own for `runtime`; it runs fibers moved onto it and
  // nothing else, and lives as long as the runtime. Throws rt::OsError if the OS refuses it.
  explicit ThreadLocker(Runtime& runtime);
  // On a fiber locked to its thread (lock_os_thread): a handle to that thread. Checked: the
  // process stops with a message if the calling fiber is not locked.
  static ThreadLocker current();

  // On a fiber of the same runtime, not locked: moves the calling fiber onto the thread, locked
  // to it, and returns running there. Checked errors (the process stops with a message): the
  // caller is locked already; the thread locks no fiber any more (all its fibers unlocked,
  // even if another fiber has locked it 1:1 since: the handle named the earlier lock).
  void lock() const;

 private:
  ThreadLocker(detail::Machine& machine, std::uint64_t period)
      : machine_(&machine), period_(period) {}
  detail::Machine* machine_;
  std::uint64_t period_ = 0;  // the machine's lock period the handle names (a 1:1 thread's)
};

// The proposal's form (Go issue 49848, LockToRecvOSThread), on ThreadLocker's machinery: the
// calling fiber joins the thread of the fiber receiving on `channel` now (parked in a receive
// or in a select with a receive case on it), which must be locked to it; undo with
// unlock_os_thread(). Nobody receiving yet: it waits until someone is (polling, a sleep of
// 1 us growing to 1 ms between looks). Checked errors (the process stops with a message): the
// channel is closed (before or while it waits); the caller is locked already; the receiver is
// not locked.
template <typename T, rt::chan::EndpointKind SenderKind, typename Storage, typename WhenFull,
          typename Notifier>
void lock_to_receiver_thread(
    rt::chan::Channel<T, SenderKind, MnFiber, Storage, WhenFull, Notifier>& channel) {
  const this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  detail::ReceiverLock lock(channel.kMode);
  for (;;) {
    if (channel.closed()) lock.closed();
    const bool someone = channel.select_receivers().look_at_oldest(
        MnFiber::kWaiting, [&lock](rt::chan::WaitNode& node) {
          lock.pin_to(*static_cast<MnFiber::Parker*>(node.parker)->fiber);
        });
    if (someone) break;
    lock.wait_a_little();
  }
  lock.move();
}

}  // namespace rt::sched
