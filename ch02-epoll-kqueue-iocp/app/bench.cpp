// `bench`: the chapter's table, and `tour`, its one-line summary.
#include "demos.hpp"
#include "measure.hpp"
#include "rt/clock.hpp"
#include "rt/os/thread.hpp"
#include "rt/platform.hpp"
#include "rt/progress.hpp"
#include "rt/stats.hpp"
#include "rt/sys/write.hpp"
#include "rt/table.hpp"

namespace ch02 {

void bench(const BenchOptions& options, rt::Output& out) {
  const char* backend = rt::poll::Poller::backend_name();
  rt::Table table(fmt::format("chapter 2: system calls and event queues ({} {}, {} CPUs, {})",
                              rt::kOsName, rt::kArchName, rt::os::cpu_count(), backend),
                  {"measurement", "value", "unit", "how"});
  rt::Progress progress("measuring", 3 + options.handle_counts.size());
  std::size_t step = 0;

  auto writes = write_cost(options.writes, 16);
  progress.update(++step);
  std::string how = fmt::format("16 bytes to the null device, median of 20 batches of {}",
                                std::max(1, options.writes / 20));
  if (rt::sys::has_raw_write()) {
    table.add_row({"write, raw instruction", rt::format_number(writes.raw_ns), "ns", how});
  } else {
    table.add_row({"write, raw instruction", "n/a", "", "no stable syscall ABI on Windows"});
  }
  table.add_row({fmt::format("write, {}", rt::sys::wrapped_write_name()),
                 rt::format_number(writes.wrapped_ns), "ns", how});

  double round_trip = wake_round_trip_ns(options.round_trips);
  progress.update(++step);
  table.add_row({"wake round trip, two threads", rt::format_number(round_trip / 1e3, 2), "us",
                 fmt::format("median of 20 batches of {}; each thread blocks in wait()",
                             std::max(1, options.round_trips / 20))});

  auto latencies = wake_latencies(std::min(options.round_trips, 2000), 200);
  progress.update(++step);
  auto wake = rt::summarize(latencies);
  table.add_row({"wake -> blocked wait returns, median", rt::format_number(wake.median / 1e3, 2),
                 "us", fmt::format("{} wakes, waiter given 200 us to block", latencies.size())});

  for (int handles : options.handle_counts) {
    auto cost = registration_cost(handles);
    progress.update(++step);
    table.add_row({fmt::format("register, per handle ({} handles)", handles),
                   rt::format_number(cost.register_ns / 1e3, 2), "us",
                   "IoSocket on an idle UDP socket"});
    table.add_row({fmt::format("wait(0), {} idle handles registered", handles),
                   rt::format_number(cost.idle_poll_ns / 1e3, 2), "us", "median of 2000 polls"});
  }
  progress.finish();

  if (options.json) {
    table.print_json(out);
  } else {
    table.print(out);
  }
}

void tour(rt::Output& out) {
  RequestsOptions options{.delays_ms = {300, 100, 200, 0}};
  std::string ignored;
  rt::Output quiet(&ignored);
  rt::Stopwatch watch;
  requests(options, quiet);
  double served_ms = watch.elapsed_ms();
  auto wake = rt::summarize(wake_latencies(200, 200));
  out.print(
      "chapter 2, event queues ({}): 4 requests delayed 0-300 ms answered in {:.0f} ms by one "
      "thread waiting on one queue; a blocked wait woken by another thread in {} (median)\n",
      rt::poll::Poller::backend_name(), served_ms, rt::format_duration_ns(wake.median));
}

}  // namespace ch02
