// `bench`: the chapter's table, fiber costs next to thread costs; and `tour`, its one line.
#include "demos.hpp"
#include "measure.hpp"
#include "rt/os/cost.hpp"
#include "rt/os/thread.hpp"
#include "rt/platform.hpp"
#include "rt/stats.hpp"
#include "rt/table.hpp"

namespace ch03 {

namespace {
std::string number(double value, int decimals = 1) {
  return fmt::format("{:.{}f}", value, decimals);
}
}  // namespace

void bench(const BenchOptions& options, rt::Output& out) {
  rt::Table table(fmt::format("chapter 3: what a fiber costs ({} {}, {} CPUs)", rt::kOsName,
                              rt::kArchName, rt::os::cpu_count()),
                  {"measurement", "value", "unit", "how"});
  const auto n = options.round_trips;
  table.add_row({"round trip, bare contexts", number(context_round_trip_ns(n)), "ns",
                 fmt::format("{} round trips, 2 switch_context each", n)});
  table.add_row({"round trip, fibers (yield)", number(yield_round_trip_ns(n)), "ns",
                 fmt::format("{} round trips, 4 switch_context each", n)});
  auto threads = std::max<std::uint64_t>(1, n / 20);
  auto thread = rt::os::ping_pong(rt::os::Handoff::atomic_wait, threads);
  table.add_row({"round trip, OS threads", number(thread.round_trip_ns), "ns",
                 fmt::format("{} round trips, atomic wait/notify, unpinned", threads)});

  auto create = rt::summarize(create_run_free_ns(options.count, 64 * 1024));
  auto how = fmt::format("{} fibers one at a time, 64 KiB stacks", options.count);
  table.add_row({"spawn + run + free, median", number(create.median / 1e3, 2), "us", how});
  table.add_row({"spawn + run + free, p99", number(create.p99 / 1e3, 2), "us", how});
  auto spawn =
      rt::summarize(rt::os::spawn_join(std::min<std::size_t>(options.count, 2000), 0).samples_ns);
  table.add_row({"thread spawn + join, median", number(spawn.median / 1e3, 2), "us",
                 "chapter 1, default stack"});

  auto memory = memory_per_fiber(options.count, 64 * 1024);
  table.add_row({"stack reserved per fiber", number(memory.stack_reserved / 1024.0), "KiB",
                 "64 KiB usable + guard"});
  if (memory.resident) {
    table.add_row({"resident per parked fiber", number(*memory.resident / 1024.0, 2), "KiB",
                   fmt::format("{} fibers alive at once", memory.fibers)});
  }
  if (options.json) {
    table.print_json(out);
  } else {
    table.print(out);
  }
}

void tour(rt::Output& out) {
  double yield = yield_round_trip_ns(200'000);
  auto thread = rt::os::ping_pong(rt::os::Handoff::atomic_wait, 20'000);
  auto memory = memory_per_fiber(2000, 64 * 1024);
  out.print(
      "chapter 3, fibers: a fiber round trip {} vs a thread round trip {} ({:.0f}x); "
      "{} resident per parked fiber\n",
      rt::format_duration_ns(yield), rt::format_duration_ns(thread.round_trip_ns),
      yield > 0 ? thread.round_trip_ns / yield : 0.0,
      memory.resident ? rt::format_bytes(*memory.resident) : std::string("n/a"));
}

}  // namespace ch03
