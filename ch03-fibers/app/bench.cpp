// `bench`: the chapter's table, fiber costs next to thread costs and next to the other
// ways to switch stacks (compare.hpp); and `tour`, its one line.
#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

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

// The work of one repetition: `total` split over kBenchRepetitions, at least 1.
template <class Count>
Count per_repetition(Count total) {
  return std::max<Count>(1, total / static_cast<Count>(kBenchRepetitions));
}

// Runs `measure` kBenchRepetitions times: the summary of what it returned.
template <class Measure>
rt::Summary repeat_measurement(Measure measure) {
  std::vector<double> results;
  for (int i = 0; i < kBenchRepetitions; ++i) results.push_back(measure());
  return rt::summarize(results);
}

// The same for a comparison that may not be measured in this build (compare.hpp): nullopt
// then, with the reason in `why_not`.
template <class Measure>
std::optional<rt::Summary> repeat_comparison(Measure measure, const char*& why_not) {
  std::vector<double> results;
  for (int i = 0; i < kBenchRepetitions; ++i) {
    Comparison c = measure();
    if (!c.round_trip_ns) {
      why_not = c.why_not;
      return std::nullopt;
    }
    results.push_back(*c.round_trip_ns);
  }
  return rt::summarize(results);
}

// A row of measured cells: the median, then the range of the repetitions.
std::vector<std::string> bench_row(std::string name, const rt::Summary& s, double scale,
                                   int decimals, std::string unit, std::string how) {
  return {std::move(name),
          rt::format_number(s.median * scale, decimals),
          rt::format_number(s.min * scale, decimals),
          rt::format_number(s.max * scale, decimals),
          std::move(unit),
          std::move(how)};
}

// A row that compares two medians: one figure, no range of its own.
std::vector<std::string> ratio_row(std::string name, double ratio, int decimals, std::string how) {
  return {std::move(name), rt::format_number(ratio, decimals), "", "", "x", std::move(how)};
}

}  // namespace

