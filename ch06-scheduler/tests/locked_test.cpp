// Fibers locked to an OS thread (locked.hpp): lock_os_thread (Go's 1:1) and ThreadLocker (N:1).
// A locked fiber runs on its thread only, the thread runs nothing else, its worker goes on
// without it while it is parked, and fibers locked to one thread talk without OS wakeups.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "os_pipe.hpp"  // app/
#include "os_thread.hpp"
#include "rt/chan/channel.hpp"
#include "rt/sched/blocking.hpp"
#include "rt/sched/endpoint.hpp"
#include "rt/sched/locked.hpp"
#include "rt/sched/runtime.hpp"
#include "worker_counts.hpp"

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::chan::Status;
using rt::sched::MnFiber;
using rt::sched::Runtime;
using rt::sched::ThreadLocker;
using rt::sched::testing::os_thread;
using Buffered = rt::chan::Channel<int, MnFiber, MnFiber>;
using Unbuffered = rt::chan::Channel<int, MnFiber, MnFiber, rt::chan::Rendezvous>;

#if defined(RT_CH06_SLOW_TARGET)
constexpr int kRounds = 100;  // sanitizers, qemu, wine
#else
constexpr int kRounds = 1000;
#endif

class Locked : public rt::sched::testing::OverWorkerCounts {};

INSTANTIATE_TEST_SUITE_P(Counts, Locked, rt::sched::testing::kWorkerCounts,
                         rt::sched::testing::WorkerCountName{});

// Go's LockOSThread: the fiber parks (100 receives), yields and sleeps and always comes back on
// the thread it locked; meanwhile 100 other fibers run, and none of them ever runs on that
// thread while it is locked (each checks at every step, before its one send).
TEST_P(Locked, ALockedFiberStaysOnItsThreadAndItsThreadRunsNothingElse) {
  constexpr int kOthers = 100;
  Runtime runtime(options());
  std::atomic<std::thread::id> locked_thread{};
  std::atomic<int> trespasses{0};
  Unbuffered requests;
  runtime
      .spawn({.name = "locked"},
             [&] {
               this_fiber::lock_os_thread();
               ASSERT_TRUE(this_fiber::locked_to_thread());
               const std::thread::id home = os_thread();
               locked_thread = home;
               std::vector<rt::sched::JoinHandle> others;
               for (int i = 0; i < kOthers; ++i) {
                 others.push_back(this_fiber::spawn({.name = "other"}, [&] {
                   for (int step = 0; step < kRounds / 10; ++step) {
                     if (os_thread() == locked_thread.load()) ++trespasses;
                     this_fiber::yield();
                   }
                   if (os_thread() == locked_thread.load()) ++trespasses;
                   EXPECT_EQ(requests.send(1), Status::ok);
                 }));
               }
               for (int i = 0; i < kOthers; ++i) {
                 ASSERT_EQ(requests.receive().status, Status::ok);  // parks, mostly
                 if (i % 2 == 0) this_fiber::yield();
                 if (i % 3 == 0) this_fiber::sleep_for(std::chrono::microseconds(1));
                 ASSERT_EQ(os_thread(), home) << "receive " << i;
               }
               locked_thread = std::thread::id{};  // every other checked for the last time
               this_fiber::unlock_os_thread();
               EXPECT_FALSE(this_fiber::locked_to_thread());
               for (auto& other : others) other.join();
             })
      .join();
  EXPECT_EQ(trespasses.load(), 0);
  // Not asked here: that a park pinned the thread. Likely, not certain: on the slow targets
  // (10 yields before each send) every rendezvous receive may find its sender waiting, and a
  // park while others wait for the worker may end the slice instead; under Wine it failed
  // once in 200. Trace.APinnedEventForEveryParkOfALockedFiberNamingIt asks it where nothing
  // else can run.
}

// Go's rule: locks nest; unlock without a lock does nothing.
TEST(LockedRules, LocksNestAndAnUnlockWithoutALockDoesNothing) {
  Runtime runtime({.workers = 2});
  runtime
      .spawn({.name = "nester"},
             [] {
               this_fiber::unlock_os_thread();
               EXPECT_FALSE(this_fiber::locked_to_thread());
               this_fiber::lock_os_thread();
               this_fiber::lock_os_thread();
               this_fiber::unlock_os_thread();
               EXPECT_TRUE(this_fiber::locked_to_thread());
               this_fiber::unlock_os_thread();
               EXPECT_FALSE(this_fiber::locked_to_thread());
             })
      .join();
}

