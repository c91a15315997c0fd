// The demos of chapter 6 (demos.hpp says what each shows).
#include "demos.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "demo_support.hpp"
#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/memory.hpp"
#include "rt/sched/blocking.hpp"
#include "rt/sched/endpoint.hpp"
#include "rt/stats.hpp"
#include "rt/table.hpp"

namespace ch06 {

namespace this_fiber = rt::sched::this_fiber;
using support::compute;
using support::echo_rate;
using support::fan_out;
using support::ping_pong;
using support::print;
using support::worker_table;

void spawn(const SpawnOptions& options, rt::Output& out) {
  using Gate = rt::chan::Channel<int, rt::chan::Thread, rt::sched::MnFiber, rt::chan::Unbounded>;
  Gate gate;  // every fiber waits on it; closing it lets them all finish
  std::atomic<int> started{0};
  const auto resident_before = rt::resident_bytes();
  rt::sched::Runtime runtime({.workers = options.workers});
  // Declared after the runtime, so destroyed first: if a spawn throws (no stack), the fibers
  // already parked on the gate finish before the runtime's destructor waits for them.
  struct CloseOnExit {
    Gate& gate;
    ~CloseOnExit() { gate.close(); }
  } close_on_exit{gate};
  const rt::fiber::FiberOptions fiber_options{
      .name = "parked",
      .stack_size = 16 * 1024,
      .guard = options.guard ? rt::fiber::StackGuard::page : rt::fiber::StackGuard::none};
  rt::Stopwatch clock;
  runtime
      .spawn({.name = "spawner"},
             [&] {
               for (int i = 0; i < options.fibers; ++i) {
                 this_fiber::spawn(fiber_options, [&] {
                   started.fetch_add(1, std::memory_order_relaxed);
                   gate.receive();  // parks until the gate closes
                 });
               }
             })
      .join();
  while (started.load(std::memory_order_relaxed) < options.fibers) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a bench: polling is fine
  }
  const double elapsed_ns = static_cast<double>(clock.elapsed_ns());
  const auto resident_after = rt::resident_bytes();
  gate.close();
  runtime.wait_until_idle();
  rt::Table table(
      fmt::format("{} fibers alive at once on {} workers", options.fibers, runtime.workers()),
      {"metric", "value", "unit"});
  table.add_row({"spawn, until every fiber ran and parked",
                 rt::format_number(elapsed_ns / options.fibers / 1000.0, 2), "us per fiber"});
  if (resident_before && resident_after) {
    table.add_row(
        {"resident memory",
         rt::format_number(
             static_cast<double>(*resident_after - *resident_before) / options.fibers / 1024.0, 2),
         "KiB per fiber"});
  } else {
    table.add_row({"resident memory", rt::kNotMeasured, "KiB per fiber"});
  }
  print(table, options.json, out);
  if (!options.json) {
    out.print(
        "\nEach fiber: a 16 KiB stack ({}; one page touched, which also holds the fiber's "
        "record: its context, state and name) and its join state.\nCompare: goroutines, about "
        "9-12 us and 2.7 KB each on the machine the README measured "
        "(ch06-scheduler/compare/run.sh runs both).\n",
        options.guard ? "with a guard page" : "no guard page: --guard adds one");
  }
}

void steal(const StealOptions& options, rt::Output& out) {
  rt::sched::Options runtime_options{.workers = options.workers};
  runtime_options.knobs.steal = options.steal;
  runtime_options.schedtrace = std::chrono::milliseconds(options.schedtrace_ms);
  runtime_options.schedtrace_out = &out;
  runtime_options.trace_file = options.trace_file;
  runtime_options.timeline_out = options.timeline ? &out : nullptr;
  rt::sched::Runtime runtime(runtime_options);
  const double elapsed_ms = fan_out(runtime, options.fibers, options.work);
  print(worker_table(fmt::format("{} fibers spawned by one fiber, {} workers, stealing {}",
                                 options.fibers, runtime.workers(), options.steal ? "on" : "off"),
                     runtime.stats()),
        options.json, out);
  if (!options.json) {
    out.print(
        "\nelapsed: {:.1f} ms. A fiber spawned on a worker goes to that worker's queue; the "
        "others get work by stealing{}, or from the global queue, where half of a full ring "
        "(256) spills.\n",
        elapsed_ms, options.steal ? "" : " (off here)");
  }
}

