// loop.hpp: run() returns when no fiber is alive, post() from other threads, cancel_all().
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "rt/net/errors.hpp"
#include "rt/net/listener.hpp"
#include "rt/net/loop.hpp"
#include "rt/net/stream.hpp"
#include "rt/net/timer.hpp"
#include "rt/os/latch.hpp"

using namespace std::chrono_literals;
using rt::net::Loop;

TEST(Loop, RunWithoutFibersReturnsAtOnce) {
  Loop loop;
  loop.run();
  EXPECT_EQ(loop.stats().waits, 0u);
}

TEST(Loop, RunReturnsWhenEveryFiberFinished) {
  Loop loop;
  int finished = 0;
  for (int i = 0; i < 3; ++i) {
    loop.spawn({.name = "f"}, [&] {
      rt::net::sleep_for(1ms);
      ++finished;
    });
  }
  loop.run();
  EXPECT_EQ(finished, 3);
}

TEST(Loop, CurrentIsTheLoopOfTheRunningFiber) {
  Loop loop;
  Loop* seen = nullptr;
  loop.spawn({.name = "f"}, [&] { seen = &Loop::current(); });
  loop.run();
  EXPECT_EQ(seen, &loop);
}

TEST(Loop, APostFromAnotherThreadRunsOnTheLoopThreadAndWakesABlockedWait) {
  Loop loop;
  rt::os::Latch parked(1);
  std::thread::id ran_on;
  bool sleeper_cancelled = false;
  loop.spawn({.name = "sleeper"}, [&] {
    parked.count_down();  // the poster may go: the loop is about to block for an hour
    try {
      rt::net::sleep_for(1h);
    } catch (const rt::net::Cancelled&) {
      sleeper_cancelled = true;
    }
  });
  std::thread poster([&] {
    parked.wait();
    // Only this task can end the hour: if the post did not wake the wait, ctest's timeout
    // fails the test.
    loop.post([&] {
      ran_on = std::this_thread::get_id();
      loop.cancel_all();
    });
  });
  loop.run();
  poster.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id()) << "the task ran on the loop's thread";
  EXPECT_TRUE(sleeper_cancelled);
  EXPECT_EQ(loop.stats().tasks_run, 1u);
}

TEST(Loop, PostsFromFourThreadsEachRunOnceInTheOrderEachThreadPostedThem) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  Loop loop;
  std::vector<std::vector<int>> seen(kThreads);  // loop thread only
  int total = 0;                                 // loop thread only
  loop.spawn({.name = "keeper"}, [] {
    try {
      rt::net::sleep_for(1h);  // keeps run() going until the last task cancels it
    } catch (const rt::net::Cancelled&) {
    }
  });
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Each task writes what its poster wrote before post(): post() publishes it.
        loop.post([&, t, i] {
          seen[static_cast<std::size_t>(t)].push_back(i);
          if (++total == kThreads * kPerThread) loop.cancel_all();
        });
      }
    });
  }
  loop.run();
  for (auto& poster : posters) poster.join();
  EXPECT_EQ(total, kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    const auto& list = seen[static_cast<std::size_t>(t)];
    ASSERT_EQ(list.size(), static_cast<std::size_t>(kPerThread)) << "thread " << t;
    for (int i = 0; i < kPerThread; ++i) {
      ASSERT_EQ(list[static_cast<std::size_t>(i)], i) << "thread " << t << " out of order";
    }
  }
  EXPECT_LT(loop.stats().waits, static_cast<std::size_t>(kThreads * kPerThread))
      << "posts batch: one wake serves every task queued before the loop took them";
}

TEST(Loop, CancelAllUnwindsEveryParkedFiberAndRunReturns) {
  Loop loop;
  int unwound = 0;  // destructors that ran on the parked fibers' stacks
  int cancelled = 0;
  struct Unwinds {
    int& count;
    ~Unwinds() { ++count; }
  };
  auto expect_cancelled = [&](auto&& body) {
    return [&, body] {
      Unwinds guard{unwound};
      try {
        body();
      } catch (const rt::net::Cancelled&) {
        ++cancelled;
      }
    };
  };
  rt::net::Listener listener;
  rt::net::Stream client, server;
  loop.spawn({.name = "setup"}, [&] {
    listener = rt::net::Listener::bind("127.0.0.1", 0);
    client = rt::net::Stream::connect("127.0.0.1", listener.port());
    server = listener.accept();
    Loop::current().spawn({.name = "sleeper"}, expect_cancelled([] { rt::net::sleep_for(1h); }));
    Loop::current().spawn({.name = "reader"}, expect_cancelled([&] {
                            std::byte buffer[16];
                            client.read_some(buffer);
                          }));
    Loop::current().spawn({.name = "acceptor"}, expect_cancelled([&] { listener.accept(); }));
    Loop::current().spawn({.name = "deadline"}, expect_cancelled([&] {
                            std::byte buffer[16];
                            server.read_some(buffer, rt::net::Deadline::after(1h));
                          }));
    Loop::current().spawn({.name = "stopper"}, [&] {
      // Spawned last, so it runs last: the four fibers before it ran and parked.
      Loop::current().cancel_all();
      // From now on every blocking call throws at once.
      EXPECT_THROW(rt::net::sleep_for(1ms), rt::net::Cancelled);
      std::byte byte[1] = {};
      EXPECT_THROW(server.write_some(byte), rt::net::Cancelled);
    });
  });
  loop.run();
  EXPECT_EQ(cancelled, 4);
  EXPECT_EQ(unwound, 4);
}

TEST(Loop, TasksPostedBeforeRunAreRunByItEvenWithoutFibers) {
  Loop loop;
  std::string order;
  loop.post([&] { order += "a"; });
  loop.post([&] {
    order += "b";
    loop.spawn({.name = "spawned by a task"}, [&] { order += "c"; });
  });
  loop.run();
  EXPECT_EQ(order, "abc");
  EXPECT_EQ(loop.stats().tasks_run, 2u);
}
