// The chapter's measurements (measure.hpp).
#include "measure.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "rt/clock.hpp"
#include "rt/os/thread.hpp"
#include "rt/poll/io_operation.hpp"
#include "rt/stats.hpp"
#include "rt/sys/write.hpp"

namespace ch02 {

double wake_round_trip_ns(int round_trips) {
  // Batches, and the median batch: on a shared machine one batch may lose its CPU to
  // another process, which the median ignores and a plain mean would not.
  constexpr int kBatches = 20;
  const int per_batch = std::max(1, round_trips / kBatches);
  const int total = per_batch * kBatches;
  rt::poll::Poller ping, pong;
  std::array<rt::poll::Event, 4> main_events;
  rt::os::Thread partner({.name = "ch02-pong"}, [&] {
    std::array<rt::poll::Event, 4> events;
    for (int i = 0; i < total; ++i) {
      while (pong.wait(events, std::nullopt) == 0) {
      }
      ping.wake();
    }
  });
  std::vector<double> batches;
  for (int b = 0; b < kBatches; ++b) {
    rt::Stopwatch watch;
    for (int i = 0; i < per_batch; ++i) {
      pong.wake();
      while (ping.wait(main_events, std::nullopt) == 0) {
      }
    }
    batches.push_back(static_cast<double>(watch.elapsed_ns()) / per_batch);
  }
  partner.join();
  return rt::summarize(batches).median;
}

WriteCost write_cost(int calls, std::size_t size) {
  constexpr int kBatches = 20;
  const int per_batch = std::max(1, calls / kBatches);
  std::string text(size, 'x');
  auto data = std::as_bytes(std::span(text.data(), text.size()));
  rt::sys::NullDevice null;
  auto measure = [&](auto&& write_once) {
    std::vector<double> batches;
    for (int b = 0; b < kBatches; ++b) {
      rt::Stopwatch watch;
      for (int i = 0; i < per_batch; ++i) write_once();
      batches.push_back(static_cast<double>(watch.elapsed_ns()) / per_batch);
    }
    return rt::summarize(batches).median;
  };
  WriteCost cost;
  // Alternate the two, twice, so that neither always runs on a cold or warm machine.
  for (int round = 0; round < 2; ++round) {
    cost.wrapped_ns = measure([&] { rt::sys::wrapped_write(null.file(), data); });
    if (rt::sys::has_raw_write()) {
      cost.raw_ns = measure([&] { rt::sys::raw_write_checked(null.file(), data); });
    }
  }
  return cost;
}

RegistrationCost registration_cost(int handles) {
  rt::poll::Poller poller;
  std::vector<rt::poll::Socket> sockets;
  sockets.reserve(static_cast<std::size_t>(handles));
  for (int i = 0; i < handles; ++i) {
    sockets.push_back(rt::poll::udp_socket());
    rt::poll::set_nonblocking(sockets.back());
  }
  std::vector<std::unique_ptr<rt::poll::IoSocket>> registered;
  registered.reserve(sockets.size());
  rt::Stopwatch watch;
  for (auto& socket : sockets)
    registered.push_back(std::make_unique<rt::poll::IoSocket>(poller, socket));
  RegistrationCost cost;
  cost.register_ns = static_cast<double>(watch.elapsed_ns()) / handles;
  // Readiness backends report each new edge-triggered socket once (a UDP socket is writable
  // at once); drain those so that what follows measures an idle queue.
  std::array<rt::poll::Event, 256> events;
  while (poller.wait(events, std::chrono::milliseconds(0)) > 0) {
  }
  constexpr int kPolls = 2000;
  std::vector<double> samples;
  samples.reserve(kPolls);
  for (int i = 0; i < kPolls; ++i) {
    rt::Stopwatch one;
    poller.wait(events, std::chrono::milliseconds(0));
    samples.push_back(static_cast<double>(one.elapsed_ns()));
  }
  cost.idle_poll_ns = rt::summarize(samples).median;
  registered.clear();  // deregister before the sockets close
  return cost;
}

}  // namespace ch02