void fibers(const FibersOptions& options, rt::Output& out) {
  struct Parked {
    std::string name;
    rt::sched::Fiber* fiber = nullptr;
    int parked_on = -1;
    int resumed_on = -1;
  };
  std::vector<Parked> parked(static_cast<std::size_t>(options.fibers));
  std::atomic<std::uint64_t> sink{0};
  rt::sched::Runtime runtime({.workers = options.workers});
  runtime
      .spawn({.name = "spawner"},
             [&parked, &sink, work = options.work] {
               std::atomic<std::size_t> announced{0};
               std::vector<rt::sched::JoinHandle> handles;
               for (std::size_t i = 0; i < parked.size(); ++i) {
                 // A, B, ..., Z, then 26, 27, ...
                 parked[i].name =
                     i < 26 ? std::string(1, static_cast<char>('A' + i)) : std::to_string(i);
                 handles.push_back(this_fiber::spawn({.name = parked[i].name}, [&, i] {
                   // Long enough for an idle worker to steal some of them.
                   sink.fetch_add(compute(work) & 1, std::memory_order_relaxed);
                   parked[i].fiber = &this_fiber::current();
                   parked[i].parked_on = this_fiber::worker();
                   // release: the spawner reads `fiber` after it saw the count.
                   announced.fetch_add(1, std::memory_order_release);
                   this_fiber::park();  // returns at once if the unpark came first
                   parked[i].resumed_on = this_fiber::worker();
                   sink.fetch_add(compute(work) & 1, std::memory_order_relaxed);
                 }));
               }
               while (announced.load(std::memory_order_acquire) != parked.size()) {
                 this_fiber::yield();
               }
               for (auto& p : parked) rt::sched::unpark(*p.fiber);
               for (auto& handle : handles) handle.join();
             })
      .join();
  rt::Table table(
      fmt::format("{} fibers parked and unparked on {} workers", parked.size(), runtime.workers()),
      {"fiber", "parked on worker", "resumed on worker"});
  int moved = 0;
  for (const auto& p : parked) {
    if (p.parked_on != p.resumed_on) ++moved;
    table.add_row({p.name, std::to_string(p.parked_on), std::to_string(p.resumed_on)});
  }
  print(table, options.json, out);
  if (!options.json) {
    out.print("{} of {} resumed on another worker than the one they parked on.\n", moved,
              parked.size());
  }
}

void pingpong(const PingPongOptions& options, rt::Output& out) {
  rt::sched::Options runtime_options{.workers = options.workers};
  runtime_options.knobs.runnext_steal = options.runnext_steal;
  runtime_options.knobs.direct_switch = options.direct_switch;
  runtime_options.trace_file = options.trace_file;
  runtime_options.timeline_out = options.timeline ? &out : nullptr;
  rt::sched::Runtime runtime(runtime_options);
  const double rate = ping_pong(runtime, options.round_trips);
  const auto stats = runtime.stats();
  rt::Table table(fmt::format("ping-pong over an unbuffered channel, {} workers, runnext "
                              "stealing: {}, direct switch: {}",
                              runtime.workers(), rt::sched::to_string(options.runnext_steal),
                              options.direct_switch ? "on" : "off"),
                  {"metric", "value", "unit"});
  table.add_row({"round trips", rt::format_number(rate / 1e6, 2), "M per second"});
  table.add_row({"direct switches",
                 std::to_string(rt::sched::total(stats, &rt::sched::WorkerStats::direct)),
                 "parks"});
  table.add_row({"steals", std::to_string(rt::sched::total(stats, &rt::sched::WorkerStats::steals)),
                 "batches"});
  table.add_row({"worker wakeups", std::to_string(stats.worker_wakes), "OS wakeups"});
  print(table, options.json, out);
}

