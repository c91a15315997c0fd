// Claims about JoinHandle: join waits for the fiber and hands over what escaped its body;
// an exception nobody can receive stops the process instead of vanishing.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "rt/fiber/scheduler.hpp"

using rt::fiber::JoinHandle;
using rt::fiber::Scheduler;
namespace this_fiber = rt::fiber::this_fiber;

TEST(Join, FromTheThreadRunsTheFiberToItsEnd) {
  Scheduler scheduler;
  std::string trace;
  auto handle = scheduler.spawn({.name = "worker"}, [&] {
    trace += "a";
    this_fiber::yield();
    trace += "b";
  });
  EXPECT_TRUE(handle.joinable());
  handle.join();
  EXPECT_EQ(trace, "ab");
  EXPECT_FALSE(handle.joinable());
  EXPECT_EQ(scheduler.alive(), 0u);
}

TEST(Join, AnExceptionEscapingAFiberIsRethrownAtJoin) {
  Scheduler scheduler;
  auto handle = scheduler.spawn({.name = "thrower"}, [] {
    this_fiber::yield();
    throw std::runtime_error("escaped the fiber");
  });
  EXPECT_THROW(
      {
        try {
          handle.join();
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "escaped the fiber");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_EQ(scheduler.alive(), 0u) << "the fiber that threw is gone, its stack pooled";
}

TEST(Join, AFiberJoiningAnotherParksUntilItFinishesAndReceivesItsException) {
  Scheduler scheduler;
  std::string trace;
  auto child = std::make_shared<JoinHandle>();
  *child = scheduler.spawn({.name = "child"}, [&] {
    for (int i = 0; i < 3; ++i) {
      trace += "c";
      this_fiber::yield();
    }
    throw std::logic_error("child failed");
  });
  scheduler.spawn({.name = "parent"}, [&, child] {
    trace += "p";
    try {
      child->join();  // parks: the child yields three times meanwhile
    } catch (const std::logic_error& e) {
      trace += std::string("|caught: ") + e.what();
    }
  });
  scheduler.run();
  EXPECT_EQ(trace, "cpcc|caught: child failed");
}

TEST(Join, AFinishedFibersHandleStillJoins) {
  Scheduler scheduler;
  int value = 0;
  auto handle = scheduler.spawn({.name = "quick"}, [&] { value = 42; });
  scheduler.run();
  EXPECT_EQ(value, 42);
  handle.join();  // already finished: returns at once
  EXPECT_FALSE(handle.joinable());
}

TEST(JoinDeathTest, AnExceptionInADetachedFiberStopsTheProcessNamingIt) {
  EXPECT_DEATH(
      {
        Scheduler scheduler;
        scheduler.spawn({.name = "careless"}, [] { throw std::runtime_error("oops"); });
        scheduler.run();
      },
      "fiber \"careless\" ended with an uncaught exception: oops \\(and nobody joined it");
}

TEST(JoinDeathTest, DroppingTheHandleOfAFiberThatThrewStopsTheProcess) {
  EXPECT_DEATH(
      {
        Scheduler scheduler;
        auto handle =
            scheduler.spawn({.name = "ignored"}, [] { throw std::runtime_error("lost?"); });
        scheduler.run();        // the exception waits in the handle...
        handle = JoinHandle();  // ...which is dropped without join
      },
      "fiber \"ignored\" ended with an uncaught exception: lost\\? \\(and nobody joined it");
}

TEST(JoinDeathTest, AFiberCannotJoinItself) {
  EXPECT_DEATH(
      {
        Scheduler scheduler;
        auto self = std::make_shared<JoinHandle>();
        *self = scheduler.spawn({.name = "narcissus"}, [self] { self->join(); });
        scheduler.run();
      },
      "join: fiber \"narcissus\" cannot join itself");
}

TEST(JoinDeathTest, JoiningAFiberThatCanNeverFinishIsRefused) {
  EXPECT_DEATH(
      {
        Scheduler scheduler;
        auto handle = scheduler.spawn({.name = "sleeper"}, [] { this_fiber::park(); });
        handle.join();
      },
      "join: fiber \"sleeper\" can never finish");
}

TEST(JoinDeathTest, JoiningTwiceIsRefused) {
  EXPECT_DEATH(
      {
        Scheduler scheduler;
        auto handle = scheduler.spawn({.name = "once"}, [] {});
        handle.join();
        handle.join();
      },
      "join: the handle is empty");
}
