// Blocking regions (Go's entersyscall / exitsyscall; blocking.hpp) and the monitor's side of
// them (Go's retake and handoffp): a fiber blocked in the OS lets go of its worker, and the
// monitor gives a worker left that way for too long to a spare machine.
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <utility>

#include "rt/os/address_wait.hpp"
#include "rt/sched/blocking.hpp"
#include "runtime_impl.hpp"

namespace rt::sched {

using detail::After;
using detail::fail;
using detail::Machine;
using detail::TraceEvent;
using detail::Worker;

// ---- blocking regions (Go's entersyscall / exitsyscall) ----
//
// The machine keeps running the fiber, inside the OS; the worker is left behind, up for grabs
// (in_blocking). The fast way back is one CAS on the worker's flag: nothing else happened, and
// the fiber carries on where it was. The slow way: the monitor's CAS came first and another
// machine runs the worker's loop now; the fiber goes to the global queue from this machine's
// loop (After::lost_worker), and this machine becomes a spare.

void enter_blocking() {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  Worker& worker = detail::worker_of_running_fiber("rt::sched::enter_blocking");
  Machine& machine = *detail::current_machine();
  worker.blocking_regions.store(worker.blocking_regions.load(std::memory_order_relaxed) + 1,
                                std::memory_order_relaxed);
  worker.busy.store(false, std::memory_order_relaxed);  // a thief may take its runnext at once
  if (worker.runtime.tracing) {  // the run ends here: a region shows as a gap in the track
    worker.record({TraceEvent::Kind::run, machine.run_started, worker.runtime.trace_now(),
                   machine.running->id});
  }
  machine.blocked_from = &worker;
  machine.worker = nullptr;
  worker.blocked_fiber = machine.running->id;
  // release: a machine that takes the worker (the monitor's acq_rel CAS) sees everything the
  // worker's loop wrote before.
  worker.in_blocking.store(true, std::memory_order_release);
}

void exit_blocking() {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  Machine* machine = detail::current_machine();
  if (machine == nullptr || machine->blocked_from == nullptr) {
    fail("rt::sched::exit_blocking was called outside a blocking region");
  }
  Worker& worker = *std::exchange(machine->blocked_from, nullptr);
  bool expected = true;
  if (worker.in_blocking.compare_exchange_strong(expected, false, std::memory_order_acq_rel,
                                                 std::memory_order_relaxed)) {
    // The worker may have run other fibers meanwhile (the monitor gave it to another machine,
    // whose fiber then entered a region of its own, and our CAS took it from that one, as Go's
    // exitsyscall takes its old P): it names us as its running fiber again.
    machine->worker = &worker;
    worker.running = machine->running;
    machine->running->last_worker = worker.index;
    worker.busy.store(true, std::memory_order_relaxed);
    // The monitor interrupts the machine that holds the worker: this one again (it named the
    // other machine, whose fiber now sits in a region, where no interruption can preempt).
    // release: as execute's (this machine's ThreadTarget comes with it).
    worker.run_by.store(machine, std::memory_order_release);
    if (worker.runtime.tracing) machine->run_started = worker.runtime.trace_now();
    return;
  }
  machine->after = After::lost_worker;
  rt::fiber::switch_context(machine->running->context, machine->context);
  // Resumed by whichever machine took the fiber from the global queue.
  detail::after_switch();
}

namespace detail {

// Go's retake, for one worker seen in a blocking region: the first round that sees a region
// notes when; a later round, handoff_after or more after, hands the worker off if Go's rules
// say it is worth it. True if it did something (the monitor then looks again in 20 us). The
// region's number (blocking_regions) tells a long region from two short ones that the monitor
// happened to see one after the other.
bool RuntimeImpl::retake(Worker& worker, rt::Clock::time_point now) {
  const auto handoff_after = options.handoff_after;
  if (handoff_after.count() == 0) return false;
  const std::uint64_t count = worker.blocking_regions.load(std::memory_order_relaxed);
  if (count != worker.region_seen) {
    worker.region_seen = count;
    worker.region_seen_since = now;  // it lasts at least from here
    // Not work for the backoff, as in Go (only a retake is): a fiber making short regions one
    // after another would otherwise keep the monitor at 20 us rounds, 50,000 wakeups a second.
    return false;
  }
  // (In microseconds: a limit of microseconds::max(), "never", would overflow nanoseconds.)
  const auto lasted =
      std::chrono::duration_cast<std::chrono::microseconds>(now - worker.region_seen_since);
  return lasted >= handoff_after && hand_off(worker, worker.region_seen_since, now);
}

// Go's handoffp, for a worker whose fiber has been in a blocking region since `since`. Not
// worth a thread (Go's words) when the worker has nothing queued, some other
// worker is looking for work or asleep (it takes whatever comes next), and the region is
// younger than 10 ms; otherwise a spare machine takes the worker and runs its loop: its
// queued fibers, the global queue, stealing, sleeping, as any machine with a worker does.
// Returns true if it did something (a handoff, or a spare machine started for the next round).
bool RuntimeImpl::hand_off(Worker& worker, rt::Clock::time_point since, rt::Clock::time_point now) {
  const bool has_work = worker.queue.size() != 0 || worker.queue.has_runnext();
  const bool others_free =
      spinning.load(std::memory_order_relaxed) + idle.load(std::memory_order_relaxed) > 0;
  if (!has_work && others_free && now - since < std::chrono::milliseconds(10)) return false;
  Machine* machine = nullptr;
  bool starting = false;
  {
    std::lock_guard guard(lock);
    machine = pop_spare_locked();
    if (machine == nullptr) starting = spares_starting != 0;
  }
  if (starting) return true;  // a spare is on its way to the list: the next round
  if (machine == nullptr) {
    // Go starts the thread in handoffp itself; here it starts as a spare, and a later round
    // hands it the worker. If the OS refuses a thread, the worker stays where it is and the
    // monitor tries again, saying so once.
    try {
      const std::string name =
          options.name + "-m" + std::to_string(machine_count.load(std::memory_order_relaxed));
      return start_machine(nullptr, {.name = name}) != nullptr;  // nullptr: the runtime stops
    } catch (const std::exception& e) {
      if (!machine_refused) {
        machine_refused = true;
        std::fprintf(stderr,
                     "rt::sched: the monitor could not start a thread to take over a blocked "
                     "worker (%s); it keeps trying\n",
                     e.what());
      }
      return false;  // nothing done: the monitor backs off before it tries again
    }
  }
  bool expected = true;
  // acq_rel: acquire takes the worker's fields from enter_blocking's release; release passes
  // the CAS on to exit_blocking, which then sees the worker gone.
  if (!worker.in_blocking.compare_exchange_strong(expected, false, std::memory_order_acq_rel,
                                                  std::memory_order_relaxed)) {
    std::lock_guard guard(lock);  // the fiber came back first: the machine stays a spare
    machine->next_spare = spare_head;
    spare_head = machine;
    return false;
  }
  worker.handoffs.fetch_add(1, std::memory_order_relaxed);
  machine->worker = &worker;
  // release: the machine's acquire (wait_for_worker) sees `worker` and, through our CAS, the
  // worker's fields as the blocked machine left them.
  machine_wakes.fetch_add(1, std::memory_order_relaxed);
  machine->wake_word.store(1, std::memory_order_release);
  rt::os::wake_one(machine->wake_word);
  return true;
}

}  // namespace detail

}  // namespace rt::sched
