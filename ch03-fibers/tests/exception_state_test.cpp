// Claims about exception_state.hpp: each fiber has its own exceptions in progress, the ones it
// is handling and the ones it is throwing, even when it yields or parks in the middle of them,
// and a new fiber starts with none. Every test here failed before fibers had their own copy:
// the C++ runtime keeps these facts per thread, and the fibers of a thread then shared them.
#include "rt/fiber/exception_state.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <stdexcept>
#include <string>

#include "rt/fiber/scheduler.hpp"

using rt::fiber::Scheduler;
namespace this_fiber = rt::fiber::this_fiber;

namespace {

// What an exception_ptr holds, as text: its message, or "none".
std::string message_of(const std::exception_ptr& exception) {
  if (!exception) return "none";
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "not a std::exception";
  }
}

std::string current_message() {
  return message_of(std::current_exception());
}

// Throws `name`, and in its handler yields, so that the other fibers run while it is handled.
auto throw_and_yield_in_the_handler(const char* name, std::string& seen_after_yield) {
  return [name, &seen_after_yield] {
    try {
      throw std::runtime_error(name);
    } catch (const std::exception&) {
      this_fiber::yield();
      seen_after_yield = current_message();
    }
  };
}

// Unwinding runs its destructor, which yields: the fiber is suspended with its throw in flight.
struct YieldsDuringUnwinding {
  int* in_flight_before;
  int* in_flight_after;
  ~YieldsDuringUnwinding() {
    *in_flight_before = std::uncaught_exceptions();
    this_fiber::yield();
    *in_flight_after = std::uncaught_exceptions();
  }
};

}  // namespace

TEST(ExceptionState, EachFiberSeesItsOwnCurrentExceptionAfterYieldingInItsHandler) {
  Scheduler scheduler;
  std::string seen_by_a, seen_by_b;
  auto a = scheduler.spawn({.name = "A"}, throw_and_yield_in_the_handler("A", seen_by_a));
  auto b = scheduler.spawn({.name = "B"}, throw_and_yield_in_the_handler("B", seen_by_b));
  a.join();
  b.join();
  EXPECT_EQ(seen_by_a, "A");
  EXPECT_EQ(seen_by_b, "B");
  EXPECT_EQ(current_message(), "none") << "a fiber's exception was left to the thread";
}

TEST(ExceptionState, RethrowAfterYieldingInAHandlerRethrowsTheFibersOwnException) {
  Scheduler scheduler;
  auto rethrow_after_yield = [](const char* name, std::string& rethrown) {
    return [name, &rethrown] {
      try {
        try {
          throw std::runtime_error(name);
        } catch (const std::exception&) {
          this_fiber::yield();
          throw;  // the exception this handler caught, whatever the other fiber did meanwhile
        }
      } catch (const std::exception& again) {
        rethrown = again.what();
      }
    };
  };
  std::string rethrown_by_a, rethrown_by_b;
  auto a = scheduler.spawn({.name = "A"}, rethrow_after_yield("A", rethrown_by_a));
  auto b = scheduler.spawn({.name = "B"}, rethrow_after_yield("B", rethrown_by_b));
  a.join();
  b.join();
  EXPECT_EQ(rethrown_by_a, "A");
  EXPECT_EQ(rethrown_by_b, "B");
}

// With one shared list of handled exceptions, A leaving its handler popped (and freed) B's
// exception while B was still handling it: under ASan, B's read below is a heap-use-after-free.
TEST(ExceptionState, AnExceptionLivesUntilItsOwnFibersHandlerEnds) {
  Scheduler scheduler;
  std::string what_b_caught, current_in_b;
  auto a = scheduler.spawn({.name = "A"}, [] {
    try {
      throw std::runtime_error("A");
    } catch (const std::exception&) {
      this_fiber::yield();  // B throws and catches; then A leaves its handler first
    }
  });
  auto b = scheduler.spawn({.name = "B"}, [&] {
    try {
      throw std::runtime_error("B");
    } catch (const std::exception& e) {
      this_fiber::yield();  // A leaves its handler and finishes meanwhile
      what_b_caught = e.what();
      current_in_b = current_message();
    }
  });
  a.join();
  b.join();
  EXPECT_EQ(what_b_caught, "B");
  EXPECT_EQ(current_in_b, "B");
}