// The handoff for a locked fiber: with one worker, a locked fiber blocked in a read on
// a pipe (a blocking region) does not stop 100 fibers from finishing, and comes back on its
// thread; the 100th writes the byte it waits for.
TEST(LockedRules, ALockedFiberBlockedInTheOsDoesNotStopItsWorkersOtherFibers) {
  Runtime runtime({.workers = 1});
  ch06::OsPipe pipe;
  std::atomic<int> finished{0};
  runtime
      .spawn({.name = "locked reader"},
             [&] {
               this_fiber::lock_os_thread();
               const std::thread::id home = os_thread();
               for (int i = 0; i < 100; ++i) {
                 this_fiber::spawn({.name = "other"}, [&] {
                   if (finished.fetch_add(1) + 1 == 100) {
                     EXPECT_TRUE(pipe.write_byte(9));
                   }
                 });
               }
               EXPECT_EQ(rt::sched::in_blocking_region([&] { return pipe.read_byte(); }), 9);
               EXPECT_EQ(os_thread(), home);
               EXPECT_EQ(finished.load(), 100);
               this_fiber::unlock_os_thread();
             })
      .join();
}

// A locked fiber that never parks does not keep its worker from the others for good: with one
// worker, 100 fibers queued behind a locked spinner (at preemption check points) finish.
TEST(LockedRules, ALockedSpinnerDoesNotStarveItsWorkersQueue) {
  Runtime runtime({.workers = 1});
  std::atomic<int> finished{0};
  runtime
      .spawn({.name = "locked spinner"},
             [&] {
               this_fiber::lock_os_thread();
               for (int i = 0; i < 100; ++i) {
                 this_fiber::spawn({.name = "other"}, [&] { finished.fetch_add(1); });
               }
               while (finished.load() < 100) this_fiber::preemption_point();
               this_fiber::unlock_os_thread();
             })
      .join();
  EXPECT_EQ(finished.load(), 100);
}

// A thread that keeps its worker for its own fibers still fires the timers that come due (a
// reviewer's finding: it did not, and a sleeper waited for the ping-pong to end). On one
// worker, two fibers on a ThreadLocker ping-pong until a sleeping fiber wakes: without the
// timers fired from the locked thread, it never does, and ctest's timeout fails the test.
TEST(LockedRules, TimersFireWhileFibersOnOneThreadKeepItsWorker) {
  Runtime runtime({.workers = 1});
  ThreadLocker blessed(runtime);
  Unbuffered ping, pong;
  std::atomic<bool> slept{false};
  auto server = runtime.spawn({.name = "server"}, [&] {
    blessed.lock();
    while (auto got = ping.receive()) ASSERT_EQ(pong.send(*got.value), Status::ok);
    this_fiber::unlock_os_thread();
  });
  auto client = runtime.spawn({.name = "client"}, [&] {
    blessed.lock();
    while (!slept.load()) {
      ASSERT_EQ(ping.send(1), Status::ok);
      ASSERT_EQ(*pong.receive().value, 1);
    }
    this_fiber::unlock_os_thread();
    ping.close();
  });
  runtime
      .spawn({.name = "sleeper"},
             [&] {
               this_fiber::sleep_for(std::chrono::milliseconds(1));
               slept = true;
             })
      .join();
  client.join();
  server.join();
}

// N:1: fibers moved onto one thread run there only, and a ping-pong among them over a channel
// costs no OS wakeup at all (same-thread C2C), while a fiber that unlocks leaves the thread.
TEST_P(Locked, FibersOnOneThreadLockerPingPongWithoutOsWakeups) {
  Runtime runtime(options());
  ThreadLocker blessed(runtime);
  Unbuffered ping, pong;
  std::atomic<std::thread::id> server_thread{};
  auto server = runtime.spawn({.name = "server"}, [&] {
    blessed.lock();
    server_thread = os_thread();
    while (auto got = ping.receive()) {
      ASSERT_EQ(os_thread(), server_thread.load());
      ASSERT_EQ(pong.send(*got.value + 1), Status::ok);
    }
    this_fiber::unlock_os_thread();
    EXPECT_NE(os_thread(), server_thread.load()) << "unlocked, it stayed";
  });
  std::uint64_t wakes_during = 99;
  runtime
      .spawn({.name = "client"},
             [&] {
               blessed.lock();
               ASSERT_EQ(ping.send(0), Status::ok);  // the server is locked and receiving now
               ASSERT_EQ(*pong.receive().value, 1);
               EXPECT_EQ(os_thread(), server_thread.load());
               // A warm-up first: the wakes that started the fibers are counted by their
               // wakers after the wake itself, maybe while we already run.
               for (int i = 1; i <= 100; ++i) {
                 ASSERT_EQ(ping.send(i), Status::ok);
                 ASSERT_EQ(*pong.receive().value, i + 1);
               }
               const rt::sched::Stats before = runtime.stats();
               for (int i = 1; i <= kRounds * 10; ++i) {
                 ASSERT_EQ(ping.send(i), Status::ok);
                 ASSERT_EQ(*pong.receive().value, i + 1);
               }
               const rt::sched::Stats after = runtime.stats();
               wakes_during = (after.worker_wakes - before.worker_wakes) +
                              (after.machine_wakes - before.machine_wakes);
               if (wakes_during != 0) {
                 std::fprintf(
                     stderr, "worker wakes %llu, machine wakes %llu\n",
                     static_cast<unsigned long long>(after.worker_wakes - before.worker_wakes),
                     static_cast<unsigned long long>(after.machine_wakes - before.machine_wakes));
               }
               this_fiber::unlock_os_thread();
               EXPECT_NE(os_thread(), server_thread.load());
               ping.close();
             })
      .join();
  server.join();
  EXPECT_EQ(wakes_during, 0u) << kRounds * 10 << " round trips between two fibers locked to one "
                              << "thread woke threads";
}

