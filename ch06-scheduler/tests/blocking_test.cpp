// rt::sched::blocking (blocking.hpp): a call that blocks its thread runs on the pool, the fiber
// gets its result or its exception, and the fiber's worker runs the others meanwhile. The
// waits below are OS waits inside the blocking functions (a latch), released by other fibers:
// a blocking() that ran its function on the worker would leave nobody to release them, and
// the test would hang until ctest's timeout fails it.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "rt/os/latch.hpp"
#include "rt/sched/blocking.hpp"
#include "rt/sched/runtime.hpp"
#include "worker_counts.hpp"

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::sched::blocking;
using rt::sched::Runtime;

class Blocking : public rt::sched::testing::OverWorkerCounts {};

INSTANTIATE_TEST_SUITE_P(Counts, Blocking, rt::sched::testing::kWorkerCounts,
                         rt::sched::testing::WorkerCountName{});

TEST_P(Blocking, ReturnsWhatTheFunctionReturnedAndRethrowsWhatItThrew) {
  Runtime runtime(options());
  runtime
      .spawn({.name = "caller"},
             [] {
               EXPECT_EQ(blocking([] { return 6 * 7; }), 42);
               EXPECT_EQ(blocking([] { return std::string(1000, 'x'); }), std::string(1000, 'x'));
               auto owned = blocking([] { return std::make_unique<int>(7); });  // move-only
               ASSERT_NE(owned, nullptr);
               EXPECT_EQ(*owned, 7);
               int touched = 0;
               blocking([&] { touched = 1; });  // void; the thread's write is seen here
               EXPECT_EQ(touched, 1);
               try {
                 blocking([]() -> int { throw std::runtime_error("the disk is on fire"); });
                 ADD_FAILURE() << "blocking() returned instead of rethrowing";
               } catch (const std::runtime_error& e) {
                 EXPECT_STREQ(e.what(), "the disk is on fire");
               }
             })
      .join();
}

// Go's test for handoff, for blocking(): the calling fiber's worker is not held. On one
// worker, a fiber waits in blocking() until 100 other fibers have finished.
TEST_P(Blocking, AFiberWaitingInABlockingCallDoesNotStopAHundredOthers) {
  constexpr int kOthers = 100;
  Runtime runtime(options());
  rt::os::Latch others_done(kOthers);
  std::atomic<int> finished{0};
  auto blocked = runtime.spawn({.name = "blocked"}, [&] {
    blocking([&] { others_done.wait(); });  // an OS wait, on a pool thread
    EXPECT_EQ(finished.load(), kOthers);
  });
  std::vector<rt::sched::JoinHandle> others;
  for (int i = 0; i < kOthers; ++i) {
    others.push_back(runtime.spawn({.name = "other"}, [&] {
      this_fiber::yield();
      finished.fetch_add(1);
      others_done.count_down();
    }));
  }
  for (auto& other : others) other.join();
  blocked.join();
}

// One fiber's calls, one after another, need one thread: the thread frees itself before its
// reply, so the next call finds it. Calls in flight at once get a thread each (up to the cap):
// four calls that each wait for all four to have started finish only if four threads run
// them together, and the idle thread from before is one of the four.
TEST_P(Blocking, AnIdleThreadIsReusedAndThePoolGrowsToTheCallsInFlight) {
  constexpr int kCalls = 4;
  Runtime runtime(options());
  runtime
      .spawn({.name = "sequential"},
             [] {
               for (int i = 0; i < 100; ++i) EXPECT_EQ(blocking([i] { return i; }), i);
             })
      .join();
  EXPECT_EQ(runtime.stats().blocking_threads, 1);
  rt::os::Latch all_started(kCalls);
  std::vector<rt::sched::JoinHandle> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.push_back(runtime.spawn({.name = "caller"}, [&] {
      blocking([&] {
        all_started.count_down();
        all_started.wait();
      });
    }));
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(runtime.stats().blocking_threads, kCalls);
}

// At the cap, calls queue: with 2 threads, the first two calls hold both until every caller
// has made its call; no third thread starts, no other call runs before the two let go, and
// then all 20 complete.
TEST_P(Blocking, BeyondTheCapCallsWaitForAThreadAndAllComplete) {
  constexpr int kCalls = 20;
  rt::sched::Options o = options();
  o.blocking_threads = 2;
  Runtime runtime(o);
  rt::os::Latch two_running(2);
  rt::os::Latch gate(1);
  std::atomic<int> entered{0};
  std::atomic<int> calling{0};
  std::atomic<bool> gate_open{false};
  std::atomic<int> ran_early{0};
  std::atomic<int> sum{0};
  std::vector<rt::sched::JoinHandle> callers;
  for (int i = 1; i <= kCalls; ++i) {
    callers.push_back(runtime.spawn({.name = "caller"}, [&, i] {
      calling.fetch_add(1);
      sum.fetch_add(blocking([&, i] {
        if (entered.fetch_add(1) < 2) {
          two_running.count_down();
          gate.wait();
        } else if (!gate_open.load()) {
          ran_early.fetch_add(1);
        }
        return i;
      }));
    }));
  }
  two_running.wait();
  while (calling.load() < kCalls) std::this_thread::yield();  // every caller is in blocking()
  gate_open.store(true);
  gate.count_down();
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(sum.load(), kCalls * (kCalls + 1) / 2);
  EXPECT_EQ(ran_early.load(), 0) << "a call ran on a third thread";
  EXPECT_EQ(runtime.stats().blocking_threads, 2);
}

TEST(BlockingMisuse, OffAnMnFiberItStopsTheProcessSayingSo) {
  EXPECT_DEATH(blocking([] { return 1; }), "blocking: called off an M:N fiber");
}

TEST(BlockingMisuse, ACapBelowOneIsRefused) {
  EXPECT_THROW(Runtime({.blocking_threads = 0}), std::invalid_argument);
}

}  // namespace
