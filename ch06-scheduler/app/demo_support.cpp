// What several of chapter 6's demos share (demo_support.hpp).
#include "demo_support.hpp"

#include <atomic>
#include <vector>

#include "client.hpp"  // chapter 4's load generator
#include "echo_server.hpp"
#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/sched/endpoint.hpp"

namespace ch06::support {

namespace this_fiber = rt::sched::this_fiber;

void print(const rt::Table& table, bool json, rt::Output& out) {
  if (json) {
    table.print_json(out);
  } else {
    table.print(out);
  }
}

rt::Table worker_table(const std::string& title, const rt::sched::Stats& stats) {
  rt::Table table(title, {"worker", "ran", "stolen", "from global", "sleeps"});
  for (std::size_t i = 0; i < stats.workers.size(); ++i) {
    const auto& w = stats.workers[i];
    table.add_row({std::to_string(i), std::to_string(w.runs), std::to_string(w.stolen),
                   std::to_string(w.from_global), std::to_string(w.sleeps)});
  }
  return table;
}

std::uint64_t compute(int work) {
  std::uint64_t x = 1;
  for (int k = 0; k < work; ++k) x = x * 6364136223846793005ULL + 1;
  return x;
}

double fan_out(rt::sched::Runtime& runtime, int fibers, int work) {
  std::atomic<std::uint64_t> sink{0};
  rt::Stopwatch clock;
  runtime
      .spawn({.name = "spawner"},
             [&] {
               std::vector<rt::sched::JoinHandle> children;
               children.reserve(static_cast<std::size_t>(fibers));
               for (int i = 0; i < fibers; ++i) {
                 children.push_back(this_fiber::spawn({.name = "work"}, [&] {
                   sink.fetch_add(compute(work) & 1, std::memory_order_relaxed);
                 }));
               }
               for (auto& child : children) child.join();
             })
      .join();
  return clock.elapsed_ms();
}

double ping_pong(rt::sched::Runtime& runtime, int round_trips) {
  using Pipe = rt::chan::Channel<int, rt::sched::MnFiber, rt::sched::MnFiber, rt::chan::Rendezvous>;
  Pipe ping;
  Pipe pong;
  rt::Stopwatch clock;
  auto server = runtime.spawn({.name = "pong"}, [&] {
    while (auto got = ping.receive()) pong.send(*got.value);
  });
  runtime
      .spawn({.name = "ping"},
             [&] {
               for (int i = 0; i < round_trips; ++i) {
                 ping.send(i);
                 pong.receive();
               }
               ping.close();
             })
      .join();
  const double elapsed_s = clock.elapsed_s();
  server.join();
  return round_trips / elapsed_s;
}

std::optional<double> echo_rate(int workers, const rt::sched::Knobs& knobs, double seconds) {
  ch04::EchoServer server(ch04::ServerOptions{}, mn_fibers_model(workers, knobs));
  const auto r = ch04::run_load({.port = server.port(),
                                 .connections = 64,
                                 .size = 64,
                                 .duration_s = seconds,
                                 .warmup_s = seconds / 3});
  server.stop();
  if (r.errors != 0 || r.messages == 0) return std::nullopt;
  return r.messages_per_second();
}

}  // namespace ch06::support
