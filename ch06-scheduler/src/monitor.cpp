// The monitor thread (Go's sysmon): a thread of its own, outside the workers, that looks at
// them every 20 us to 10 ms, asks a fiber that has run too long to yield, and hands the worker
// of a fiber blocked in the OS to another thread (retake and hand_off, in handoff.cpp).
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
  std::vector<Sample> samples(workers.size(), Sample{0, rt::Clock::now()});
  const microseconds slice = options.preempt_after;
  // Go's backoff: 20 us while it has work to do (a handoff), doubling after 50 rounds without
  // any, up to 10 ms (here also up to preempt_after, so that a smaller one is honoured: a run is
  // asked to end between preempt_after and twice it). It settles at the cap while workers run
  // and nothing blocks: about 100 wakeups a second. While every worker is idle it sleeps
  // outright, as Go's sysmon does (sleep_while_all_idle, in runtime.cpp), and a worker leaving
  // its sleep wakes it into the rounds it had: a worker's waking is not work (Go's sysmon goes
  // back to 20 us only when a system call woke it). Starting again at 20 us cost a server whose
  // worker sleeps between bursts (chapter 4's echo, 64 connections, one worker) about 2,900
  // monitor wakeups a second on its own CPU, and 4-8% of its CPU time per message.
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
    if (idle.load(std::memory_order_relaxed) == worker_count && sleep_while_all_idle()) {
      if (monitor_stop.load(std::memory_order_acquire) != 0) return;
      continue;
    }
    const rt::Clock::time_point now = rt::Clock::now();
    bool worked = false;
    for (std::size_t i = 0; i < workers.size(); ++i) {
      Worker& worker = *workers[i];
      if (worker.in_blocking.load(std::memory_order_relaxed)) {
        worked |= retake(worker, now);  // handoff.cpp
        continue;                       // not running a fiber: nothing to preempt
      }
      if (slice.count() == 0) continue;
      Sample& sample = samples[i];
      const std::uint64_t count = worker.runs.load(std::memory_order_relaxed);
      if (count != sample.count) {
        sample = {count, now};
      } else if (std::chrono::duration_cast<microseconds>(now - sample.since) >= slice) {
        // (In microseconds: a slice of microseconds::max(), "never", would overflow the
        // clock's nanoseconds.)
        worker.preempt_run.store(count, std::memory_order_relaxed);
        preempt_requests.fetch_add(1, std::memory_order_relaxed);
        if (async_preempt) interrupt(worker);  // a fiber without check points (preempt.cpp)
      }
    }
    rounds_without_work = worked ? 0 : rounds_without_work + 1;
  }
}

}  // namespace rt::sched::detail
