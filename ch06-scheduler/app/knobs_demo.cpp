// The `knobs` demo (demos.hpp): the scheduler's switches, one at a time from the defaults,
// against a ping-pong, a fan-out and the echo server.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "demo_support.hpp"
#include "demos.hpp"
#include "rt/stats.hpp"
#include "rt/table.hpp"

namespace ch06 {

using support::echo_rate;
using support::fan_out;
using support::ping_pong;
using support::print;

void knobs(const KnobsOptions& options, rt::Output& out) {
  struct Variant {
    std::string knob;
    std::string value;
    rt::sched::Knobs knobs;
  };
  const rt::sched::Knobs go;
  std::vector<Variant> variants{{"(defaults)", "-", go}};
  auto with = [&](std::string knob, std::string value, auto change) {
    rt::sched::Knobs k = go;
    change(k);
    variants.push_back({std::move(knob), std::move(value), k});
  };
  with("runnext-steal", "never", [](auto& k) { k.runnext_steal = rt::sched::RunnextSteal::never; });
  with("runnext-steal", "always",
       [](auto& k) { k.runnext_steal = rt::sched::RunnextSteal::always; });
  with("runnext-slice", "0", [](auto& k) { k.runnext_slice = std::chrono::microseconds(0); });
  with("global-interval", "7", [](auto& k) { k.global_interval = 7; });
  with("global-interval", "off", [](auto& k) { k.global_interval = 0; });
  with("max-spinning", "0", [](auto& k) { k.max_spinning = 0; });
  with("max-spinning", "all", [&](auto& k) { k.max_spinning = 1 << 20; });
  with("steal", "off", [](auto& k) { k.steal = false; });
  with("direct-switch", "off", [](auto& k) { k.direct_switch = false; });  // Go's way

  rt::Table table(
      fmt::format("the scheduler's switches, one at a time from the defaults: {} "
                  "workers, median of {}",
                  options.workers, options.reps),
      {"knob", "value", "ping-pong M/s", "fan-out ms", "echo k msgs/s", "steals", "wakeups"});
  for (const Variant& variant : variants) {
    std::vector<double> rates;
    std::vector<double> fan_outs;
    std::vector<double> echoes;
    std::uint64_t steals = 0;
    std::uint64_t wakeups = 0;
    for (int rep = 0; rep < options.reps; ++rep) {
      rt::sched::Runtime runtime({.workers = options.workers, .knobs = variant.knobs});
      rates.push_back(ping_pong(runtime, options.round_trips));
      fan_outs.push_back(fan_out(runtime, options.fan_out, options.work));
      const auto stats = runtime.stats();
      steals += rt::sched::total(stats, &rt::sched::WorkerStats::steals);
      wakeups += stats.worker_wakes;
      if (options.echo_seconds > 0) {
        if (auto rate = echo_rate(options.workers, variant.knobs, options.echo_seconds)) {
          echoes.push_back(*rate);
        }
      }
    }
    std::sort(rates.begin(), rates.end());
    std::sort(fan_outs.begin(), fan_outs.end());
    std::sort(echoes.begin(), echoes.end());
    const auto middle = static_cast<std::size_t>(options.reps / 2);
    // A run that counted no echo (or failed) is left out; none at all is no figure.
    const std::string echo = echoes.empty() ? std::string(rt::kNotMeasured)
                                            : rt::format_number(echoes[echoes.size() / 2] / 1e3, 1);
    table.add_row({variant.knob, variant.value, rt::format_number(rates[middle] / 1e6, 2),
                   rt::format_number(fan_outs[middle], 1), echo,
                   std::to_string(steals / static_cast<std::uint64_t>(options.reps)),
                   std::to_string(wakeups / static_cast<std::uint64_t>(options.reps))});
  }
  print(table, options.json, out);
  if (!options.json) {
    out.print(
        "\nping-pong: {} round trips; fan-out: one fiber spawns {} fibers of {} iterations each "
        "and joins them; echo: chapter 4's server on the runtime, 64 connections x 64 B for {} s "
        "(client in this process, unpinned). steals and wakeups: per run of ping-pong and "
        "fan-out, averaged.\n",
        options.round_trips, options.fan_out, options.work, options.echo_seconds);
  }
}

}  // namespace ch06
