// Fibers locked to a machine (locked.hpp): Go's LockOSThread, and the ThreadLocker that several
// fibers move onto. A locked machine runs only its own fibers (Machine::run); this file is how
// it gets them and how it lets go of its worker.
//
// The protocol (README, "Pinned fibers"; model/locked.pml checks it). A locked machine is
// awake (it holds a worker, or is inside a blocking region) or asleep (idle_locked). Its
// runnable fibers wait in its `ready` list while it is awake, and on run queues while it is
// asleep, where a worker finds them and hands itself over with the fiber (receive). Both
// sides decide under the machine's pin_lock:
//   readier (make_ready):  awake? into `ready` : onto a run queue (the usual way)
//   picker (receive):      awake? into `ready` : idle_locked = false, hand worker and fiber, wake
//   machine (become_idle): idle_locked = true, and `ready` emptied onto run queues
// So a fiber readied while its machine goes to sleep is either in `ready` when the machine
// empties it, or finds the machine asleep: never left in a list nobody looks at.
#include "rt/sched/locked.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "rt/os/address_wait.hpp"
#include "runtime_impl.hpp"

namespace rt::sched {

using detail::After;
using detail::fail;
using detail::Machine;
using detail::TraceEvent;
using detail::Worker;

namespace detail {

void Machine::push_ready(Fiber* fiber) {
  fiber->next = nullptr;
  if (ready_tail != nullptr) {
    ready_tail->next = fiber;
  } else {
    ready_head = fiber;
  }
  ready_tail = fiber;
}

bool Machine::take_if_running(Fiber* fiber) {
  std::lock_guard guard(pin_lock);
  if (idle_locked) return false;
  push_ready(fiber);
  return true;
}

void Machine::requeue_locked(Fiber* fiber) {
  std::lock_guard guard(pin_lock);
  push_ready(fiber);
}

// Go's startlockedm, by a machine holding `from` that took `fiber` (locked here) off a run
// queue, or that runs a fiber moving here (After::move_on).
bool Machine::receive(Fiber* fiber, Worker& from) {
  {
    std::lock_guard guard(pin_lock);
    if (!idle_locked) {
      push_ready(fiber);  // awake: it runs the fiber when the one it runs leaves
      return false;
    }
    idle_locked = false;
    handed_worker = &from;
    handed_fiber = fiber;
  }
  runtime.machine_wakes.fetch_add(1, std::memory_order_relaxed);  // counted before (wake_worker)
  // release: pairs with wait_as_locked's acquire: the handed fields, and the worker's fields
  // as we leave them (we touch the worker no more).
  wake_word.store(1, std::memory_order_release);
  rt::os::wake_one(wake_word);
  return true;
}

void Machine::become_idle(Worker* holding) {
  Fiber* list;
  {
    std::lock_guard guard(pin_lock);
    idle_locked = true;
    list = std::exchange(ready_head, nullptr);
    ready_tail = nullptr;
  }
  std::vector<Fiber*> fibers;
  for (; list != nullptr; list = list->next) fibers.push_back(list);
  if (fibers.empty()) return;
  if (holding != nullptr) {
    for (Fiber* fiber : fibers) holding->push_local(fiber);
  } else {
    runtime.global_push(fibers);
  }
}

// While it holds a worker: the next of its fibers, first come first served, unless the worker
// has spent Knobs::runnext_slice on locked fibers only while its own queue or the global queue
// has work (looked at every 16th pick, as take_local's streak, and after a preemption). It
// does what find_runnable would have done meanwhile: fires due timers (one load when none
// is), and at each look polls the network if fibers wait on it, so that a machine that keeps
// its worker holds back no sleep and no socket.
Fiber* Machine::next_locked() {
  Worker& held = *worker;
  slice_over = false;
  runtime.fire_due_timers();
  if (check_slice || ++locked_runs % 16 == 0) {
    check_slice = false;
    if (runtime.net->anyone_waiting()) {
      if (Fiber* polled = held.poll_network(std::chrono::milliseconds(0))) {
        if (polled->locked_to == this) {
          requeue_locked(polled);
        } else {
          held.push_local(polled);
        }
      }
    }
    const bool others_wait = held.queue.size() != 0 || held.queue.has_runnext() ||
                             runtime.global_size.load(std::memory_order_relaxed) != 0;
    if (others_wait && rt::Clock::now() - locked_since >= runtime.options.knobs.runnext_slice) {
      // Behind whatever waits on the global queue: the machine that takes the worker runs the
      // worker's queue and the global queue's head before it meets one of ours (on the
      // worker's own queue, ours would be picked first and the worker handed straight back:
      // the global queue would wait ~61 slices, a reviewer measured).
      slice_over = true;
      become_idle(nullptr);
      runtime.wakep();
      return nullptr;
    }
  }
  {
    std::lock_guard guard(pin_lock);
    if (Fiber* fiber = ready_head) {
      ready_head = fiber->next;
      if (ready_head == nullptr) ready_tail = nullptr;
      return fiber;
    }
  }
  become_idle(&held);
  return nullptr;
}

// Go's handoffp from stoplockedm: the worker goes on, on another thread; this one sleeps with
// its fibers. If the last one parked, the thread is blocked with it: "pinned" (Java's word).
bool Machine::let_go_of_worker() {
  Worker& held = *std::exchange(worker, nullptr);
  if (after == After::park && !slice_over) {  // it parked, and nothing else here could run
    held.pinned.fetch_add(1, std::memory_order_relaxed);
    if (runtime.tracing) {
      const std::int64_t now = runtime.trace_now();
      held.record({TraceEvent::Kind::pinned, now, now, last_ran});
    }
  }
  held.busy.store(false, std::memory_order_relaxed);
  return runtime.give_to_spare(held);
}

Fiber* Machine::wait_as_locked() {
  // acquire: pairs with receive's release store (or stop_workers'): the handed fields.
  while (wake_word.exchange(0, std::memory_order_acquire) == 0) {
    rt::os::wait_on_address(wake_word, 0);
  }
  worker = std::exchange(handed_worker, nullptr);
  if (worker == nullptr) return nullptr;  // the runtime stops
  locked_since = rt::Clock::now();
  locked_runs = 0;
  return std::exchange(handed_fiber, nullptr);
}

Machine* RuntimeImpl::pop_spare_locked() {
  Machine* machine = spare_head;
  if (machine != nullptr) spare_head = machine->next_spare;
  return machine;
}

bool RuntimeImpl::give_to_spare(Worker& worker) {
  Machine* spare;
  {
    std::lock_guard guard(lock);
    // Under the lock where stop_workers wakes the spares after raising `stopping`: a machine
    // that goes on here is woken there (or sees `stopping` here).
    if (stopping.load(std::memory_order_acquire)) return false;
    spare = pop_spare_locked();
  }
  if (spare != nullptr) {
    spare->worker = &worker;
    machine_wakes.fetch_add(1, std::memory_order_relaxed);
    // release: pairs with wait_for_worker's acquire (`worker`, and the worker's fields).
    spare->wake_word.store(1, std::memory_order_release);
    rt::os::wake_one(spare->wake_word);
    return true;
  }
  try {
    const std::string name =
        options.name + "-m" + std::to_string(machine_count.load(std::memory_order_relaxed));
    return start_machine(&worker, {.name = name}) != nullptr;  // nullptr: the runtime stops
  } catch (const std::exception& e) {
    fail(
        "the OS refused a thread to run a worker while its thread sleeps with a locked "
        "fiber: ",
        "worker " + std::to_string(worker.index) + ": " + e.what());
  }
}

void unlock_finished(Fiber& fiber) {
  Machine& machine = *fiber.locked_to;
  std::lock_guard guard(machine.pin_lock);
  fiber.locked_to = nullptr;
  fiber.lock_depth = 0;
  --machine.pinned;
  machine.locked = machine.pinned != 0 || machine.dedicated;
}

}  // namespace detail

// ---- this_fiber ----

namespace this_fiber {

void lock_os_thread() {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  Worker& worker = detail::worker_of_running_fiber("this_fiber::lock_os_thread");
  Fiber& fiber = *worker.running;
  if (fiber.locked_to != nullptr) {
    ++fiber.lock_depth;  // nested, as Go's (one unlock per lock)
    return;
  }
  // The machine runs an unlocked fiber, so it is not locked: it becomes locked, to us.
  Machine& machine = *detail::current_machine();
  std::lock_guard guard(machine.pin_lock);
  if (machine.locked || machine.pinned != 0)
    fail("lock_os_thread: an unlocked fiber on a locked thread");
  machine.pinned = 1;
  machine.locked = true;
  ++machine.lock_period;  // handles from an earlier period (ThreadLocker::current) are stale
  machine.check_slice = false;
  machine.locked_since = rt::Clock::now();
  machine.locked_runs = 0;
  fiber.locked_to = &machine;
  fiber.lock_depth = 1;
}

void unlock_os_thread() {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  Worker& worker = detail::worker_of_running_fiber("this_fiber::unlock_os_thread");
  Fiber& fiber = *worker.running;
  if (fiber.locked_to == nullptr) return;  // as Go: not locked, nothing to undo
  if (--fiber.lock_depth > 0) return;
  Machine& machine = *fiber.locked_to;
  bool stays_locked;
  {
    std::lock_guard guard(machine.pin_lock);
    fiber.locked_to = nullptr;
    --machine.pinned;
    machine.locked = machine.pinned != 0 || machine.dedicated;
    stays_locked = machine.locked;
  }
  // The last locked fiber of a machine that locks nothing else goes on where it is, and the
  // machine runs any fiber again; otherwise the fiber leaves for the run queues.
  if (stays_locked) detail::leave_worker(After::move_off, "this_fiber::unlock_os_thread");
}

bool locked_to_thread() {
  const NoPreemption region;  // runtime code (preempt.hpp)
  return detail::worker_of_running_fiber("this_fiber::locked_to_thread").running->locked_to !=
         nullptr;
}

}  // namespace this_fiber

// ---- ThreadLocker ----

ThreadLocker::ThreadLocker(Runtime& runtime) {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  detail::RuntimeImpl& impl = runtime.impl();
  const std::string name =
      impl.options.name + "-locked" + std::to_string(impl.machine_count.load());
  machine_ = impl.start_machine(nullptr, {.name = name}, /*dedicated=*/true);
  if (machine_ == nullptr) fail("ThreadLocker: the runtime is stopping");
}

ThreadLocker ThreadLocker::current() {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  Worker& worker = detail::worker_of_running_fiber("ThreadLocker::current");
  if (worker.running->locked_to == nullptr) {
    fail("ThreadLocker::current: the fiber is not locked to a thread: ",
         "\"" + worker.running->name() + "\"");
  }
  Machine& machine = *worker.running->locked_to;
  std::lock_guard guard(machine.pin_lock);
  return ThreadLocker(machine, machine.lock_period);
}

void ThreadLocker::lock() const {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  Worker& worker = detail::worker_of_running_fiber("ThreadLocker::lock");
  Fiber& fiber = *worker.running;
  if (fiber.locked_to != nullptr) {
    fail("ThreadLocker::lock: the fiber is locked to a thread already: ",
         "\"" + fiber.name() + "\"");
  }
  Machine& target = *machine_;
  if (&target.runtime != &worker.runtime) {
    fail("ThreadLocker::lock: the thread belongs to another runtime; the fiber: ",
         "\"" + fiber.name() + "\"");
  }
  bool target_locked;
  {
    std::lock_guard guard(target.pin_lock);
    // Locked, and in the period the handle was made in: a 1:1 thread whose fiber unlocked
    // and that another fiber then locked is not the thread the handle named.
    target_locked = target.locked && target.lock_period == period_;
    if (target_locked) {
      ++target.pinned;
      fiber.locked_to = &target;
      fiber.lock_depth = 1;
    }
  }
  if (!target_locked) {
    fail(
        "ThreadLocker::lock: the thread locks no fiber any more (its fibers unlocked); the "
        "fiber: ",
        "\"" + fiber.name() + "\"");
  }
  detail::leave_worker(After::move_on, "ThreadLocker::lock");
  // Resumed on the target's thread.
}

// ---- lock_to_receiver_thread (locked.hpp) ----

namespace detail {

ReceiverLock::ReceiverLock(const char* channel_mode)
    : caller_(*worker_of_running_fiber("lock_to_receiver_thread").running), mode_(channel_mode) {
  if (caller_.locked_to != nullptr) {
    fail("lock_to_receiver_thread: the fiber is locked to a thread already: ",
         "\"" + caller_.name() + "\"");
  }
}

void ReceiverLock::closed() const {
  fail("lock_to_receiver_thread: the channel is closed; the fiber: ",
       "\"" + caller_.name() + "\" (a " + mode_ + " channel)");
}

void ReceiverLock::pin_to(Fiber& receiver) {
  // The receiver set locked_to before it registered (under the list's lock, which we hold),
  // and cannot unlock before it leaves its receive (it unlinks first, under the same lock):
  // its machine stays locked while we take our pin.
  Machine* machine = receiver.locked_to;
  if (machine == nullptr) {
    receiver_unlocked_ = true;
    return;
  }
  std::lock_guard guard(machine->pin_lock);
  ++machine->pinned;
  caller_.locked_to = machine;
  caller_.lock_depth = 1;
  target_ = machine;
}

void ReceiverLock::wait_a_little() {
  this_fiber::sleep_for(pause_);
  pause_ = std::min(pause_ * 2, std::chrono::microseconds(1000));
}

void ReceiverLock::move() {
  if (receiver_unlocked_) {
    fail(
        "lock_to_receiver_thread: the fiber receiving on the channel is not locked to a thread; "
        "the fiber: ",
        "\"" + caller_.name() + "\" (a " + mode_ + " channel)");
  }
  if (&target_->runtime != &caller_.runtime) {
    fail("lock_to_receiver_thread: the receiver belongs to another runtime; the fiber: ",
         "\"" + caller_.name() + "\"");
  }
  leave_worker(After::move_on, "lock_to_receiver_thread");  // resumed on the receiver's thread
}

}  // namespace detail

}  // namespace rt::sched
