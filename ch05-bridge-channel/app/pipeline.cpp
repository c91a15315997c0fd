// `pipeline`: the source article's load balancer in miniature (demos.hpp). A control-plane
// thread feeds commands to the data plane (T2C); a dispatcher fiber hands each to one of the
// worker fibers on the same loop (C2C); each worker hands a log record to a background
// thread (C2T). Every hop is one channel; the table shows what each hop moved and paid.
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "demos.hpp"
#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/table.hpp"

namespace ch05 {

namespace {

struct Command {
  std::uint64_t id = 0;
  std::uint64_t work = 0;  // iterations of the worker's stand-in computation
};
struct LogRecord {
  std::uint64_t command = 0;
  std::uint64_t result = 0;
};

// What a worker "does" with a command: a little arithmetic the compiler cannot drop.
std::uint64_t process(const Command& command) {
  std::uint64_t x = 2 * command.id + 1;  // odd, and different for every command
  for (std::uint64_t i = 0; i < command.work; ++i)
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return x;
}

template <typename Channel>
void add_hop(rt::Table& table, const char* hop, const Channel& channel, std::uint64_t messages) {
  const rt::chan::ChannelStats stats = channel.stats();
  table.add_row(
      {hop, Channel::kMode, std::to_string(messages), std::to_string(stats.parks),
       std::to_string(stats.wakeups),
       rt::format_number(messages == 0 ? 0.0 : double(stats.wakeups) / double(messages), 4)});
}

}  // namespace

void pipeline(const PipelineOptions& options, rt::Output& out) {
  using namespace rt::chan;
  Channel<Command, Thread, Fiber> control(64);  // control plane -> data plane
  Channel<Command, Fiber, Fiber> work(16);      // dispatcher -> workers, one loop
  Channel<LogRecord, Fiber, Thread> log(256);   // data plane -> background logger
  std::uint64_t logged = 0, checksum = 0;
  const auto start = rt::Clock::now();

  std::thread logger([&] {
    while (auto record = log.receive()) {
      ++logged;
      checksum ^= record.value->result;
    }
  });
  std::thread control_plane([&] {
    for (std::uint64_t id = 0; id < options.commands; ++id) control.send({id, options.work});
    control.close();
  });

  rt::net::Loop loop;
  int workers_left = options.workers;
  loop.spawn({.name = "dispatcher"}, [&] {
    while (auto command = control.receive()) work.send(*command.value);
    work.close();
  });
  for (int w = 0; w < options.workers; ++w) {
    loop.spawn({.name = "worker"}, [&] {
      while (auto command = work.receive()) {
        log.send({command.value->id, process(*command.value)});
      }
      if (--workers_left == 0) log.close();  // the last worker out closes the log
    });
  }
  loop.run();
  control_plane.join();
  logger.join();
  const double seconds = std::chrono::duration<double>(rt::Clock::now() - start).count();

  rt::Table table(fmt::format("{} commands through {} worker fibers in {:.3f} s ({:.2f} M "
                              "commands/s; unpinned)",
                              options.commands, options.workers, seconds,
                              double(options.commands) / seconds / 1e6),
                  {"hop", "mode", "messages", "parks", "OS wakeups", "wakeups/msg"});
  add_hop(table, "control thread -> dispatcher fiber", control, options.commands);
  add_hop(table, "dispatcher -> worker fibers", work, options.commands);
  add_hop(table, "worker fibers -> logger thread", log, logged);
  options.json ? table.print_json(out) : table.print(out);
  if (logged != options.commands) {
    throw std::runtime_error(
        fmt::format("the logger received {} records for {} commands", logged, options.commands));
  }
  if (!options.json)
    out.print("every command was processed and logged once (checksum {:x})\n", checksum);
}

}  // namespace ch05
