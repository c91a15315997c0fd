// `locked`: Go issue 21827's situation, measured. A "syscall server" is one fiber that serves
// requests over a channel (the pattern for APIs that want one particular thread: Delve's, the
// `mainthread` library's); the clients are fibers that each make round trips to it. Three
// forms: the server unlocked (it runs anywhere), locked 1:1 to its thread (Go's LockOSThread:
// every request wakes the server's thread and hands a worker over, twice per round trip), and
// N:1, the clients moved onto the server's thread too (a ThreadLocker), where a round trip is
// two switches on one thread and no OS wakeup.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "demos.hpp"
#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/sched/endpoint.hpp"
#include "rt/sched/locked.hpp"
#include "rt/table.hpp"

namespace ch06 {

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::sched::MnFiber;

enum class Form { unlocked, one_to_one, n_to_one };

struct Request {
  int client = 0;
  int value = 0;
};

struct LockedRun {
  double requests_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  double wakes_per_request = 0;
};

std::uint64_t os_wakes(const rt::sched::Stats& stats) {
  return stats.worker_wakes + stats.machine_wakes;
}

LockedRun locked_run(const LockedOptions& options, Form form) {
  rt::sched::Runtime runtime({.workers = options.workers});
  std::optional<rt::sched::ThreadLocker> blessed;
  if (form == Form::n_to_one) blessed.emplace(runtime);
  rt::chan::Channel<Request, MnFiber, MnFiber, rt::chan::Rendezvous> requests;
  std::vector<std::unique_ptr<rt::chan::Channel<int, MnFiber, MnFiber>>> replies;
  for (int c = 0; c < options.clients; ++c) {
    replies.push_back(std::make_unique<rt::chan::Channel<int, MnFiber, MnFiber>>(1));
  }
  rt::chan::Channel<int, MnFiber, MnFiber> server_ready(1);
  auto server = runtime.spawn({.name = "syscall server"}, [&] {
    if (form == Form::one_to_one) this_fiber::lock_os_thread();
    if (form == Form::n_to_one) blessed->lock();
    (void)server_ready.send(1);
    while (auto got = requests.receive()) {
      (void)replies[static_cast<std::size_t>(got.value->client)]->send(got.value->value + 1);
    }
    this_fiber::unlock_os_thread();
  });
  runtime.spawn({.name = "wait"}, [&] { (void)server_ready.receive(); }).join();
  std::vector<std::vector<std::int64_t>> latencies(static_cast<std::size_t>(options.clients));
  const std::uint64_t wakes_before = os_wakes(runtime.stats());
  const auto start = rt::Clock::now();
  std::vector<rt::sched::JoinHandle> clients;
  for (int c = 0; c < options.clients; ++c) {
    clients.push_back(runtime.spawn({.name = "client"}, [&, c] {
      if (form == Form::n_to_one) blessed->lock();
      auto& mine = latencies[static_cast<std::size_t>(c)];
      mine.reserve(static_cast<std::size_t>(options.requests));
      for (int i = 0; i < options.requests; ++i) {
        const auto sent = rt::Clock::now();
        (void)requests.send({c, i});
        (void)replies[static_cast<std::size_t>(c)]->receive();
        mine.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(rt::Clock::now() - sent).count());
      }
      this_fiber::unlock_os_thread();
    }));
  }
  for (auto& client : clients) client.join();
  const double seconds = std::chrono::duration<double>(rt::Clock::now() - start).count();
  const std::uint64_t wakes = os_wakes(runtime.stats()) - wakes_before;
  requests.close();
  server.join();
  std::vector<std::int64_t> all;
  for (const auto& mine : latencies) all.insert(all.end(), mine.begin(), mine.end());
  std::sort(all.begin(), all.end());
  const double total = static_cast<double>(all.size());
  LockedRun run;
  run.requests_per_s = total / seconds;
  run.p50_us = static_cast<double>(all[all.size() / 2]) / 1e3;
  run.p99_us = static_cast<double>(all[all.size() * 99 / 100]) / 1e3;
  run.wakes_per_request = static_cast<double>(wakes) / total;
  return run;
}

}  // namespace

void locked(const LockedOptions& options, rt::Output& out) {
  rt::Table table(
      fmt::format("a syscall server and {} client fiber(s), {} round trips each, "
                  "{} worker(s)",
                  options.clients, options.requests, options.workers),
      {"server", "requests/s", "x 1:1", "round trip p50 us", "p99 us", "OS wakeups per request"});
  const struct {
    Form form;
    const char* name;
  } forms[] = {{Form::unlocked, "unlocked (M:N)"},
               {Form::one_to_one, "locked 1:1 (lock_os_thread)"},
               {Form::n_to_one, "N:1, clients on its thread (ThreadLocker)"}};
  std::vector<LockedRun> runs;
  for (const auto& f : forms) runs.push_back(locked_run(options, f.form));
  const double one_to_one = runs[1].requests_per_s;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    table.add_row({forms[i].name, rt::format_number(runs[i].requests_per_s, 0),
                   rt::format_number(runs[i].requests_per_s / one_to_one, 1),
                   rt::format_number(runs[i].p50_us, 2), rt::format_number(runs[i].p99_us, 2),
                   rt::format_number(runs[i].wakes_per_request, 2)});
  }
  if (options.json) {
    table.print_json(out);
    return;
  }
  table.print(out);
  out.print(
      "\nLocked 1:1, every request wakes the server's thread and hands it a worker, and every "
      "reply hands the worker back (Go's LockOSThread: the same two wakeups, golang/go#21827). "
      "N:1, the clients run on the server's thread: a round trip is two switches there and no "
      "OS wakeup (the proposal of golang/go#49848, on the handle its reviewers sketched).\n");
}

}  // namespace ch06
