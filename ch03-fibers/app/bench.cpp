// `bench`: the chapter's table, fiber costs next to thread costs and next to the other
// ways to switch stacks (compare.hpp); and `tour`, its one line.
#include <algorithm>
#include <numeric>

#include "compare.hpp"
#include "demos.hpp"
#include "measure.hpp"
#include "rt/fiber/context.hpp"
#include "rt/os/cost.hpp"
#include "rt/os/thread.hpp"
#include "rt/platform.hpp"
#include "rt/stats.hpp"
#include "rt/table.hpp"

namespace ch03 {

namespace {

// The targets for this chapter (README, "Performance"), printed next to each ratio.
constexpr double kTargetVersusFcontext = 1.1;      // ours / fcontext, at most
constexpr double kTargetVersusSwapcontext = 20;    // swapcontext / ours, at least
constexpr double kTargetSpawnVersusThreads = 100;  // thread spawn / fiber spawn, at least
constexpr double kTargetResidentKib = 6;           // per idle fiber, at most

std::string verdict(bool met) {
  return met ? "met" : "NOT met";
}

}  // namespace

void bench(const BenchOptions& options, rt::Output& out) {
  rt::Table table(fmt::format("chapter 3: what a fiber costs ({} {}, {} CPUs)", rt::kOsName,
                              rt::kArchName, rt::os::cpu_count()),
                  {"measurement", "value", "unit", "how"});
  const auto n = options.round_trips;
  const auto same = fmt::format("{} round trips, 2 switches each", n);

  const auto policy = rt::fiber::control_word_load();
  context_round_trip_ns(n / 10 + 1);  // not shown: a process's first timed loop runs cold
  double ours = context_round_trip_ns(n);
  table.add_row({"round trip: switch_context (ours)", rt::format_number(ours), "ns",
                 rt::kIsX86_64 ? fmt::format("{}; control words loaded {} (this CPU's default)",
                                             same, rt::fiber::to_string(policy))
                               : same});
  if (rt::kIsX86_64) {
    // The other way to restore MXCSR and the x87 control word (context.hpp): what the
    // default saves on this CPU.
    auto other = policy == rt::fiber::ControlWordLoad::always
                     ? rt::fiber::ControlWordLoad::when_different
                     : rt::fiber::ControlWordLoad::always;
    rt::fiber::set_control_word_load(other);
    double ns = context_round_trip_ns(n);
    rt::fiber::set_control_word_load(policy);
    table.add_row({fmt::format("  ... control words loaded {}", rt::fiber::to_string(other)),
                   rt::format_number(ns), "ns", "the same, with the other policy"});
  }
  // What carrying the C++ exception state in switch_context itself would cost (README,
  // "What a switch carries"): the Scheduler carries it instead.
  table.add_row({"  ... + exception state, as the switch would",
                 rt::format_number(context_round_trip_with_exception_state_ns(n)), "ns",
                 "each switch also looks up and exchanges the C++ exception state"});
  auto fcontext = boost_fcontext_round_trip_ns(n);
  auto swapcontext = swapcontext_round_trip_ns(n);
  for (auto [name, result] : {std::pair{"round trip: Boost fcontext", &fcontext},
                              std::pair{"round trip: ucontext swapcontext", &swapcontext}}) {
    if (result->round_trip_ns) {
      table.add_row({name, rt::format_number(*result->round_trip_ns), "ns", same});
    } else {
      table.add_row({name, "n/a", "", result->why_not});
    }
  }
  table.add_row({"round trip: fibers, Scheduler yield", rt::format_number(yield_round_trip_ns(n)),
                 "ns", fmt::format("{} round trips, 4 switches each (via the scheduler)", n)});
  auto thread_round_trips = std::max<std::uint64_t>(1, n / 20);
  auto thread = thread_round_trip(thread_round_trips);
  table.add_row({"round trip: OS threads", rt::format_number(thread.ns), "ns",
                 fmt::format("{} round trips, futex / WaitOnAddress, {} (chapter 1)",
                             thread.round_trips, thread.placement)});
  if (fcontext.round_trip_ns) {
    double ratio = ours / *fcontext.round_trip_ns;
    table.add_row({"  ours / fcontext", rt::format_number(ratio, 2), "x",
                   fmt::format("target <= {}: {}", kTargetVersusFcontext,
                               verdict(ratio <= kTargetVersusFcontext))});
  }
  if (swapcontext.round_trip_ns) {
    double ratio = *swapcontext.round_trip_ns / ours;
    table.add_row({"  swapcontext / ours", rt::format_number(ratio), "x",
                   fmt::format("target >= {}: {}", kTargetVersusSwapcontext,
                               verdict(ratio >= kTargetVersusSwapcontext))});
  }
  table.add_row({"  OS threads / ours", rt::format_number(thread.ns / ours, 0), "x", ""});

  const std::size_t fibers = options.spawn_count;
  double fiber_spawn = spawn_run_join_ns(fibers, 64 * 1024);
  table.add_row({"spawn + run + join: a fiber", rt::format_number(fiber_spawn / 1e3, 3), "us",
                 fmt::format("mean of {} one at a time, 64 KiB pooled stacks", fibers)});
  // Threads cost microseconds each: fewer are measured, and the total is scaled.
  const std::size_t threads = std::min<std::size_t>(fibers, options.thread_count);
  auto samples = rt::os::spawn_join(threads, 0).samples_ns;
  double thread_spawn =
      std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(threads);
  table.add_row({"spawn + run + join: an OS thread", rt::format_number(thread_spawn / 1e3, 3), "us",
                 fmt::format("mean of {} one at a time (chapter 1), default stack", threads)});
  table.add_row({fmt::format("  {} fibers, total", fibers),
                 rt::format_number(fiber_spawn * static_cast<double>(fibers) / 1e6), "ms",
                 "measured"});
  table.add_row({fmt::format("  {} threads, total", fibers),
                 rt::format_number(thread_spawn * static_cast<double>(fibers) / 1e6), "ms",
                 fmt::format("{} measured, scaled per thread", threads)});
  double spawn_ratio = thread_spawn / fiber_spawn;
  table.add_row({"  threads / fibers", rt::format_number(spawn_ratio), "x",
                 fmt::format("target >= {}: {}", kTargetSpawnVersusThreads,
                             verdict(spawn_ratio >= kTargetSpawnVersusThreads))});

  auto memory = memory_per_fiber(options.count, 64 * 1024);
  if (memory.resident) {
    double kib = *memory.resident / 1024.0;
    table.add_row({"resident memory per idle fiber", rt::format_number(kib, 2), "KiB",
                   fmt::format("{} fibers parked at once; target <= {} KiB: {}", memory.fibers,
                               kTargetResidentKib, verdict(kib <= kTargetResidentKib))});
  } else {
    table.add_row({"resident memory per idle fiber", "n/a", "", "this OS does not report it"});
  }
  table.add_row({"stack reserved per fiber", rt::format_number(memory.stack_reserved / 1024.0),
                 "KiB", "64 KiB usable + guard (address space, not memory)"});
  if (options.json) {
    table.print_json(out);
  } else {
    table.print(out);
  }
}

void tour(rt::Output& out) {
  double yield = yield_round_trip_ns(200'000);
  auto thread = thread_round_trip(20'000);
  auto memory = memory_per_fiber(2000, 64 * 1024);
  out.print(
      "chapter 3, fibers: a fiber round trip {} vs a thread round trip {} {} ({:.0f}x); "
      "{} resident per parked fiber\n",
      rt::format_duration_ns(yield), rt::format_duration_ns(thread.ns), thread.placement,
      yield > 0 ? thread.ns / yield : 0.0,
      memory.resident ? rt::format_bytes(*memory.resident) : std::string("n/a"));
}

}  // namespace ch03
