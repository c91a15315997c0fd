// `bench`: the chapter's figures side by side in one run (demos.hpp). Every row is repeated
// and reported as median (min-max); rows whose two parties run on two threads are measured
// pinned (thread on CPU 0, loop on CPU 1) and unpinned, and say which.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "demos.hpp"
#include "parties.hpp"
#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/os/thread.hpp"
#include "rt/stats.hpp"
#include "rt/table.hpp"

namespace ch05 {

namespace {

using namespace rt::chan;

double seconds_since(rt::Clock::time_point start) {
  return std::chrono::duration<double>(rt::Clock::now() - start).count();
}

// CPU time of the whole process (all threads), for "CPU per round trip".
double process_cpu_seconds() {
  return double(std::clock()) / CLOCKS_PER_SEC;
}

// C2C ping-pong over two rendezvous channels on one loop: round trips per second.
double c2c_ping_pong(std::size_t round_trips, bool pinned) {
  Channel<int, Fiber, Fiber, Rendezvous> ping, pong;
  double seconds = 0;
  on_one_thread(pinned, [&] {
    rt::net::Loop loop;
    const auto start = rt::Clock::now();
    loop.spawn({.name = "ponger"}, [&] {
      while (auto got = ping.receive()) pong.send(*got.value);
    });
    loop.spawn({.name = "pinger"}, [&] {
      for (std::size_t i = 0; i < round_trips; ++i) {
        ping.send(int(i));
        pong.receive();
      }
      ping.close();
    });
    loop.run();
    seconds = seconds_since(start);
  });
  return double(round_trips) / seconds;
}

// A producer and a consumer through a capacity-1024 channel: messages per second.
template <typename Channel>
double stream_rate(std::size_t messages, bool pinned, ChannelStats* stats) {
  Channel channel(1024);
  const double seconds = run_pair<Channel>(
      [&] {
        for (std::size_t i = 0; i < messages; ++i) channel.send(i);
        channel.close();
      },
      [&] {
        while (channel.receive()) {
        }
      },
      pinned);
  const double rate = double(messages) / seconds;
  if (stats != nullptr) *stats = channel.stats();
  return rate;
}

// The baseline: a std::deque under a mutex, a condition variable per side, two threads.
double mutex_condvar_rate(std::size_t messages, bool pinned) {
  std::mutex mutex;
  std::condition_variable not_empty, not_full;
  std::deque<std::size_t> queue;  // guarded by mutex
  bool closed = false;            // guarded by mutex
  const auto start = rt::Clock::now();
  rt::os::ThreadOptions a{.name = "producer"}, b{.name = "consumer"};
  if (pinned) {
    a.cpu = 0;
    b.cpu = 1;
  }
  rt::os::Thread consumer(b, [&] {
    for (;;) {
      std::unique_lock lock(mutex);
      not_empty.wait(lock, [&] { return !queue.empty() || closed; });
      if (queue.empty()) return;
      queue.pop_front();
      not_full.notify_one();
    }
  });
  rt::os::Thread producer(a, [&] {
    for (std::size_t i = 0; i < messages; ++i) {
      std::unique_lock lock(mutex);
      not_full.wait(lock, [&] { return queue.size() < 1024; });
      queue.push_back(i);
      not_empty.notify_one();
    }
    std::lock_guard lock(mutex);
    closed = true;
    not_empty.notify_one();
  });
  producer.join();
  consumer.join();
  return double(messages) / seconds_since(start);
}

// A thread sends a request to a fiber (T2C) and waits for its reply (C2T): the round trip's
// median in microseconds, and the process's CPU time per round trip.
struct RoundTrip {
  double median_us = 0;
  double cpu_us = 0;
};
RoundTrip thread_fiber_round_trip(std::size_t round_trips, bool pinned) {
  Channel<int, Thread, Fiber> requests(1);
  Channel<int, Fiber, Thread> replies(1);
  std::vector<double> samples;
  samples.reserve(round_trips);
  const double cpu_before = process_cpu_seconds();
  run_pair<decltype(requests)>(
      [&] {
        for (std::size_t i = 0; i < round_trips; ++i) {
          const auto start = rt::Clock::now();
          requests.send(int(i));
          replies.receive();
          samples.push_back(
              std::chrono::duration<double, std::micro>(rt::Clock::now() - start).count());
        }
        requests.close();
      },
      [&] {
        while (auto got = requests.receive()) replies.send(*got.value);
      },
      pinned);
  RoundTrip result;
  result.median_us = rt::summarize(samples).median;
  result.cpu_us = (process_cpu_seconds() - cpu_before) * 1e6 / double(round_trips);
  return result;
}

std::string spread(const std::vector<double>& samples, int decimals) {
  const rt::Summary s = rt::summarize(samples);
  return fmt::format("{} ({}-{})", rt::format_number(s.median, decimals),
                     rt::format_number(s.min, decimals), rt::format_number(s.max, decimals));
}

}  // namespace

void bench(const BenchOptions& options, rt::Output& out) {
  const bool can_pin = rt::os::supports_pinning() && rt::os::cpu_count() >= 2;
  std::vector<bool> placements{false};
  if (can_pin) placements.insert(placements.begin(), true);
  rt::Table table(
      fmt::format("median (min-max) of {} runs; {} CPUs", options.reps, rt::os::cpu_count()),
      {"row", "placement", "figure", "unit", "wakeups/msg"});
  auto reps = [&](auto measure) {
    std::vector<double> samples;
    for (int i = 0; i < options.reps; ++i) samples.push_back(measure());
    return samples;
  };
  const std::size_t n = options.messages;
  // One-thread rows: on CPU 1 when pinning is possible, where compare/run.sh runs Go's.
  const char* one_thread = can_pin ? "pinned 1" : "one thread";
  table.add_row({"C2C ping-pong, capacity 0, one loop", one_thread,
                 spread(reps([&] { return c2c_ping_pong(n / 10, can_pin) / 1e6; }), 2),
                 "M round trips/s", rt::kNotMeasured});
  ChannelStats stats;
  table.add_row(
      {"C2C stream, capacity 1024, one loop", one_thread,
       spread(reps([&] {
                return stream_rate<Channel<std::size_t, Fiber, Fiber>>(n, can_pin, &stats) / 1e6;
              }),
              1),
       "M msgs/s", rt::format_number(double(stats.wakeups) / double(n), 4)});
  // The same, with the notification behind a virtual call per put and per take (the Virtual
  // policy: the run-time choice of mode the chapter rejects).
  table.add_row(
      {"C2C stream, capacity 1024, virtual notifier", one_thread,
       spread(reps([&] {
                return stream_rate<
                           Channel<std::size_t, Fiber, Fiber, Buffered, Block, rt::chan::Virtual>>(
                           n, can_pin, &stats) /
                       1e6;
              }),
              1),
       "M msgs/s", rt::format_number(double(stats.wakeups) / double(n), 4)});
  for (bool pinned : placements) {
    const char* placement = pinned ? "pinned 0,1" : "unpinned";
    table.add_row(
        {"T2C stream, capacity 1024, batched", placement,
         spread(reps([&] {
                  return stream_rate<Channel<std::size_t, Thread, Fiber>>(n, pinned, &stats) / 1e6;
                }),
                1),
         "M msgs/s", rt::format_number(double(stats.wakeups) / double(n), 4)});
    table.add_row({"T2C stream, capacity 1024, virtual notifier", placement,
                   spread(reps([&] {
                            return stream_rate<Channel<std::size_t, Thread, Fiber, Buffered, Block,
                                                       rt::chan::Virtual>>(n, pinned, &stats) /
                                   1e6;
                          }),
                          1),
                   "M msgs/s", rt::format_number(double(stats.wakeups) / double(n), 4)});
    table.add_row(
        {"T2C stream, capacity 1024, naive notifier", placement,
         spread(reps([&] {
                  return stream_rate<Channel<std::size_t, Thread, Fiber, Buffered, Block, Naive>>(
                             n / 10, pinned, &stats) /
                         1e6;
                }),
                1),
         "M msgs/s", rt::format_number(double(stats.wakeups) / double(n / 10), 4)});
    table.add_row({"mutex + condition variable queue, 2 threads", placement,
                   spread(reps([&] { return mutex_condvar_rate(n, pinned) / 1e6; }), 1), "M msgs/s",
                   rt::kNotMeasured});
    // With the spin before parking (the default), then without it: the bare park and wake,
    // an OS wakeup each way, and fewer round trips since each takes tens of microseconds.
    for (bool spin : {true, false}) {
      rt::chan::allow_spin_before_park(spin);
      std::vector<double> cpu;
      const std::size_t trips = spin ? n / 100 : n / 1000;
      table.add_row({spin ? "thread -> fiber -> thread round trip (T2C + C2T)"
                          : "the same round trip, no spin before parking",
                     placement,
                     spread(reps([&] {
                              const RoundTrip trip = thread_fiber_round_trip(trips, pinned);
                              cpu.push_back(trip.cpu_us);
                              return trip.median_us;
                            }),
                            2),
                     "us (p50)", rt::kNotMeasured});
      table.add_row({"  CPU time per round trip (both threads)", placement, spread(cpu, 2), "us",
                     rt::kNotMeasured});
    }
    rt::chan::allow_spin_before_park(true);
  }
  options.json ? table.print_json(out) : table.print(out);
}

}  // namespace ch05
