// rt::os::ThreadPool: every task runs once, on the pool's own threads, in parallel, and the
// destructor runs what is queued before it joins.
#include "rt/os/thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "rt/os/latch.hpp"

using rt::os::Latch;
using rt::os::ThreadPool;

TEST(ThreadPool, EveryTaskRunsExactlyOnce) {
  for (std::size_t workers : {1, 2, 4, 8}) {
    std::atomic<int> runs[1000] = {};
    {
      ThreadPool pool(workers);
      EXPECT_EQ(pool.size(), workers);
      for (auto& run : runs) pool.submit([&run] { run.fetch_add(1, std::memory_order_relaxed); });
    }  // the destructor runs what is queued, then joins: the counts are final here
    for (auto& run : runs) ASSERT_EQ(run.load(), 1) << workers << " workers";
  }
}

TEST(ThreadPool, TasksRunOnTheWorkersNeverOnTheSubmitter) {
  std::mutex mutex;
  std::set<std::thread::id> seen;  // guarded by mutex
  {
    ThreadPool pool(3);
    for (int i = 0; i < 300; ++i) {
      pool.submit([&] {
        std::lock_guard lock(mutex);
        seen.insert(std::this_thread::get_id());
      });
    }
  }
  EXPECT_FALSE(seen.empty());
  EXPECT_LE(seen.size(), 3u) << "more threads ran tasks than the pool has workers";
  EXPECT_EQ(seen.count(std::this_thread::get_id()), 0u);
}

// Each of the N tasks waits until all N have started: the pool finishes only if N workers
// run them at once (with fewer, the test would hang and ctest's timeout would fail it).
TEST(ThreadPool, NWorkersRunNTasksAtOnce) {
  for (std::size_t workers : {2, 4, 8}) {
    Latch all_started(workers);
    Latch all_done(workers);
    ThreadPool pool(workers);
    for (std::size_t i = 0; i < workers; ++i) {
      pool.submit([&] {
        all_started.count_down();
        all_started.wait();
        all_done.count_down();
      });
    }
    all_done.wait();
  }
}

TEST(ThreadPool, OneWorkerStartsTasksInTheOrderTheyWereSubmitted) {
  std::string order;  // written by the one worker only
  {
    ThreadPool pool(1);
    for (char c : std::string("ABCDEFGH")) pool.submit([&order, c] { order += c; });
  }
  EXPECT_EQ(order, "ABCDEFGH");
}

// A chain of 100 tasks, each submitting the next: the destructor, which starts at once,
// still runs all of them (a worker running a task returns for the one it queued).
TEST(ThreadPool, ATaskMaySubmitAnotherAndTheDestructorRunsIt) {
  std::atomic<int> depth{0};
  std::function<void()> next;  // declared before the pool: its tasks use it until the end
  {
    ThreadPool pool(2);
    next = [&] {
      if (depth.fetch_add(1) + 1 < 100) pool.submit(next);
    };
    pool.submit(next);
  }
  EXPECT_EQ(depth.load(), 100);
}

TEST(ThreadPool, WorkersAreNamedAfterThePoolWithTheirIndex) {
  std::mutex mutex;
  std::set<std::string> names;
  {
    Latch both(2);  // declared first: it must outlive the pool, whose destructor joins
    ThreadPool pool(2, {.name = "pool"});
    for (int i = 0; i < 2; ++i) {
      pool.submit([&] {
        {
          std::lock_guard lock(mutex);
          names.insert(rt::os::this_thread::name());
        }
        both.count_down();
        both.wait();  // so that each worker takes one task
      });
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"pool-0", "pool-1"}));
}

TEST(ThreadPool, ZeroWorkersIsRefused) {
  EXPECT_THROW(ThreadPool(0), std::invalid_argument);
}