void bench(const BenchOptions& options, rt::Output& out) {
  rt::Table table(fmt::format("chapter 3: what a fiber costs ({} {}, {} CPUs)", rt::kOsName,
                              rt::kArchName, rt::os::cpu_count()),
                  {"measurement", "median", "min", "max", "unit", "how"});
  const auto n = per_repetition(options.round_trips);
  const auto same =
      fmt::format("median of {} runs of {} round trips, 2 switches each", kBenchRepetitions, n);

  const auto policy = rt::fiber::control_word_load();
  context_round_trip_ns(n / 10 + 1);  // not shown: a process's first timed loop runs cold
  auto ours = repeat_measurement([n] { return context_round_trip_ns(n); });
  table.add_row(bench_row("round trip: switch_context (ours)", ours, 1, 1, "ns",
                          rt::kIsX86_64
                              ? fmt::format("{}; control words loaded {} (this CPU's default)",
                                            same, rt::fiber::to_string(policy))
                              : same));
  if (rt::kIsX86_64) {
    // The other assembly routine, the other way to restore MXCSR and the x87 control word
    // (context.hpp, ControlWordLoad): what the default saves on this CPU.
    auto other = policy == rt::fiber::ControlWordLoad::always
                     ? rt::fiber::ControlWordLoad::when_different
                     : rt::fiber::ControlWordLoad::always;
    rt::fiber::set_control_word_load(other);
    auto with_other = repeat_measurement([n] { return context_round_trip_ns(n); });
    rt::fiber::set_control_word_load(policy);
    table.add_row(
        bench_row(fmt::format("  ... control words loaded {}", rt::fiber::to_string(other)),
                  with_other, 1, 1, "ns", "the same, with the other policy"));
  }
  // What carrying the C++ exception state in switch_context itself would cost (README,
  // "What a switch carries"): the Scheduler carries it instead.
  table.add_row(
      bench_row("  ... + exception state, as the switch would",
                repeat_measurement([n] { return context_round_trip_with_exception_state_ns(n); }),
                1, 1, "ns", "each switch also looks up and exchanges the C++ exception state"));
  const char* fcontext_why_not = "";
  const char* swapcontext_why_not = "";
  auto fcontext =
      repeat_comparison([n] { return boost_fcontext_round_trip_ns(n); }, fcontext_why_not);
  auto swapcontext =
      repeat_comparison([n] { return swapcontext_round_trip_ns(n); }, swapcontext_why_not);
  for (auto [name, result, why_not] :
       {std::tuple{"round trip: Boost fcontext", &fcontext, fcontext_why_not},
        std::tuple{"round trip: ucontext swapcontext", &swapcontext, swapcontext_why_not}}) {
    if (*result) {
      table.add_row(bench_row(name, **result, 1, 1, "ns", same));
    } else {
      table.add_row({name, "n/a", "", "", "", why_not});
    }
  }
  table.add_row(
      bench_row("round trip: fibers, Scheduler yield",
                repeat_measurement([n] { return yield_round_trip_ns(n); }), 1, 1, "ns",
                fmt::format("median of {} runs of {} round trips, 2 switches each (fiber to fiber)",
                            kBenchRepetitions, n)));
  // Threads are three orders of magnitude slower: fewer round trips keep the bench short.
  const auto thread_round_trips = std::max<std::uint64_t>(1, n / 20);
  const char* placement = "";
  auto thread = repeat_measurement([&] {
    auto r = thread_round_trip(thread_round_trips);
    placement = r.placement;
    return r.ns;
  });
  table.add_row(bench_row("round trip: OS threads", thread, 1, 1, "ns",
                          fmt::format("median of {} runs of {} round trips, futex / "
                                      "WaitOnAddress, {} (chapter 1)",
                                      kBenchRepetitions, thread_round_trips, placement)));
  // Comparisons: ratios of the medians above, each read as "ours takes this many times
  // the other's time" or "ours is this many times faster".
  if (fcontext) {
    double ratio = ours.median / fcontext->median;
    table.add_row(ratio_row("  ours / Boost fcontext", ratio, 2,
                            fmt::format("fiber switch = {:.2f}x Boost fcontext", ratio)));
  }
  if (swapcontext) {
    double ratio = swapcontext->median / ours.median;
    table.add_row(ratio_row("  swapcontext / ours", ratio, 1,
                            fmt::format("fiber switch: {:.1f}x faster than swapcontext", ratio)));
  }
  table.add_row(ratio_row("  OS threads / ours", thread.median / ours.median, 0,
                          fmt::format("fiber switch: {:.0f}x faster than a thread handoff",
                                      thread.median / ours.median)));

  const std::size_t fibers = per_repetition(options.spawn_count);
  auto fiber_spawn = repeat_measurement([fibers] { return spawn_run_join_ns(fibers, 64 * 1024); });
  const std::size_t fibers_total = fibers * static_cast<std::size_t>(kBenchRepetitions);
  table.add_row(bench_row("spawn + run + join: a fiber", fiber_spawn, 1e-3, 3, "us",
                          fmt::format("median of {} runs of {} one at a time, 64 KiB pooled stacks",
                                      kBenchRepetitions, fibers)));
  // Threads cost microseconds each: fewer are measured, and the total is scaled.
  const std::size_t threads = per_repetition(std::min(options.spawn_count, options.thread_count));
  const std::size_t threads_total = threads * static_cast<std::size_t>(kBenchRepetitions);
  auto thread_spawn = repeat_measurement([threads] {
    auto samples = rt::os::spawn_join(threads, 0).samples_ns;
    return std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(threads);
  });
  table.add_row(
      bench_row("spawn + run + join: an OS thread", thread_spawn, 1e-3, 3, "us",
                fmt::format("median of {} runs of {} one at a time (chapter 1), default stack",
                            kBenchRepetitions, threads)));
  table.add_row(bench_row(fmt::format("  {} fibers, total", fibers_total), fiber_spawn,
                          static_cast<double>(fibers_total) / 1e6, 1, "ms",
                          fmt::format("fibers: {} spawned", fibers_total)));
  table.add_row(
      bench_row(fmt::format("  {} threads, total", fibers_total), thread_spawn,
                static_cast<double>(fibers_total) / 1e6, 1, "ms",
                fmt::format("threads: {} spawned, scaled to {}", threads_total, fibers_total)));
  double spawn_ratio = thread_spawn.median / fiber_spawn.median;
  table.add_row(ratio_row("  threads / fibers", spawn_ratio, 1,
                          fmt::format("spawn: {:.0f}x faster than threads", spawn_ratio)));

  // Measured once: a repetition would reuse the memory the previous one freed.
  auto memory = memory_per_fiber(options.count, 64 * 1024);
  if (memory.resident) {
    table.add_row({"resident memory per idle fiber",
                   rt::format_number(*memory.resident / 1024.0, 2), "", "", "KiB",
                   fmt::format("{} fibers parked at once, measured once", memory.fibers)});
  } else {
    table.add_row(
        {"resident memory per idle fiber", "n/a", "", "", "", "this OS does not report it"});
  }
  table.add_row({"stack reserved per fiber", rt::format_number(memory.stack_reserved / 1024.0), "",
                 "", "KiB", "64 KiB usable + guard (address space, not memory)"});
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
