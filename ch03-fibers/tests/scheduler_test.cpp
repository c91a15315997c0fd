// Claims about the runtime: order, state, and that ordinary C++ works on a fiber stack.
#include "rt/fiber/scheduler.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "child_context.hpp"
#include "rt/platform.hpp"

using rt::fiber::Fiber;
using rt::fiber::Scheduler;
namespace this_fiber = rt::fiber::this_fiber;

using ch03::testing::address_of_aligned_local;

TEST(Scheduler, FibersTakeTurnsRoundRobin) {
  Scheduler scheduler;
  std::string trace;
  for (const char* name : {"A", "B", "C"}) {
    scheduler.spawn({.name = name}, [&trace] {
      for (int i = 0; i < 3; ++i) {
        trace += this_fiber::name();
        this_fiber::yield();
      }
    });
  }
  scheduler.run();
  EXPECT_EQ(trace, "ABCABCABC");
  EXPECT_EQ(scheduler.alive(), 0u);
}

TEST(Scheduler, ThreeFibersResumeInTheOrderTheyAreUnparked) {
  // A, B, C park in that order; the main thread unparks them C, B, A: they finish "CBA".
  Scheduler scheduler;
  std::string trace;
  Fiber* fibers[3];
  int index = 0;
  for (const char* name : {"A", "B", "C"}) {
    fibers[index++] = &scheduler
                           .spawn({.name = name},
                                  [&trace] {
                                    this_fiber::park();
                                    trace += this_fiber::name();
                                  })
                           .fiber();
  }
  scheduler.run();
  EXPECT_EQ(trace, "");
  for (Fiber* fiber : fibers) EXPECT_EQ(fiber->state(), Fiber::State::parked);
  EXPECT_EQ(scheduler.alive(), 3u);
  for (int i = 2; i >= 0; --i) scheduler.unpark(*fibers[i]);
  scheduler.run();
  EXPECT_EQ(trace, "CBA");
  EXPECT_EQ(scheduler.alive(), 0u);
}

TEST(Scheduler, AFiberCanSpawnAndUnparkOthers) {
  Scheduler scheduler;
  std::string trace;
  scheduler.spawn({.name = "parent"}, [&] {
    Fiber* waiter = &scheduler
                         .spawn({.name = "child"},
                                [&] {
                                  trace += "child parks;";
                                  this_fiber::park();
                                  trace += "child resumed;";
                                })
                         .fiber();
    this_fiber::yield();  // let the child run and park
    EXPECT_EQ(waiter->state(), Fiber::State::parked);
    trace += "parent unparks;";
    scheduler.unpark(*waiter);
  });
  scheduler.run();
  EXPECT_EQ(trace, "child parks;parent unparks;child resumed;");
}

TEST(Scheduler, StatesFollowTheFibersLife) {
  Scheduler scheduler;
  Fiber* seen_running = nullptr;
  Fiber::State state_inside{};
  auto handle = scheduler.spawn({.name = "one"}, [&] {
    seen_running = &this_fiber::current();
    state_inside = this_fiber::current().state();
    EXPECT_TRUE(this_fiber::on_fiber());
  });
  Fiber* fiber = &handle.fiber();
  EXPECT_EQ(fiber->state(), Fiber::State::ready);
  EXPECT_FALSE(this_fiber::on_fiber());
  handle.join();
  EXPECT_EQ(seen_running, fiber);  // compared as addresses only: the fiber is freed by now
  EXPECT_EQ(state_inside, Fiber::State::running);
  EXPECT_EQ(scheduler.running(), nullptr);
  EXPECT_FALSE(handle.joinable());
}

TEST(Scheduler, FloatingPointSurvivesASwitch) {
  Scheduler scheduler;
  double results[2] = {};
  for (int id = 0; id < 2; ++id) {
    scheduler.spawn({.name = "fp"}, [&results, id] {
      double sum = 0, term = 1.0 / (id + 1);
      for (int i = 0; i < 100; ++i) {
        sum += term * i;
        this_fiber::yield();  // the other fiber does different arithmetic meanwhile
      }
      results[id] = sum;
    });
  }
  scheduler.run();
  EXPECT_DOUBLE_EQ(results[0], 4950.0);
  EXPECT_DOUBLE_EQ(results[1], 2475.0);
}

