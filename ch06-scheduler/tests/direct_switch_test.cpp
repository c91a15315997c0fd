// Knobs::direct_switch: a fiber that parks switches straight to the next fiber of its worker's
// own queue (Machine::park_by_direct_switch). What the loop did between the two fibers must
// still happen: the parked fiber's park is committed (a waker may run it elsewhere at once),
// each fiber keeps its own C++ exception state, and the global queue gets its turn every
// global_interval picks.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ping_pong.hpp"
#include "rt/chan/channel.hpp"
#include "rt/sched/endpoint.hpp"
#include "rt/sched/runtime.hpp"
#include "worker_counts.hpp"

namespace {

using rt::sched::MnFiber;
using rt::sched::Runtime;
using rt::sched::testing::ping_pong;
using rt::sched::testing::total;
using Unbuffered = rt::chan::Channel<int, MnFiber, MnFiber, rt::chan::Rendezvous>;

rt::sched::Options one_worker(bool direct) {
  rt::sched::Options o;
  o.workers = 1;
  o.knobs.direct_switch = direct;
  return o;
}

// On one worker every message parks its sender's partner... and then the sender: each park
// finds the partner in runnext. All but the fairness picks (one in global_interval) go direct.
TEST(DirectSwitch, APingPongPairOnOneWorkerSwitchesStraightBetweenItsFibers) {
  constexpr int kRoundTrips = 10'000;
  Runtime runtime(one_worker(true));
  EXPECT_EQ(ping_pong(runtime, kRoundTrips), 2 * kRoundTrips);
  const auto stats = runtime.stats();
  EXPECT_GE(total(stats, &rt::sched::WorkerStats::direct), std::uint64_t{kRoundTrips})
      << "runs: " << total(stats, &rt::sched::WorkerStats::runs);
}

TEST(DirectSwitch, OffEverySwitchGoesThroughTheWorkersLoop) {
  constexpr int kRoundTrips = 10'000;
  Runtime runtime(one_worker(false));
  EXPECT_EQ(ping_pong(runtime, kRoundTrips), 2 * kRoundTrips);
  EXPECT_EQ(total(runtime.stats(), &rt::sched::WorkerStats::direct), 0u);
}

class DirectSwitchWorkers : public rt::sched::testing::OverWorkerCounts {};
INSTANTIATE_TEST_SUITE_P(Counts, DirectSwitchWorkers, rt::sched::testing::kWorkerCounts,
                         rt::sched::testing::WorkerCountName{});

// Pairs ping-pong while each fiber holds a caught exception of its own: the exception state
// travels with the fiber through every direct switch (and every move to another worker).
TEST_P(DirectSwitchWorkers, EachFiberKeepsItsOwnExceptionThroughDirectSwitches) {
  constexpr int kPairs = 4;
  constexpr int kRoundTrips = 2'000;
  Runtime runtime(options());
  std::atomic<int> good{0};
  std::vector<Unbuffered> pings(kPairs);
  std::vector<Unbuffered> pongs(kPairs);
  std::vector<rt::sched::JoinHandle> fibers;
  auto holds_its_own = [&good](int mine) {
    try {
      throw;  // rethrows the exception being handled: this fiber's, wherever it runs now
    } catch (int again) {
      if (again == mine) good.fetch_add(1);
    }
  };
  for (int p = 0; p < kPairs; ++p) {
    fibers.push_back(runtime.spawn({.name = "pong"}, [&, p] {
      try {
        throw 1000 + p;
      } catch (int) {
        while (auto got = pings[p].receive()) pongs[p].send(*got.value);
        holds_its_own(1000 + p);
      }
    }));
    fibers.push_back(runtime.spawn({.name = "ping"}, [&, p] {
      try {
        throw p;
      } catch (int) {
        bool in_order = true;
        for (int i = 0; i < kRoundTrips; ++i) {
          pings[p].send(i);
          in_order = in_order && *pongs[p].receive().value == i;
        }
        pings[p].close();
        EXPECT_TRUE(in_order);
        holds_its_own(p);
      }
    }));
  }
  for (auto& f : fibers) f.join();
  EXPECT_EQ(good.load(), 2 * kPairs);
  if (GetParam() == 1) {  // on one worker the pairs' parks do switch directly
    EXPECT_GT(total(runtime.stats(), &rt::sched::WorkerStats::direct), 0u);
  }
}

// The fairness check survives the direct switch: a fiber put on the global queue from outside
// runs within global_interval picks while a pair ping-pongs on the only worker (each message
// is a pick; a direct switch never takes the fairness tick's pick). Preemption is off, as in
// runtime_test.cpp's yielders test: a preempted fiber would queue ahead of the probe.
TEST(DirectSwitch, AFiberInTheGlobalQueueRunsWhileAPairPingPongs) {
  rt::sched::Options o = one_worker(true);
  o.preempt_after = std::chrono::microseconds(0);
  Runtime runtime(o);
  Unbuffered ping;
  Unbuffered pong;
  std::atomic<std::uint64_t> messages{0};
  std::atomic<bool> probe_ran{false};
  auto server = runtime.spawn({.name = "pong"}, [&] {
    while (auto got = ping.receive()) {
      messages.fetch_add(1, std::memory_order_relaxed);
      pong.send(*got.value);
    }
  });
  auto client = runtime.spawn({.name = "ping"}, [&] {
    while (!probe_ran.load(std::memory_order_relaxed)) {  // until the probe ran, however late
      ping.send(1);
      pong.receive();
      messages.fetch_add(1, std::memory_order_relaxed);
    }
    ping.close();
  });
  // The pair is running (its fibers left the global queue), then the probe arrives.
  while (messages.load() < 1'000) std::this_thread::yield();
  std::uint64_t when_run = 0;
  auto probe = runtime.spawn({.name = "probe"}, [&] {
    when_run = messages.load();
    probe_ran.store(true);
  });
  const std::uint64_t after_push = messages.load();  // read late: it only shrinks the gap
  probe.join();
  client.join();
  server.join();
  // Picks between two checks, plus the one running across the push (two messages a round trip,
  // each a pick: the count runs ahead of the picks by at most one).
  const auto bound = static_cast<std::uint64_t>(runtime.knobs().global_interval + 2);
  EXPECT_LE(when_run - std::min(after_push, when_run), bound);
}

// A park whose unpark came first returns at once, as through the loop (its commit finds
// unpark_pending and runs the fiber next): the fiber readied before it, waiting in runnext,
// does not run first. One worker, preemption off: nothing else can run B meanwhile.
TEST(DirectSwitch, AParkWhoseUnparkCameFirstReturnsBeforeTheNextFiberRuns) {
  for (const bool direct : {true, false}) {
    rt::sched::Options o = one_worker(direct);
    o.preempt_after = std::chrono::microseconds(0);
    Runtime runtime(o);
    std::atomic<rt::sched::Fiber*> a{nullptr};
    std::atomic<bool> unparked{false};
    std::atomic<bool> b_ran{false};
    bool b_ran_first = true;
    auto fiber_a = runtime.spawn({.name = "A"}, [&] {
      auto b = rt::sched::this_fiber::spawn({.name = "B"}, [&] { b_ran.store(true); });
      a.store(&rt::sched::this_fiber::current());
      while (!unparked.load()) {  // the thread's unpark finds A running: unpark_pending
      }
      rt::sched::this_fiber::park();
      b_ran_first = b_ran.load();
      b.join();
    });
    while (a.load() == nullptr) std::this_thread::yield();
    rt::sched::unpark(*a.load());
    unparked.store(true);
    fiber_a.join();
    EXPECT_FALSE(b_ran_first) << "direct switch " << (direct ? "on" : "off");
  }
}

}  // namespace
