// `modes` and `burst`: what each mode moves and what its wakeups cost (demos.hpp).
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <type_traits>

#include "demos.hpp"
#include "parties.hpp"
#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/net/timer.hpp"
#include "rt/table.hpp"
#include "stress.hpp"

namespace ch05 {

namespace {

struct Moved {
  double seconds = 0;
  rt::chan::ChannelStats stats;
};

template <typename Channel>
Moved move_messages(std::size_t messages, std::size_t capacity) {
  Channel channel(capacity);
  Moved moved;
  moved.seconds = run_pair<Channel>(
      [&] {
        for (std::size_t i = 0; i < messages; ++i) channel.send(i);
        channel.close();
      },
      [&] {
        while (channel.receive()) {
        }
      });
  moved.stats = channel.stats();
  return moved;
}

template <typename Channel>
void add_mode_row(rt::Table& table, const char* how, std::size_t messages, std::size_t capacity) {
  const Moved moved = move_messages<Channel>(messages, capacity);
  table.add_row({Channel::kMode, how, std::to_string(messages), std::to_string(moved.stats.parks),
                 std::to_string(moved.stats.wakeups),
                 rt::format_number(double(moved.stats.wakeups) / double(messages), 4),
                 rt::format_number(double(messages) / moved.seconds / 1e6, 2)});
}

// A thread sends `messages` in bursts of `burst` into a fiber, waiting between bursts until
// the fiber has taken them all and parked again (so each burst finds it asleep, the case
// that costs a wakeup).
template <typename Notifier>
rt::chan::ChannelStats burst_run(std::size_t messages, std::size_t burst) {
  rt::chan::Channel<std::size_t, rt::chan::Thread, rt::chan::Fiber, rt::chan::Unbounded,
                    rt::chan::Block, Notifier>
      channel;
  std::atomic<std::size_t> received{0};
  run_pair<decltype(channel)>(
      [&] {
        for (std::size_t sent = 0; sent < messages;) {
          const std::uint64_t parks_before = channel.stats().parks;
          for (std::size_t i = 0; i < burst && sent < messages; ++i) channel.send(sent++);
          // Wait (spinning, this is a demo) until the fiber took the burst and parked again.
          while (received.load() < sent || channel.stats().parks == parks_before) {
            std::this_thread::yield();
          }
        }
        channel.close();
      },
      [&] {
        while (channel.receive()) received.fetch_add(1);
      });
  return channel.stats();
}

}  // namespace

void modes(const ModesOptions& options, rt::Output& out) {
  using namespace rt::chan;
  rt::Table table(
      fmt::format("{} messages, one sender and one receiver, capacity {} (unpinned)",
                  options.messages, options.capacity),
      {"mode", "wake path", "messages", "parks", "OS wakeups", "wakeups/msg", "M msgs/s"});
  add_mode_row<Channel<std::size_t, Thread, Thread>>(table, "futex", options.messages,
                                                     options.capacity);
  add_mode_row<Channel<std::size_t, Thread, Fiber>>(table, "loop inbox + eventfd", options.messages,
                                                    options.capacity);
  add_mode_row<Channel<std::size_t, Fiber, Thread>>(table, "futex", options.messages,
                                                    options.capacity);
  add_mode_row<Channel<std::size_t, Fiber, Fiber>>(table, "run queue", options.messages,
                                                   options.capacity);
  options.json ? table.print_json(out) : table.print(out);
}

void burst(const BurstOptions& options, rt::Output& out) {
  rt::Table table(fmt::format("T2C, {} messages per row, sent in bursts into a fiber that drains "
                              "each burst and parks (unpinned)",
                              options.messages),
                  {"burst", "notifier", "parks", "OS wakeups", "wakeups/msg"});
  for (std::size_t size : options.burst_sizes) {
    auto add = [&](const char* name, const rt::chan::ChannelStats& stats) {
      table.add_row({std::to_string(size), name, std::to_string(stats.parks),
                     std::to_string(stats.wakeups),
                     rt::format_number(double(stats.wakeups) / double(options.messages), 4)});
    };
    add("batched", burst_run<rt::chan::Batched>(options.messages, size));
    add("naive", burst_run<rt::chan::Naive>(options.messages, size));
  }
  options.json ? table.print_json(out) : table.print(out);
}

void stress(const StressCommandOptions& options, rt::Output& out) {
  const StressReport report = stress_channels({.messages = options.messages});
  rt::Table table(fmt::format("{} sends attempted over four channels at once, with deadlines, a "
                              "stop request and close racing ({:.1f} s)",
                              options.messages, report.seconds),
                  {"channel", "sent ok", "received", "duplicates", "missing", "strays", "gave up"});
  for (const auto& c : report.channels) {
    table.add_row({c.name, std::to_string(c.sent_ok), std::to_string(c.received),
                   std::to_string(c.duplicates), std::to_string(c.missing),
                   std::to_string(c.strays), std::to_string(c.gave_up)});
  }
  options.json ? table.print_json(out) : table.print(out);
  if (!report.exactly_once()) throw std::runtime_error("a value was lost, duplicated or invented");
  if (!options.json) out.print("exactly once: every value sent ok was received once\n");
}

void tour(rt::Output& out) {
  out.print("Chapter 5: one channel, four modes; a wakeup only when the receiver sleeps\n");
  burst({.burst_sizes = {1, 100}, .messages = 2000, .json = false}, out);
}

}  // namespace ch05