void blocking_calls(const BlockingOptions& options, rt::Output& out) {
  rt::Table table(
      fmt::format("rt::sched::blocking with a trivial function: {} calls in all", options.calls),
      {"callers", "workers", "calls/s", "us per call", "pool threads", "wakeups"});
  std::vector<int> caller_counts{1};
  if (options.callers > 1) caller_counts.push_back(options.callers);
  for (int callers : caller_counts) {
    rt::sched::Runtime runtime({.workers = options.workers});
    const int per_caller = std::max(1, options.calls / callers);
    std::atomic<std::int64_t> sum{0};
    rt::Stopwatch clock;
    std::vector<rt::sched::JoinHandle> fibers;
    for (int c = 0; c < callers; ++c) {
      fibers.push_back(runtime.spawn({.name = "caller"}, [&sum, per_caller] {
        std::int64_t own = 0;
        for (int i = 0; i < per_caller; ++i) own += rt::sched::blocking([i] { return i & 1; });
        sum.fetch_add(own, std::memory_order_relaxed);
      }));
    }
    for (auto& fiber : fibers) fiber.join();
    const double seconds = clock.elapsed_s();
    const double calls = static_cast<double>(per_caller) * callers;
    if (sum.load() != static_cast<std::int64_t>(per_caller / 2) * callers) {
      throw std::logic_error("blocking: a call's result was lost");
    }
    const auto stats = runtime.stats();
    table.add_row({std::to_string(callers), std::to_string(runtime.workers()),
                   rt::format_number(calls / seconds, 0),
                   rt::format_number(seconds * 1e6 / calls, 2),
                   std::to_string(stats.blocking_threads), std::to_string(stats.worker_wakes)});
  }
  print(table, options.json, out);
  if (!options.json) {
    out.print(
        "\nEach call: a C2T send to the pool, the function on a pool thread, a T2C reply that "
        "unparks the caller. us per call: elapsed time over calls (callers at once share it). "
        "wakeups: OS wakeups of sleeping workers (a pool thread's reply to a fiber whose worker "
        "went to sleep meanwhile).\n");
  }
}

namespace {

// The tour's third figure: M:N scaling, chapter 4's echo server on 1 worker and on 2 (client
// and server in this process, unpinned; `bench` pins, and sets Go beside it).
void echo_scaling(rt::Output& out) {
  constexpr int kConnections = 64;
  std::string figures;
  std::optional<double> first;
  for (int workers : {1, 2}) {
    const auto rate = echo_rate(workers, {}, 0.7);
    figures += fmt::format("{}{} worker{}: ", figures.empty() ? "" : ", ", workers,
                           workers == 1 ? "" : "s");
    if (!rate) {
      figures += "not measured (no echo counted, or errors)";
      continue;
    }
    figures += fmt::format("{:.0f} msgs/s", *rate);
    if (workers == 1) first = rate;
    if (workers > 1 && first) figures += fmt::format(" ({:.2f}x)", *rate / *first);
  }
  out.print("echo server on M:N fibers ({} connections, 64 B messages, unpinned): {}\n",
            kConnections, figures);
}

}  // namespace

void tour(rt::Output& out) {
  out.print("Chapter 6: an M:N scheduler. Three figures from this machine, in a few seconds.\n\n");
  spawn({.fibers = 20'000, .workers = 0, .json = false}, out);
  out.print("\n");
  pingpong({.round_trips = 100'000, .workers = 0}, out);
  out.print("\n");
  echo_scaling(out);
}

}  // namespace ch06
