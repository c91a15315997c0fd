// `preempt`: on each worker a "hog" fiber that never parks, then short fibers behind it; how
// long they wait with asynchronous preemption (the default), with the monitor's request
// honoured at check points only, and with preemption off.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "demos.hpp"
#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/sched/endpoint.hpp"
#include "rt/stats.hpp"
#include "rt/table.hpp"

namespace ch06 {

namespace {

enum class Preemption { interrupts, asks, off };

const char* name(Preemption p) {
  switch (p) {
    case Preemption::interrupts:
      return "asks, interrupts";
    case Preemption::asks:
      return "asks only";
    case Preemption::off:
      return "off";
  }
  return "";
}

struct PreemptRun {
  rt::Summary waits_ms;  // spawn to first run, of each short fiber
  double hog_ms = 0;     // the longest hog's run, from its spawn to its end
  std::uint64_t preempted = 0, interrupted = 0;
};

std::atomic<std::uint64_t> sink{0};  // keeps the spinning hog's arithmetic

// The hog's body. `spin`: arithmetic with no call but a clock read every 65,536 steps (the
// vDSO's code is not the fiber's: an interruption that lands there waits for the next round),
// no check point at all. `channel`: a send and a receive on its own channel, two check points.
void hog(const PreemptOptions& options) {
  const auto until = rt::Clock::now() + std::chrono::milliseconds(options.hog_ms);
  if (options.hog == "channel") {
    rt::chan::Channel<int, rt::sched::MnFiber, rt::sched::MnFiber> loopback(1);
    while (rt::Clock::now() < until) {
      (void)loopback.send(1);
      (void)loopback.receive();
    }
    return;
  }
  std::uint64_t x = 0;
  for (std::uint64_t i = 1;; ++i) {
    x = x * 6364136223846793005ULL + i;
    if ((i & 0xffff) == 0 && rt::Clock::now() >= until) break;
  }
  sink.fetch_add(x, std::memory_order_relaxed);
}

PreemptRun preempt_run(const PreemptOptions& options, Preemption preemption, rt::Output& out) {
  rt::sched::Options runtime_options{.workers = options.workers};
  runtime_options.preempt_after =
      std::chrono::microseconds(preemption == Preemption::off ? 0 : options.preempt_after_us);
  runtime_options.async_preempt = preemption == Preemption::interrupts;
  if (preemption == Preemption::interrupts) {
    runtime_options.trace_file = options.trace_file;
    runtime_options.timeline_out = options.timeline ? &out : nullptr;
  }
  std::vector<double> waits(static_cast<std::size_t>(options.others));
  std::atomic<std::int64_t> hog_ns{0};
  std::atomic<int> hogs_running{0};
  PreemptRun run;
  {
    rt::sched::Runtime runtime(runtime_options);
    std::vector<rt::sched::JoinHandle> handles;
    for (int h = 0; h < runtime.workers(); ++h) {
      const auto spawned = rt::Clock::now();
      handles.push_back(runtime.spawn({.name = "hog"}, [&hog_ns, &hogs_running, spawned, &options] {
        hogs_running.fetch_add(1);
        hog(options);
        const std::int64_t ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(rt::Clock::now() - spawned)
                .count();
        std::int64_t seen = hog_ns.load();
        while (ns > seen && !hog_ns.compare_exchange_weak(seen, ns)) {
        }
      }));
    }
    // Every worker holds a hog before the others come (a hog may have been preempted already).
    while (hogs_running.load() != runtime.workers()) std::this_thread::yield();
    for (std::size_t i = 0; i < waits.size(); ++i) {
      const auto spawned = rt::Clock::now();
      handles.push_back(runtime.spawn({.name = "other"}, [&waits, i, spawned] {
        waits[i] = std::chrono::duration<double, std::milli>(rt::Clock::now() - spawned).count();
      }));
    }
    for (auto& handle : handles) handle.join();
    for (const auto& worker : runtime.stats().workers) {
      run.preempted += worker.preempted;
      run.interrupted += worker.interrupted;
    }
  }
  run.waits_ms = rt::summarize(waits);
  run.hog_ms = static_cast<double>(hog_ns.load()) / 1e6;
  return run;
}

}  // namespace

void preempt(const PreemptOptions& options, rt::Output& out) {
  rt::Table table(
      fmt::format("{} {} hog(s) of {} ms on {} worker(s), then {} short fibers", options.workers,
                  options.hog, options.hog_ms, options.workers, options.others),
      {"preemption", "others' wait, median ms", "max ms", "hogs ran ms", "preempted",
       "of which interrupted"});
  for (const Preemption preemption : {Preemption::interrupts, Preemption::asks, Preemption::off}) {
    const PreemptRun run = preempt_run(options, preemption, out);
    table.add_row({name(preemption), rt::format_number(run.waits_ms.median, 2),
                   rt::format_number(run.waits_ms.max, 2), rt::format_number(run.hog_ms, 1),
                   std::to_string(run.preempted), std::to_string(run.interrupted)});
  }
  if (options.json) {
    table.print_json(out);
    return;
  }
  table.print(out);
  out.print(
      "{}",
      fmt::format(
          "\nThe monitor samples each worker's run counter every 20 us to 10 ms; a run that has "
          "not "
          "ended after {} us is asked to end, at the fiber's next check point (a channel "
          "operation, "
          "a socket call, a yield) and, unless \"asks only\", by an interruption (a signal; "
          "SuspendThread on Windows) that switches the fiber out where it stands if that is its "
          "own "
          "code. Go: the same request after 10 ms (forcePreemptNS), and since Go 1.14 the "
          "signal.{}\n",
          options.preempt_after_us,
          rt::sched::async_preemption_available()
              ? ""
              : " (This build cannot interrupt: ThreadSanitizer; the first row is the second's.)"));
}

}  // namespace ch06
