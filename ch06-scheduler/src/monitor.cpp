// The monitor thread (Go's sysmon): a thread of its own, outside the workers, that looks at
// them every 20 us to 10 ms, asks a fiber that has run too long to yield, and hands the worker
// of a fiber blocked in the OS to another thread (hand_off, below).
//
// It does not read a clock on the workers' behalf: like Go's sysmon, it samples each
// worker's run counter, and when the counter has not moved since a sample at least
// Options::preempt_after ago, the run it belongs to has lasted at least that long (from
// preempt_after to preempt_after plus one round, as in Go). The request is the counter's value
// (Worker::preempt_run); the fiber's next check point compares it with the counter it runs
// under (this_fiber::preemption_point). A worker that is idle rather than running a fiber
// gets a request too, and nothing comes of it: its next run has another number.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "rt/os/address_wait.hpp"
#include "runtime_impl.hpp"

namespace rt::sched::detail {

void RuntimeImpl::monitor() {
  using std::chrono::microseconds;
  struct Sample {
    std::uint64_t count = 0;
    rt::Clock::time_point since{};  // when `count` was first seen with this value
  };
  const rt::Clock::time_point start = rt::Clock::now();
  std::vector<Sample> runs(workers.size(), Sample{0, start});
  std::vector<Sample> regions(workers.size(), Sample{0, start});
  const microseconds slice = options.preempt_after;
  const microseconds handoff_after = options.handoff_after;
  // Go's backoff: 20 us while it has work to do (a handoff), doubling after 50 rounds without
  // any, up to 10 ms (here also up to preempt_after, so that a smaller one is honoured: a run is
  // asked to end between preempt_after and twice it). It settles at the cap while nothing
  // blocks: about 100 wakeups a second, idle or not, where Go's sysmon sleeps outright while
  // every P is idle.
  const microseconds longest =
      slice.count() > 0 ? std::min(microseconds(10'000), slice) : microseconds(10'000);
  microseconds delay{20};
  int rounds_without_work = 0;
  for (;;) {
    if (rounds_without_work == 0) {
      delay = std::min(microseconds(20), longest);
    } else if (rounds_without_work > 50) {
      delay = std::min(delay * 2, longest);
    }
    rt::os::wait_on_address_until(monitor_stop, 0, rt::Clock::now() + delay);
    if (monitor_stop.load(std::memory_order_acquire) != 0) return;
    const rt::Clock::time_point now = rt::Clock::now();
    bool worked = false;
    for (std::size_t i = 0; i < workers.size(); ++i) {
      Worker& worker = *workers[i];
      // (Durations in microseconds: a limit of microseconds::max(), "never", would overflow
      // the clock's nanoseconds.)
      if (worker.in_blocking.load(std::memory_order_relaxed)) {
        if (handoff_after.count() == 0) continue;
        Sample& region = regions[i];
        const std::uint64_t count = worker.blocking_regions.load(std::memory_order_relaxed);
        if (count != region.count) {
          region = {count, now};  // a region we had not seen: it lasts at least until the next
        } else if (std::chrono::duration_cast<microseconds>(now - region.since) >= handoff_after) {
          worked |= hand_off(worker, region.since, now);
        }
        continue;  // not running a fiber: nothing to preempt
      }
      if (slice.count() == 0) continue;
      Sample& run = runs[i];
      const std::uint64_t count = worker.runs.load(std::memory_order_relaxed);
      if (count != run.count) {
        run = {count, now};
      } else if (std::chrono::duration_cast<microseconds>(now - run.since) >= slice) {
        worker.preempt_run.store(count, std::memory_order_relaxed);
      }
    }
    rounds_without_work = worked ? 0 : rounds_without_work + 1;
  }
}

// Go's retake and handoffp, for a worker whose fiber has been in a blocking region since
// `since`. Not worth a thread (Go's words) when the worker has nothing queued, some other
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
    machine = spare_head;
    if (machine != nullptr) {
      spare_head = machine->next_spare;
    } else {
      starting = spares_starting != 0;
    }
  }
  if (starting) return true;  // a spare is on its way to the list: the next round
  if (machine == nullptr) {
    // Go starts the thread in handoffp itself; here it starts as a spare, and a later round
    // hands it the worker. If the OS refuses a thread, the worker stays where it is and the
    // monitor tries again, saying so once.
    try {
      start_machine(nullptr,
                    {.name = options.name + "-m" +
                             std::to_string(machine_count.load(std::memory_order_relaxed))});
    } catch (const std::exception& e) {
      if (!machine_refused) {
        machine_refused = true;
        std::fprintf(stderr,
                     "rt::sched: the monitor could not start a thread to take over a blocked "
                     "worker (%s); it keeps trying\n",
                     e.what());
      }
    }
    return true;
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
  machine->wake_word.store(1, std::memory_order_release);
  rt::os::wake_one(machine->wake_word);
  return true;
}

}  // namespace rt::sched::detail
