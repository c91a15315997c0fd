// `bench`: each model and each peer x each connection count, the server on one CPU and the
// client on the other; and `tour`, the chapter's one figure.
#include <exception>
#include <stdexcept>

#include "demos.hpp"
#include "host.hpp"
#include "rt/os/thread.hpp"
#include "rt/platform.hpp"
#include "rt/progress.hpp"
#include "rt/table.hpp"
#include "server.hpp"

namespace ch04 {

namespace {

// Descriptors a run needs besides the connections' own: the listener, event queues and the
// runtime's (a measured handful; 64 is generous).
constexpr std::size_t kDescriptorMargin = 64;

// A row of one of our models: client and server share this process, which holds both ends
// of every connection.
std::size_t in_process_descriptors(int connections) {
  return 2 * static_cast<std::size_t>(connections) + kDescriptorMargin;
}
// A peer's row: the server is another process; this one holds only the client's ends.
std::size_t client_descriptors(int connections) {
  return static_cast<std::size_t>(connections) + kDescriptorMargin;
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

// The server at 127.0.0.1:`port`, driven by the client on its own (pinned) thread, with
// the server's CPU sampled when the client's counted window opens and closes (after the
// connects and the warm-up; before the drain and the closes).
BenchCell drive(std::uint16_t port, int connections, const BenchOptions& options,
                const Placement& where) {
  BenchCell cell;
  std::optional<double> busy_at_start;
  std::optional<rt::Clock::time_point> window_start;
  auto sample = [&where] {
    return where.server_cpu ? host::cpu_busy_seconds(*where.server_cpu) : std::nullopt;
  };
  ClientOptions load{.port = port,
                     .connections = connections,
                     .size = options.size,
                     .duration_s = options.duration_s,
                     .warmup_s = options.warmup_s};
  load.on_measure_start = [&] {
    busy_at_start = sample();
    window_start = rt::Clock::now();
  };
  load.on_measure_stop = [&] {
    auto busy = sample();
    if (busy && busy_at_start && window_start) {
      cell.server_cpu_busy = *busy - *busy_at_start;
      cell.window_seconds = std::chrono::duration<double>(rt::Clock::now() - *window_start).count();
    }
  };
  std::exception_ptr error;
  rt::os::Thread client(rt::os::ThreadOptions{.name = "echo-client", .cpu = where.client_cpu}, [&] {
    try {
      cell.client = run_load(load);
    } catch (...) {
      error = std::current_exception();
    }
  });
  client.join();
  if (error) std::rethrow_exception(error);
  return cell;
}

// One fresh server of `model` in this process, pinned to the server's CPU if it runs on one,
// driven.
BenchCell measure(const ModelFactory& model, int connections, const BenchOptions& options,
                  const Placement& where) {
  EchoServer server({.cpu = model.one_cpu ? where.server_cpu : std::nullopt}, model);
  Placement placed = where;
  if (!model.one_cpu) placed.server_cpu.reset();  // not on one CPU: its CPU is not measured
  auto m = drive(server.port(), connections, options, placed);
  server.stop();
  return m;
}

// Before any row: one connection for a moment, every byte verified, so that a peer that is
// not there (or does not echo) is one clear error instead of a table of failed rows.
void check_peer(const Peer& peer, std::size_t size, const Placement& where) {
  auto r = drive(peer.port, 1, {.duration_s = 0.05, .size = size, .warmup_s = 0}, where).client;
  if (r.errors == 0 && r.messages > 0) return;
  throw std::runtime_error(fmt::format(
      "peer {} at 127.0.0.1:{} does not echo: {}", peer.name, peer.port,
      r.first_errors.empty() ? std::string("no echo came back") : r.first_errors.front()));
}

// The server CPU's busy share during the counted window, and its busy time per counted
// message: when the share is below 100%, the client (or the loopback) limited msgs/s, not
// the server.
std::pair<std::string, std::string> server_cpu(const BenchCell& m) {
  if (m.client.messages == 0) return {rt::kNotMeasured, rt::kNotMeasured};
  if (!m.server_cpu_busy || m.window_seconds <= 0) return {"n/a", "n/a"};
  return {rt::format_number(std::min(100.0, 100 * *m.server_cpu_busy / m.window_seconds), 0),
          rt::format_number(*m.server_cpu_busy * 1e6 / double(m.client.messages), 2)};
}

std::string title(const BenchOptions& options, const Placement& where) {
  std::string peers;
  for (const auto& peer : options.peers) peers += (peers.empty() ? "" : ", ") + peer.name;
  return fmt::format(
      "{}: echo, {} B messages, pipeline 1, {} s per cell after a {} s warm-up ({} {}, {} "
      "CPUs, {}{})",
      options.title, options.size, options.duration_s, options.warmup_s, rt::kOsName, rt::kArchName,
      rt::os::cpu_count(), where.description,
      peers.empty() ? "" : "; peers outside this process: " + peers);
}

}  // namespace

std::optional<std::string> add_bench_row(rt::Table& table, const std::string& name, int connections,
                                         const BenchCell& cell) {
  const auto& r = cell.client;
  auto [cpu_share, cpu_per_message] = server_cpu(cell);
  table.add_row({name, std::to_string(connections), figure_cell(r, r.messages_per_second(), 0),
                 figure_cell(r, r.megabytes_per_second(), 2),
                 figure_cell(r, r.latency_us.median, 1), figure_cell(r, r.latency_us.p99, 1),
                 figure_cell(r, r.latency_us.p999, 1), cpu_share, cpu_per_message,
                 std::to_string(r.errors)});
  if (r.messages > 0) return std::nullopt;
  return fmt::format("{} {}: no echo completed within the measured window{}", name, connections,
                     r.first_errors.empty() ? "" : " (" + r.first_errors.front() + ")");
}

void bench(const BenchOptions& options, rt::Output& out) {
  std::string limit = host::raise_open_file_limit();
  auto fd_limit = host::open_file_limit();
  auto where = placement();
  std::vector<ModelFactory> in_process;
  for (Model model : options.models.value_or(models())) in_process.push_back(chapter_model(model));
  in_process.insert(in_process.end(), options.outside_models.begin(), options.outside_models.end());
  if (in_process.empty() && where.server_cpu) {
    where.description = fmt::format("client pinned to CPU {}, the servers' CPU taken to be CPU {}",
                                    *where.client_cpu, *where.server_cpu);
  }
  for (const auto& peer : options.peers) check_peer(peer, options.size, where);
  rt::Table table(title(options, where),
                  {"model", "connections", "msgs/s", "MB/s", "p50 us", "p99 us", "p999 us",
                   "server CPU %", "server CPU us/msg", "errors"});
  std::vector<std::string> notes{limit};
  const std::size_t per_count = in_process.size() + options.peers.size();
  rt::Progress progress("bench", per_count * options.connection_counts.size());
  std::size_t done = 0;
  for (int connections : options.connection_counts) {
    if (!in_process.empty() && fd_limit && in_process_descriptors(connections) > *fd_limit) {
      notes.push_back(fmt::format(
          "{} connections skipped{}: client and server in one process need ~{} descriptors, "
          "the limit here is {}{}",
          connections, options.peers.empty() ? "" : " for the in-process models",
          in_process_descriptors(connections), *fd_limit,
          options.peers.empty() ? "" : " (a peer's rows need only the client's)"));
      done += in_process.size();
    } else {
      for (const auto& model : in_process) {
        auto m = measure(model, connections, options, where);
        progress.update(++done);
        if (auto note = add_bench_row(table, model.name, connections, m)) {
          notes.push_back(*note);
        }
      }
    }
    if (!options.peers.empty() && fd_limit && client_descriptors(connections) > *fd_limit) {
      notes.push_back(fmt::format(
          "{} connections skipped for the peers: the client needs ~{} descriptors, the limit "
          "here is {}",
          connections, client_descriptors(connections), *fd_limit));
      done += options.peers.size();
      continue;
    }
    for (const auto& peer : options.peers) {
      auto m = drive(peer.port, connections, options, where);
      progress.update(++done);
      if (auto note = add_bench_row(table, peer.name, connections, m)) notes.push_back(*note);
    }
  }
  progress.finish();
  if (!events_model_available() && !options.models) {
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
    if (!options.peers.empty()) {
      out.print(
          "a peer's server CPU is CPU {}'s busy time, whatever ran there: right only if the "
          "peer runs alone on CPU {} (taskset -c {}) and nothing else does\n",
          *where.server_cpu, *where.server_cpu, *where.server_cpu);
    }
  }
  for (const auto& model : in_process) {
    if (model.one_cpu) continue;
    out.print("{}: runs on several CPUs, so the bench does not pin it (server CPU n/a)\n",
              model.name);
  }
  for (const auto& peer : options.peers) {
    out.print("peer {}: 127.0.0.1:{}, started outside this process (not pinned by the bench)\n",
              peer.name, peer.port);
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
    auto r =
        measure(chapter_model(model), kConnections, {.duration_s = 0.7, .size = 64}, where).client;
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