// Many fibers move onto a thread and off again, thousands of times, while others readied from
// off the thread (a server there answers them all): every request answered, every fiber where
// it should be at every step.
TEST_P(Locked, FibersMovingOnAndOffAThreadLoseNothing) {
  constexpr int kClients = 4;
  Runtime runtime(options());
  ThreadLocker blessed(runtime);
  Buffered requests(8);
  std::vector<std::unique_ptr<Buffered>> replies;
  for (int c = 0; c < kClients; ++c) replies.push_back(std::make_unique<Buffered>(1));
  std::atomic<std::thread::id> server_thread{};
  std::atomic<int> served{0};
  rt::chan::Channel<int, MnFiber, MnFiber> ready(1);
  auto server = runtime.spawn({.name = "server"}, [&] {
    blessed.lock();
    server_thread = os_thread();
    ASSERT_EQ(ready.send(1), Status::ok);
    while (auto got = requests.receive()) {
      ASSERT_EQ(os_thread(), server_thread.load());
      const int client = *got.value;
      served.fetch_add(1);
      ASSERT_EQ(replies[static_cast<std::size_t>(client)]->send(client), Status::ok);
    }
  });
  runtime.spawn({.name = "wait"}, [&] { ready.receive(); }).join();
  std::vector<rt::sched::JoinHandle> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(runtime.spawn({.name = "client"}, [&, c] {
      for (int round = 0; round < kRounds; ++round) {
        const bool on_thread = round % 2 == 0;
        if (on_thread) {
          blessed.lock();
          ASSERT_EQ(os_thread(), server_thread.load());
        }
        ASSERT_EQ(requests.send(c), Status::ok);
        ASSERT_EQ(*replies[static_cast<std::size_t>(c)]->receive().value, c);
        if (on_thread) {
          ASSERT_EQ(os_thread(), server_thread.load());
          this_fiber::unlock_os_thread();
          ASSERT_NE(os_thread(), server_thread.load());
        }
      }
    }));
  }
  for (auto& client : clients) client.join();
  requests.close();
  server.join();
  EXPECT_EQ(served.load(), kClients * kRounds);
}

// The proposal's form (Go issue 49848): a client joins the thread of the locked fiber receiving
// on a channel; started before anyone receives, it waits until someone does. Then their round
// trips cost no OS wakeup, and unlock_os_thread takes the client off the thread again.
TEST_P(Locked, LockToReceiverThreadJoinsTheReceiversThreadWaitingForOneIfNeeded) {
  Runtime runtime(options());
  Buffered requests(1);
  Buffered replies(1);
  std::atomic<bool> client_started{false};
  std::atomic<std::thread::id> server_thread{};
  auto client = runtime.spawn({.name = "client"}, [&] {
    client_started = true;
    rt::sched::lock_to_receiver_thread(requests);  // nobody receives yet, mostly: it waits
    ASSERT_TRUE(this_fiber::locked_to_thread());
    ASSERT_EQ(os_thread(), server_thread.load());
    const rt::sched::Stats before = runtime.stats();
    for (int i = 0; i < kRounds; ++i) {
      ASSERT_EQ(requests.send(i), Status::ok);
      ASSERT_EQ(*replies.receive().value, i + 1);
      ASSERT_EQ(os_thread(), server_thread.load());
    }
    const rt::sched::Stats after = runtime.stats();
    EXPECT_EQ(after.worker_wakes + after.machine_wakes, before.worker_wakes + before.machine_wakes);
    this_fiber::unlock_os_thread();
    EXPECT_NE(os_thread(), server_thread.load());
    requests.close();
  });
  while (!client_started.load()) std::this_thread::yield();
  auto server = runtime.spawn({.name = "server"}, [&] {
    this_fiber::lock_os_thread();
    server_thread = os_thread();
    while (auto got = requests.receive()) ASSERT_EQ(replies.send(*got.value + 1), Status::ok);
    this_fiber::unlock_os_thread();
  });
  client.join();
  server.join();
}

}  // namespace