TEST(ExceptionState, AFiberSuspendedDuringUnwindingDoesNotCountForAnother) {
  Scheduler scheduler;
  int c_before = -1, c_after = -1, seen_by_d = -1;
  auto c = scheduler.spawn({.name = "C"}, [&] {
    try {
      YieldsDuringUnwinding guard{&c_before, &c_after};
      throw std::runtime_error("C");
    } catch (const std::exception&) {
    }
  });
  auto d = scheduler.spawn({.name = "D"}, [&] { seen_by_d = std::uncaught_exceptions(); });
  c.join();
  d.join();
  EXPECT_EQ(c_before, 1);
  EXPECT_EQ(seen_by_d, 0) << "D threw nothing, but saw C's exception in flight";
  EXPECT_EQ(c_after, 1) << "C's exception is still in flight when C resumes";
  EXPECT_EQ(std::uncaught_exceptions(), 0);
}

TEST(ExceptionState, AFiberSpawnedInsideAHandlerStartsWithNoException) {
  Scheduler scheduler;
  std::string seen_by_child = "unset", seen_by_grandchild = "unset";
  std::string parent_after_join = "unset", thread_after_join = "unset";
  try {
    throw std::runtime_error("thread");
  } catch (const std::exception&) {
    auto child = scheduler.spawn({.name = "child"}, [&] {
      seen_by_child = current_message();
      try {
        throw std::runtime_error("child");
      } catch (const std::exception&) {
        // Spawned inside a fiber's handler, and joined there: the child parks in it.
        scheduler.spawn({.name = "grandchild"}, [&] { seen_by_grandchild = current_message(); })
            .join();
        parent_after_join = current_message();
      }
    });
    child.join();  // runs the fibers inside the thread's own handler
    thread_after_join = current_message();
  }
  EXPECT_EQ(seen_by_child, "none");
  EXPECT_EQ(seen_by_grandchild, "none");
  EXPECT_EQ(parent_after_join, "child");
  EXPECT_EQ(thread_after_join, "thread");
}

TEST(ExceptionState, AFiberParkedInItsHandlerLeavesTheThreadsStateAlone) {
  Scheduler scheduler;
  std::string seen_by_fiber;
  auto fiber = scheduler.spawn({.name = "parked"}, [&] {
    try {
      throw std::runtime_error("fiber");
    } catch (const std::exception&) {
      this_fiber::park();
      seen_by_fiber = current_message();
    }
  });
  scheduler.run();  // returns with the fiber parked inside its handler
  ASSERT_EQ(fiber.fiber().state(), rt::fiber::Fiber::State::parked);
  EXPECT_EQ(current_message(), "none");
  EXPECT_EQ(std::uncaught_exceptions(), 0);
  scheduler.unpark(fiber.fiber());
  fiber.join();
  EXPECT_EQ(seen_by_fiber, "fiber");
  EXPECT_EQ(current_message(), "none") << "the finished fiber left its exception to the thread";
}

// The building block, without a scheduler: what raw contexts would need to carry themselves.
TEST(ThreadExceptionState, ExchangeInstallsAnotherStateAndGivesTheThreadsBack) {
  rt::fiber::ThreadExceptionState thread;
  rt::fiber::ExceptionState saved;
  try {
    throw std::runtime_error("mine");
  } catch (const std::exception&) {
    thread.exchange(saved, rt::fiber::ExceptionState{});
    EXPECT_EQ(current_message(), "none");
    rt::fiber::ExceptionState empty;
    thread.exchange(empty, saved);
    EXPECT_EQ(current_message(), "mine");
    EXPECT_EQ(empty.handled, nullptr) << "the installed state came back changed";
  }
  EXPECT_EQ(current_message(), "none");
}