TEST(Scheduler, AnExceptionThrownOnAFiberIsCaughtOnIt) {
  Scheduler scheduler;
  std::string caught;
  scheduler.spawn({.name = "thrower"}, [&] {
    try {
      this_fiber::yield();
      throw std::runtime_error("thrown on a fiber stack");
    } catch (const std::exception& e) {
      this_fiber::yield();  // the unwinder's state survives a switch too
      caught = e.what();
    }
  });
  scheduler.spawn({.name = "other"}, [] { this_fiber::yield(); });
  scheduler.run();
  EXPECT_EQ(caught, "thrown on a fiber stack");
}

TEST(Scheduler, PrintfOfADoubleWorksOnAFiberStack) {
  // %f goes through the C library's floating-point code, which uses aligned SSE/NEON
  // stores on the stack: a misaligned fiber stack crashes here.
  Scheduler scheduler;
  char text[64] = {};
  std::uintptr_t local = 0;
  scheduler.spawn({.name = "printer", .stack_size = 32 * 1024}, [&] {
    std::snprintf(text, sizeof text, "%f %.3e", 3.25, 12345.678);
    address_of_aligned_local(&local);
  });
  scheduler.run();
  EXPECT_STREQ(text, "3.250000 1.235e+04");
  EXPECT_EQ(local % 16, 0u);
}

TEST(Scheduler, ManySmallFibersAllFinish) {
  Scheduler scheduler;
  int finished = 0;
  for (int i = 0; i < 1000; ++i) {
    scheduler.spawn({.name = "small", .stack_size = 16 * 1024}, [&finished] {
      this_fiber::yield();
      ++finished;
    });
  }
  EXPECT_EQ(scheduler.alive(), 1000u);
  scheduler.run();
  EXPECT_EQ(finished, 1000);
  EXPECT_EQ(scheduler.alive(), 0u);
  // run() into the first and back once it finished (2), a handoff from each yield to the next
  // ready fiber (1,000), and run() into each of the other 999 to finish (2 each).
  EXPECT_EQ(scheduler.switches(), 3000u);
}

TEST(Scheduler, TenThousandFibersAreAliveAtOnceThenAllFinish) {
#if defined(RT_SANITIZE_THREAD)
  GTEST_SKIP() << "ThreadSanitizer counts every fiber as a thread and stops the process at "
                  "8128 alive at once ('Thread limit exceeded')";
#endif
  constexpr int kFibers = 10'000;
  Scheduler scheduler;
  std::vector<Fiber*> fibers;
  int finished = 0;
  for (int i = 0; i < kFibers; ++i) {
    fibers.push_back(&scheduler
                          .spawn({.name = "live", .stack_size = 16 * 1024},
                                 [&finished] {
                                   this_fiber::park();
                                   ++finished;
                                 })
                          .fiber());
  }
  scheduler.run();  // every fiber runs once and parks: all 10,000 stacks in use at once
  EXPECT_EQ(scheduler.alive(), std::size_t{kFibers});
  EXPECT_EQ(finished, 0);
  for (Fiber* fiber : fibers) ASSERT_EQ(fiber->state(), Fiber::State::parked);
  for (Fiber* fiber : fibers) scheduler.unpark(*fiber);
  scheduler.run();
  EXPECT_EQ(finished, kFibers);
  EXPECT_EQ(scheduler.alive(), 0u);
}

namespace {
// Recurses until its frame lies below `stop`; returns the depth reached. The frame address
// (not a local's: ASan may move locals to a heap "fake stack") is what uses the stack.
[[gnu::noinline]] int recurse_down_to(const char* stop) {
  volatile char frame[256];
  frame[0] = 1;
  const char* here = static_cast<const char*>(__builtin_frame_address(0));
  if (here < stop) return frame[0];
  return recurse_down_to(stop) + frame[0];
}
}  // namespace

