// `bench`: each model x each connection count, the server on one CPU and the client on the
// other; and `tour`, the chapter's one figure.
#include <exception>

#include "demos.hpp"
#include "host.hpp"
#include "rt/os/thread.hpp"
#include "rt/platform.hpp"
#include "rt/progress.hpp"
#include "rt/table.hpp"
#include "server.hpp"

namespace ch04 {

namespace {

// Descriptors a run of n connections needs in this one process: both ends of each
// connection, plus the listener, event queues and the runtime's own (a measured handful;
// 64 is generous).
std::size_t descriptors_needed(int connections) {
  return 2 * static_cast<std::size_t>(connections) + 64;
}

struct Placement {
  std::optional<int> server_cpu;
  std::optional<int> client_cpu;
  std::string description;
};

Placement placement() {
  if (!rt::os::supports_pinning()) return {{}, {}, "unpinned (this OS cannot pin threads)"};
  if (rt::os::cpu_count() < 2) return {{}, {}, "unpinned (one CPU)"};
  return {1, 0, "server threads pinned to CPU 1, client to CPU 0"};
}

std::vector<Model> models() {
  std::vector<Model> all{Model::threads};
  if (events_model_available()) all.push_back(Model::events);
  all.push_back(Model::fibers);
  return all;
}

struct Measurement {
  ClientResult client;
  std::optional<double> server_cpu_busy;  // seconds the server's CPU was busy in the run
};

// One server, driven by the client on its own (pinned) thread.
Measurement measure(Model model, int connections, double seconds, std::size_t size,
                    const Placement& where) {
  EchoServer server({.model = model, .cpu = where.server_cpu});
  ClientResult result;
  std::optional<double> busy_before;
  if (where.server_cpu) busy_before = host::cpu_busy_seconds(*where.server_cpu);
  std::exception_ptr error;
  rt::os::Thread client(rt::os::ThreadOptions{.name = "echo-client", .cpu = where.client_cpu}, [&] {
    try {
      result = run_load(
          {.port = server.port(), .connections = connections, .size = size, .duration_s = seconds});
    } catch (...) {
      error = std::current_exception();
    }
  });
  client.join();
  std::optional<double> busy;
  if (busy_before) busy = *host::cpu_busy_seconds(*where.server_cpu) - *busy_before;
  server.stop();
  if (error) std::rethrow_exception(error);
  return {result, busy};
}

// The server CPU's busy share during the run, and its busy time per echoed message: when
// the share is below 100%, the client (or the loopback) limited msgs/s, not the server.
std::pair<std::string, std::string> server_cpu(const Measurement& m) {
  if (!m.server_cpu_busy || m.client.seconds <= 0 || m.client.messages == 0) return {"n/a", "n/a"};
  return {rt::format_number(std::min(100.0, 100 * *m.server_cpu_busy / m.client.seconds), 0),
          rt::format_number(*m.server_cpu_busy * 1e6 / double(m.client.messages), 2)};
}

}  // namespace

void bench(const BenchOptions& options, rt::Output& out) {
  std::string limit = host::raise_open_file_limit();
  auto fd_limit = host::open_file_limit();
  auto where = placement();
  rt::Table table(fmt::format("chapter 4: echo, {} B messages, pipeline 1, {} s per cell ({} {}, "
                              "{} CPUs, {})",
                              options.size, options.duration_s, rt::kOsName, rt::kArchName,
                              rt::os::cpu_count(), where.description),
                  {"model", "connections", "msgs/s", "MB/s", "p50 us", "p99 us", "p999 us",
                   "server CPU %", "server CPU us/msg", "errors"});
  std::vector<std::string> notes{limit};
  auto all = models();
  rt::Progress progress("bench", all.size() * options.connection_counts.size());
  std::size_t done = 0;
  for (int connections : options.connection_counts) {
    if (fd_limit && descriptors_needed(connections) > *fd_limit) {
      notes.push_back(fmt::format(
          "{} connections skipped: client and server in one process need ~{} descriptors, "
          "the limit here is {}",
          connections, descriptors_needed(connections), *fd_limit));
      done += all.size();
      continue;
    }
    for (Model model : all) {
      auto m = measure(model, connections, options.duration_s, options.size, where);
      auto& r = m.client;
      auto [cpu_share, cpu_per_message] = server_cpu(m);
      progress.update(++done);
      table.add_row({to_string(model), std::to_string(connections),
                     rt::format_number(r.messages_per_second(), 0),
                     rt::format_number(r.megabytes_per_second(), 2),
                     rt::format_number(r.latency_us.median, 1),
                     rt::format_number(r.latency_us.p99, 1),
                     rt::format_number(r.latency_us.p999, 1), cpu_share, cpu_per_message,
                     std::to_string(r.errors)});
    }
  }
  progress.finish();
  if (!events_model_available()) {
    notes.push_back("events model: not on this OS (IOCP reports completions, not readiness)");
  }
  if (options.json) {
    table.print_json(out);
    return;
  }
  table.print(out);
  if (where.server_cpu) {
    out.print(
        "server CPU: how busy CPU {} (the server's) was, from /proc/stat, interrupts "
        "included; below 100%, the client or the loopback limited msgs/s\n",
        *where.server_cpu);
  }
  for (const auto& note : notes) out.print("{}\n", note);
}

void tour(rt::Output& out) {
  constexpr int kConnections = 100;
  auto where = placement();
  std::string figures;
  double events = 0;
  double fibers = 0;
  for (Model model : models()) {
    auto r = measure(model, kConnections, 0.7, 64, where).client;
    if (model == Model::events) events = r.messages_per_second();
    if (model == Model::fibers) fibers = r.messages_per_second();
    figures += fmt::format("{}{} {:.0f}", figures.empty() ? "" : ", ", to_string(model),
                           r.messages_per_second());
  }
  out.print("chapter 4, echo server ({} connections, 64 B messages, {}): msgs/s {}", kConnections,
            where.description, figures);
  if (events > 0) out.print(" (fibers = {:.0f}% of events)", 100 * fibers / events);
  out.print("\n");
}

}  // namespace ch04
