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

// One server, driven by the client on its own (pinned) thread.
ClientResult measure(Model model, int connections, double seconds, std::size_t size,
                     const Placement& where) {
  EchoServer server({.model = model, .cpu = where.server_cpu});
  ClientResult result;
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
  server.stop();
  if (error) std::rethrow_exception(error);
  return result;
}

}  // namespace

void bench(const BenchOptions& options, rt::Output& out) {
  std::string limit = host::raise_open_file_limit();
  auto fd_limit = host::open_file_limit();
  auto where = placement();
  rt::Table table(
      fmt::format("chapter 4: echo, {} B messages, pipeline 1, {} s per cell ({} {}, "
                  "{} CPUs, {})",
                  options.size, options.duration_s, rt::kOsName, rt::kArchName, rt::os::cpu_count(),
                  where.description),
      {"model", "connections", "msgs/s", "MB/s", "p50 us", "p99 us", "p999 us", "errors"});
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
      auto r = measure(model, connections, options.duration_s, options.size, where);
      progress.update(++done);
      table.add_row({to_string(model), std::to_string(connections),
                     rt::format_number(r.messages_per_second(), 0),
                     rt::format_number(r.megabytes_per_second(), 2),
                     rt::format_number(r.latency_us.median, 1),
                     rt::format_number(r.latency_us.p99, 1),
                     rt::format_number(r.latency_us.p999, 1), std::to_string(r.errors)});
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
  for (const auto& note : notes) out.print("{}\n", note);
}

void tour(rt::Output& out) {
  constexpr int kConnections = 100;
  auto where = placement();
  std::string figures;
  double events = 0;
  double fibers = 0;
  for (Model model : models()) {
    auto r = measure(model, kConnections, 0.7, 64, where);
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