TEST(Scheduler, ADeepRecursionThatFitsRunsToTheEnd) {
  // 200 KiB deep into a 256 KiB stack: most of it, and no guard page in the way.
  Scheduler scheduler;
  int depth = 0;
  std::uintptr_t top = 0;
  std::size_t stack_size = 0;
  auto handle = scheduler.spawn({.name = "deep", .stack_size = 256 * 1024}, [&] {
    stack_size = this_fiber::current().stack_size();
    top = reinterpret_cast<std::uintptr_t>(this_fiber::current().stack().top());
    depth = recurse_down_to(reinterpret_cast<const char*>(top - 200 * 1024));
  });
  handle.join();
  EXPECT_EQ(stack_size, 256u * 1024);
  EXPECT_GT(depth, 200 * 1024 / 1024) << "frames of a few hundred bytes: hundreds deep";
}

TEST(Scheduler, FinishedFibersStacksAreReusedFromThePool) {
  Scheduler scheduler;
  for (int i = 0; i < 10; ++i) scheduler.spawn({.name = "short"}, [] {}).join();
  EXPECT_EQ(scheduler.stack_pool().reused(), 9u) << "the first spawn maps, the rest reuse";
  EXPECT_EQ(scheduler.stack_pool().kept(), 1u);
}

TEST(Scheduler, ARefusedStackLeavesTheSchedulerAsItWas) {
#if defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "VirtualAlloc rejects an impossible size as an invalid parameter (error 87), "
                  "not for lack of memory, and Windows has no mapping-count limit to run into: "
                  "the refusal is provoked on Linux and macOS only";
#endif
  Scheduler scheduler;
  EXPECT_THROW(scheduler.spawn({.name = "huge", .stack_size = std::size_t{1} << 50}, [] {}),
               rt::fiber::StackRefused);
  EXPECT_EQ(scheduler.alive(), 0u);
  bool ran = false;
  scheduler.spawn({.name = "after"}, [&ran] { ran = true; }).join();
  EXPECT_TRUE(ran);
}

TEST(Scheduler, FibersRunWithoutGuardPagesWhenAskedTo) {
  Scheduler scheduler;
  std::size_t reserved = 0, usable = 0;
  scheduler
      .spawn({.name = "unguarded", .stack_size = 64 * 1024, .guard = rt::fiber::StackGuard::none},
             [&] {
               reserved = this_fiber::current().stack().reserved_size();
               usable = this_fiber::current().stack_size();
             })
      .join();
  EXPECT_EQ(reserved, usable) << "no guard page: the mapping is the stack";
}

TEST(SchedulerDeathTest, YieldOutsideAFiberIsRefused) {
  EXPECT_DEATH(this_fiber::yield(), "called outside a fiber");
}

TEST(SchedulerDeathTest, UnparkingAReadyFiberIsRefused) {
  EXPECT_DEATH(
      {
        Scheduler scheduler;
        Fiber& fiber = scheduler.spawn({.name = "eager"}, [] {}).fiber();
        scheduler.unpark(fiber);
      },
      "fiber \"eager\" is ready; parked -> ready is not a valid transition");
}

TEST(SchedulerDeathTest, RunFromAFiberIsRefused) {
  EXPECT_DEATH(
      {
        Scheduler scheduler;
        scheduler.spawn({.name = "nested"}, [&] { scheduler.run(); });
        scheduler.run();
      },
      "Scheduler::run called from a fiber");
}

TEST(Scheduler, EachThreadRunsItsOwnScheduler) {
  // Schedulers share nothing: two threads run their fibers at the same time, each in its
  // own fixed order. (Under TSan this also checks that no state is shared by accident.)
  std::string traces[2];
  std::thread threads[2];
  for (int t = 0; t < 2; ++t) {
    threads[t] = std::thread([&trace = traces[t]] {
      Scheduler scheduler;
      for (const char* name : {"x", "y"}) {
        scheduler.spawn({.name = name}, [&trace] {
          for (int i = 0; i < 100; ++i) {
            trace += this_fiber::name();
            this_fiber::yield();
          }
        });
      }
      scheduler.run();
    });
  }
  for (auto& thread : threads) thread.join();
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += "xy";
  EXPECT_EQ(traces[0], expected);
  EXPECT_EQ(traces[1], expected);
}

TEST(SchedulerDeathTest, ASecondSchedulerOnOneThreadIsRefused) {
  EXPECT_DEATH(
      {
        Scheduler first;
        Scheduler second;
      },
      "this thread already has a Scheduler");
}
