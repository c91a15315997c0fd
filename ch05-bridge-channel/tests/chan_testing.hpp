// Running a channel test body on the kinds a channel asks for: each thread-side body on an OS
// thread of its own, every fiber-side body on one loop, run by a thread of its own.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "rt/chan/channel.hpp"
#include "rt/net/loop.hpp"
#include "rt/net/timer.hpp"

namespace ch05::testing {

using Body = std::function<void()>;

// Runs `senders` as the channel's sender kind and `receivers` as its receiver kind, all at
// once, and returns when every body has returned.
template <typename Channel>
void run_sides(std::vector<Body> senders, std::vector<Body> receivers) {
  std::vector<Body> on_threads;
  std::vector<Body> on_loop;
  auto place = [&](std::vector<Body>& bodies, bool fiber) {
    for (auto& body : bodies) (fiber ? on_loop : on_threads).push_back(std::move(body));
  };
  place(senders, !std::is_same_v<typename Channel::Sender, rt::chan::Thread>);
  place(receivers, !std::is_same_v<typename Channel::Receiver, rt::chan::Thread>);
  std::vector<std::thread> threads;
  if (!on_loop.empty()) {
    threads.emplace_back([&on_loop] {
      rt::net::Loop loop;
      for (auto& body : on_loop) loop.spawn({.name = "side"}, std::move(body));
      loop.run();
    });
  }
  for (auto& body : on_threads) threads.emplace_back(std::move(body));
  for (auto& thread : threads) thread.join();
}

// Lets the other side run, for a side that polls for the other to reach a state (the state is
// what orders the test; this only gives the CPU away). A thread yields to the OS. A fiber
// waits one turn of its loop, timers included (a plain yield would run the other fibers but
// never the loop's timers, and a fiber that polls for a deadline to pass would spin forever).
inline void let_others_run() {
  if (rt::fiber::this_fiber::on_fiber()) {
    rt::net::sleep_for(std::chrono::microseconds(100));
  } else {
    std::this_thread::yield();
  }
}

// Capacities of the Buffered channels for_each_capacity runs a body over.
inline constexpr std::size_t kCapacities[] = {1, 2, 1024};

// Runs `body(std::type_identity<Channel>{}, capacity)` for each storage of M::Channel<int>:
// Buffered of every capacity in kCapacities, Unbounded, and Rendezvous (capacity 0), for
// bodies that make their channels themselves (Go's chan_test.go shape).
template <typename M, typename Body>
void for_each_storage(Body body) {
  for (std::size_t capacity : kCapacities) {
    SCOPED_TRACE(::testing::Message() << "capacity " << capacity);
    body(std::type_identity<typename M::template Channel<int>>{}, capacity);
  }
  {
    SCOPED_TRACE("unbounded");
    body(std::type_identity<typename M::template Channel<int, rt::chan::Unbounded>>{}, 0);
  }
  SCOPED_TRACE("capacity 0 (rendezvous)");
  body(std::type_identity<typename M::template Channel<int, rt::chan::Rendezvous>>{}, 0);
}

// Runs `body(channel)` on one channel of each storage, as for_each_storage.
template <typename M, typename Body>
void for_each_capacity(Body body) {
  for_each_storage<M>([&](auto type, std::size_t capacity) {
    typename decltype(type)::type channel(capacity);
    body(channel);
  });
}

// The four modes, for typed tests.
template <typename Sender, typename Receiver>
struct Mode {
  template <typename T, typename... Policies>
  using Channel = rt::chan::Channel<T, Sender, Receiver, Policies...>;
};
using T2T = Mode<rt::chan::Thread, rt::chan::Thread>;
using T2C = Mode<rt::chan::Thread, rt::chan::Fiber>;
using C2T = Mode<rt::chan::Fiber, rt::chan::Thread>;
using C2C = Mode<rt::chan::Fiber, rt::chan::Fiber>;

}  // namespace ch05::testing
