// `handoff`: a fiber blocks in a read on a pipe inside a blocking region while fibers queued
// behind it on its worker wait to run; with the monitor's handoff and without. And what a
// short region costs.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "demos.hpp"
#include "os_pipe.hpp"
#include "rt/clock.hpp"
#include "rt/sched/blocking.hpp"
#include "rt/table.hpp"

namespace ch06 {

namespace {

namespace this_fiber = rt::sched::this_fiber;

struct HandoffRun {
  double first_other_us = 0;  // from the reader's enter_blocking to the first other's start
  double others_done_ms = 0;  // from enter_blocking to the last other's end
  double blocked_ms = 0;      // the reader's region
  std::uint64_t handoffs = 0;
  int machines = 0;
};

std::int64_t since_ns(rt::Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(rt::Clock::now() - start).count();
}

void keep_max(std::atomic<std::int64_t>& value, std::int64_t candidate) {
  std::int64_t seen = value.load();
  while (candidate > seen && !value.compare_exchange_weak(seen, candidate)) {
  }
}

HandoffRun handoff_run(const HandoffOptions& options, bool on, rt::Output& out) {
  rt::sched::Options runtime_options{.workers = options.workers};
  runtime_options.handoff_after = std::chrono::microseconds(on ? 20 : 0);
  if (on) {
    runtime_options.trace_file = options.trace_file;
    runtime_options.timeline_out = options.timeline ? &out : nullptr;
  }
  OsPipe pipe;
  std::atomic<bool> reader_blocking{false};
  std::atomic<std::int64_t> first_other_ns{std::numeric_limits<std::int64_t>::max()};
  std::atomic<std::int64_t> last_other_ns{0};
  rt::Clock::time_point entered{};
  std::int64_t blocked_ns = 0;
  HandoffRun run;
  // The other end of the pipe: an OS thread that writes the byte block_ms after the reader
  // entered its region (a demo's sleep, the length of the blocking call it stands for).
  std::thread writer([&] {
    while (!reader_blocking.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(options.block_ms));
    (void)pipe.write_byte(1);
  });
  {
    rt::sched::Runtime runtime(runtime_options);
    runtime
        .spawn({.name = "reader"},
               [&] {
                 for (int i = 0; i < options.others; ++i) {
                   this_fiber::spawn({.name = "other"}, [&] {
                     const std::int64_t start = since_ns(entered);
                     std::int64_t seen = first_other_ns.load();
                     while (start < seen && !first_other_ns.compare_exchange_weak(seen, start)) {
                     }
                     volatile std::uint64_t x = 1;
                     for (int k = 0; k < options.work; ++k) x = x * 6364136223846793005ULL + 1;
                     keep_max(last_other_ns, since_ns(entered));
                   });
                 }
                 entered = rt::Clock::now();
                 reader_blocking.store(true);
                 rt::sched::in_blocking_region([&] { return pipe.read_byte(); });
                 blocked_ns = since_ns(entered);
               })
        .join();
    runtime.wait_until_idle();
    const rt::sched::Stats stats = runtime.stats();
    for (const auto& worker : stats.workers) run.handoffs += worker.handoffs;
    run.machines = stats.machines;
  }
  writer.join();
  run.first_other_us = std::max<double>(0, static_cast<double>(first_other_ns.load()) / 1e3);
  run.others_done_ms = static_cast<double>(last_other_ns.load()) / 1e6;
  run.blocked_ms = static_cast<double>(blocked_ns) / 1e6;
  return run;
}

// A region with nothing inside, many times: what enter_blocking and exit_blocking cost when
// the call is short (the fast way back: one CAS).
double region_ns() {
  constexpr int kRegions = 1'000'000;
  double ns = 0;
  rt::sched::Runtime runtime({.workers = 1});
  runtime
      .spawn({.name = "regions"},
             [&] {
               const auto start = rt::Clock::now();
               for (int i = 0; i < kRegions; ++i) {
                 rt::sched::enter_blocking();
                 rt::sched::exit_blocking();
               }
               ns = static_cast<double>(since_ns(start)) / kRegions;
             })
      .join();
  return ns;
}

}  // namespace

void handoff(const HandoffOptions& options, rt::Output& out) {
  rt::Table table(
      fmt::format("a fiber blocks {} ms in a read on a pipe; {} fibers queued behind it on "
                  "{} worker(s)",
                  options.block_ms, options.others, options.workers),
      {"handoff", "first other ran after, us", "all others done after, ms", "reader blocked ms",
       "handoffs", "threads"});
  for (bool on : {true, false}) {
    const HandoffRun run = handoff_run(options, on, out);
    table.add_row({on ? std::string("after 20 us") : std::string("off"),
                   rt::format_number(run.first_other_us, 0),
                   rt::format_number(run.others_done_ms, 2), rt::format_number(run.blocked_ms, 1),
                   std::to_string(run.handoffs), std::to_string(run.machines)});
  }
  const double ns = region_ns();
  table.add_row({"a region with nothing inside", "", "", fmt::format("{:.0f} ns", ns), "", ""});
  if (options.json) {
    table.print_json(out);
    return;
  }
  table.print(out);
  out.print(
      "\nThe monitor sees the worker in a blocking region on a round (20 us to 10 ms apart), "
      "and on a later one, 20 us or more after, gives it to a spare thread (started on the "
      "first handoff: `threads` counts the workers' threads, spares included). Without the "
      "handoff the others wait for the read. Go: the same for a goroutine in a system call "
      "(sysmon's retake, 20 us to 10 ms).\n");
}

}  // namespace ch06
