// The side effect of asynchronous preemption's signal (src/preempt_posix.cpp): a system call
// it interrupts may end early, with EINTR (those the kernel does not restart under
// SA_RESTART: epoll_wait, nanosleep, poll). Every blocking call the runtime makes retries.
#include "async_available.hpp"
#include "rt/sched/runtime.hpp"
#include "runtime_impl.hpp"
#include "worker_counts.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#if !defined(_WIN32)
#include <pthread.h>
#include <signal.h>
#endif

#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/net/listener.hpp"
#include "rt/net/stream.hpp"
#include "rt/sched/endpoint.hpp"

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::sched::Runtime;
using rt::sched::WorkerStats;
using rt::sched::testing::total;

#if defined(RT_CH06_SLOW_TARGET)
constexpr int kInterruptionRounds = 300;  // under qemu or a sanitizer
#else
constexpr int kInterruptionRounds = 3000;
#endif

// Every worker's thread and a thread waiting on a channel get SIGURG thousands of times while
// fibers sleep, read a socket and wait on channels, and a spinner is interrupted for real:
// every sleep lasts its time, every byte and every value arrives once and in order. A blocking
// call of the runtime's that did not retry on EINTR would end a wait early or fail.
TEST(AsyncPreemption, SleepsReadsAndChannelWaitsSurviveThousandsOfInterruptions) {
#if defined(_WIN32)
  GTEST_SKIP() << "Windows interrupts with SuspendThread, which ends no wait early: no EINTR";
#else
  SKIP_UNLESS_ASYNC_PREEMPTION();
  rt::sched::Options o;
  o.workers = 2;
  o.preempt_after = std::chrono::microseconds(200);
  Runtime runtime(o);
  std::atomic<bool> stop{false};
  std::atomic<int> short_sleeps{0};
  std::atomic<int> sleeps{0}, messages{0}, values{0};
  bool bytes_in_order = true, values_in_order = true;
  using ToFiber = rt::chan::Channel<int, rt::chan::Thread, rt::sched::MnFiber>;
  using ToThread = rt::chan::Channel<int, rt::sched::MnFiber, rt::chan::Thread>;
  ToFiber to_fiber(1);
  ToThread to_thread(1);
  std::vector<rt::sched::JoinHandle> handles;
  handles.push_back(runtime.spawn({.name = "sleeper"}, [&] {
    while (!stop.load()) {
      const auto until = rt::Clock::now() + std::chrono::microseconds(50);
      this_fiber::sleep_until(until);
      if (rt::Clock::now() < until) short_sleeps.fetch_add(1);
      ++sleeps;
    }
  }));
  handles.push_back(runtime.spawn({.name = "sockets"}, [&] {
    auto listener = rt::net::Listener::bind("127.0.0.1", 0);
    auto writer = this_fiber::spawn({.name = "writer"}, [&] {
      rt::net::Stream out = rt::net::Stream::connect("127.0.0.1", listener.port());
      for (std::uint32_t n = 0; !stop.load(); ++n) {
        out.write_all(std::as_bytes(std::span(&n, 1)));
        this_fiber::sleep_for(std::chrono::microseconds(20));
      }
    });
    rt::net::Stream in = listener.accept();
    std::uint32_t expected = 0, got = 0;
    std::size_t have = 0;
    for (;;) {
      const std::size_t n = in.read_some(std::as_writable_bytes(std::span(&got, 1)).subspan(have));
      if (n == 0) break;  // the writer closed
      if ((have += n) < sizeof got) continue;
      bytes_in_order &= got == expected++;
      have = 0;
      ++messages;
    }
    writer.join();
  }));
  handles.push_back(runtime.spawn({.name = "echo"}, [&] {
    while (auto received = to_fiber.receive()) to_thread.send(*received.value);
    to_thread.close();
  }));
  handles.push_back(runtime.spawn({.name = "spinner"}, [&] {
    while (!stop.load(std::memory_order_relaxed)) {
    }
  }));
  std::thread channel_thread([&] {
    for (int n = 0; !stop.load(); ++n) {
      to_fiber.send(n);
      auto back = to_thread.receive();
      values_in_order &= back && *back.value == n;
      ++values;
    }
    to_fiber.close();
    while (to_thread.receive()) {
    }
  });
  // Thousands of rounds, and at least until each kind of wait has happened and the spinner
  // was interrupted once.
  const auto all_seen = [&] {
    return sleeps.load() > 0 && messages.load() > 0 && values.load() > 0 &&
           total(runtime.stats(), &WorkerStats::interrupted) > 0;
  };
  for (int round = 0; round < kInterruptionRounds || !all_seen(); ++round) {
    {
      std::lock_guard guard(runtime.impl().machines_lock);
      for (auto& machine : runtime.impl().machines) {
        if (machine->target.captured) pthread_kill(machine->target.thread, SIGURG);
      }
    }
    pthread_kill(channel_thread.native_handle(), SIGURG);
    std::this_thread::yield();  // (pacing: the threads run between two rounds)
  }
  stop = true;
  channel_thread.join();
  for (auto& handle : handles) handle.join();
  EXPECT_EQ(short_sleeps.load(), 0);
  EXPECT_TRUE(bytes_in_order);
  EXPECT_TRUE(values_in_order);
#endif
}

}  // namespace
