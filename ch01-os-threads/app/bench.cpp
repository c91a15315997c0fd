// `bench`: the chapter's headline table, and `tour`, its one-line summary.
#include "demos.hpp"
#include "rt/os/address_wait.hpp"
#include "rt/os/cost.hpp"
#include "rt/os/thread.hpp"
#include "rt/platform.hpp"
#include "rt/progress.hpp"
#include "rt/stats.hpp"
#include "rt/table.hpp"

namespace ch01 {

void bench(const BenchOptions& options, rt::Output& out) {
  rt::Table table(fmt::format("chapter 1: what an OS thread costs ({} {}, {} CPUs)", rt::kOsName,
                              rt::kArchName, rt::os::cpu_count()),
                  {"measurement", "value", "unit", "how"});

  rt::Summary spawn;
  {
    rt::Progress progress("spawn+join", options.spawn_count);
    auto r = rt::os::spawn_join(
        options.spawn_count, 0,
        [](std::size_t done, void* p) { static_cast<rt::Progress*>(p)->update(done); }, &progress);
    spawn = rt::summarize(r.samples_ns);
  }
  auto how = fmt::format("{} threads, default stack, one at a time", options.spawn_count);
  table.add_row({"spawn + join, median", rt::format_number(spawn.median / 1e3), "us", how});
  table.add_row({"spawn + join, p99", rt::format_number(spawn.p99 / 1e3), "us", how});
  // The same empty body, handed to a thread that already exists (rt/os/thread_pool.hpp).
  auto pool = rt::summarize(rt::os::pool_task(options.spawn_count));
  table.add_row({"task through a pool of 1, median", rt::format_number(pool.median / 1e3), "us",
                 fmt::format("{} tasks, one at a time, to an idle worker", options.spawn_count)});

  auto memory = rt::os::memory_per_thread(options.alive_count, 0);
  how = fmt::format("{} idle threads alive at once", memory.threads);
  table.add_row({"stack reserved per thread", rt::format_number(memory.stack_reserved / 1024.0),
                 "KiB", "address space, default stack"});
  if (memory.resident) {
    table.add_row(
        {"resident per idle thread", rt::format_number(*memory.resident / 1024.0), "KiB", how});
  }
  if (memory.kernel_stack) {
    table.add_row(
        {"kernel stack per thread", rt::format_number(*memory.kernel_stack / 1024.0), "KiB", how});
  }

  for (auto handoff : rt::os::kAllHandoffs) {
    std::string name = fmt::format("round trip, {}", rt::os::to_string(handoff));
    const char* why = nullptr;
    if (!rt::os::available(handoff, &why)) {
      table.add_row({name, "n/a", "", why});
      continue;
    }
    auto r = rt::os::ping_pong(handoff, options.round_trips);
    table.add_row({name, rt::format_number(r.round_trip_ns / 1e3, 2), "us",
                   fmt::format("{} round trips, threads unpinned", r.round_trips)});
    if (r.switches && r.round_trips > 0) {
      table.add_row(
          {"  voluntary switches per round trip",
           rt::format_number(static_cast<double>(r.switches->voluntary) / r.round_trips, 2), "",
           "getrusage, whole process"});
    }
  }
  if (rt::os::supports_pinning()) {
    auto r = rt::os::ping_pong(rt::os::Handoff::address_wait, options.round_trips, 0);
    table.add_row({fmt::format("round trip, {}, same CPU", rt::os::address_wait_mechanism()),
                   rt::format_number(r.round_trip_ns / 1e3, 2), "us",
                   "both threads pinned to CPU 0"});
  }

  if (options.json) {
    table.print_json(out);
  } else {
    table.print(out);
  }
}

void tour(rt::Output& out) {
  auto spawn = rt::summarize(rt::os::spawn_join(500, 0).samples_ns);
  auto memory = rt::os::memory_per_thread(500, 0);
  // Unpinned, the OS may place the two threads on two CPUs, where each handoff wakes a CPU
  // (costly when it is idle); pinned to one CPU, each handoff is a plain context switch.
  // Both are shown, since which one a program gets depends on the machine's load.
  auto unpinned = rt::os::ping_pong(rt::os::Handoff::address_wait, 20'000);
  std::string round_trip = rt::format_duration_ns(unpinned.round_trip_ns) + " unpinned";
  if (rt::os::supports_pinning()) {
    auto pinned = rt::os::ping_pong(rt::os::Handoff::address_wait, 20'000, 0);
    round_trip += ", " + rt::format_duration_ns(pinned.round_trip_ns) + " on one CPU";
  }
  out.print(
      "chapter 1, OS threads: spawn+join {} per thread; {} of stack reserved, {} resident "
      "per idle thread; a thread-to-thread round trip {}\n",
      rt::format_duration_ns(spawn.median),
      rt::format_bytes(static_cast<double>(memory.stack_reserved)),
      memory.resident ? rt::format_bytes(*memory.resident) : std::string("n/a"), round_trip);
}

}  // namespace ch01
