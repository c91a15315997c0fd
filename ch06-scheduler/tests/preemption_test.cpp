// Preemption by the monitor (Options::preempt_after, src/monitor.cpp): a fiber that runs
// without parking is asked to yield and does at its next check point. On one worker the
// starvation tests can only end if that works (a starved fiber hangs them until ctest's
// timeout fails them); on more, the spinners may not hold every worker, and they check that
// preemption does no harm.
#include "rt/sched/runtime.hpp"
#include "runtime_impl.hpp"
#include "worker_counts.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/sched/endpoint.hpp"

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::sched::Runtime;

class Preemption : public rt::sched::testing::OverWorkerCounts {};

INSTANTIATE_TEST_SUITE_P(Counts, Preemption, rt::sched::testing::kWorkerCounts,
                         rt::sched::testing::WorkerCountName{});

std::uint64_t total_preempted(const rt::sched::Stats& stats) {
  std::uint64_t total = 0;
  for (const auto& worker : stats.workers) total += worker.preempted;
  return total;
}

// One spinner per worker, spawned before 100 others: each makes itself a check point with
// `make_check_point()` and calls it in a loop that never parks until the others have all run.
// Without preemption the spinners hold every worker for good. Returns the preemptions counted.
// With `monitor_asleep_first`, nothing is spawned before the monitor has gone to sleep, every
// worker being idle: the first worker to get a fiber must wake it.
template <typename MakeCheckPoint>
std::uint64_t spinners_beside_100_others(int workers, MakeCheckPoint make_check_point,
                                         bool monitor_asleep_first = false) {
  constexpr int kOthers = 100;
  rt::sched::Options o;
  o.workers = workers;
  Runtime runtime(o);
  if (monitor_asleep_first) {
    while (runtime.impl().monitor_sleeps.load() == 0) std::this_thread::yield();
  }
  std::atomic<int> others_done{0};
  std::vector<rt::sched::JoinHandle> handles;
  for (int i = 0; i < workers; ++i) {
    handles.push_back(runtime.spawn({.name = "spinner"}, [&] {
      auto check_point = make_check_point();
      while (others_done.load(std::memory_order_relaxed) != kOthers) check_point();
    }));
  }
  for (int i = 0; i < kOthers; ++i) {
    handles.push_back(runtime.spawn({.name = "other"}, [&] { others_done.fetch_add(1); }));
  }
  for (auto& handle : handles) handle.join();
  return total_preempted(runtime.stats());
}

// A check point made of channel operations that never park: a send into the spinner's own
// channel's free slot, and the receive of what it sent.
auto loopback_check_point() {
  using Loopback = rt::chan::Channel<int, rt::sched::MnFiber, rt::sched::MnFiber>;
  return [loopback = std::make_shared<Loopback>(1)] {
    ASSERT_EQ(loopback->send(1), rt::chan::Status::ok);
    ASSERT_TRUE(loopback->receive());
  };
}

// Channel operations are check points.
TEST_P(Preemption, FibersWhoseChannelOperationsNeverParkDoNotStarve100Others) {
  const std::uint64_t preempted =
      spinners_beside_100_others(GetParam(), [] { return loopback_check_point(); });
  // On one worker, the only way the others ran: the spinner yielded because asked.
  if (GetParam() == 1) {
    EXPECT_GE(preempted, 1u);
  }
}

// The explicit check point, for loops that make no other: the same starvation, avoided.
TEST_P(Preemption, APreemptionPointInALoopLetsOthersRun) {
  const std::uint64_t preempted =
      spinners_beside_100_others(GetParam(), [] { return [] { this_fiber::preemption_point(); }; });
  if (GetParam() == 1) {
    EXPECT_GE(preempted, 1u);
  }
}

// The monitor asks only once a run has lasted the slice: with a slice of 1 s, a fiber that
// passes a check point for 20 ms (by the clock) is never asked, on one worker or eight. (The
// margin is wide: only a thread descheduled for most of a second between its clock check and
// its check point could fail it.)
TEST_P(Preemption, NoFiberIsAskedBeforeItsSliceIsSpent) {
  rt::sched::Options o = options();
  o.preempt_after = std::chrono::seconds(1);
  Runtime runtime(o);
  runtime
      .spawn({.name = "short"},
             [] {
               const auto until = rt::Clock::now() + std::chrono::milliseconds(20);
               while (rt::Clock::now() < until) this_fiber::preemption_point();
             })
      .join();
  EXPECT_EQ(total_preempted(runtime.stats()), 0u);
}

// The monitor sleeps while every worker is idle (Go's sysmonwait; model/monitor_sleep.pml), and
// the first worker that leaves its sleep wakes it: spinners spawned after it fell asleep are
// still preempted. A worker that did not wake it would leave the others starved (on one worker
// the test then hangs until ctest's timeout fails it).
TEST_P(Preemption, SpinnersSpawnedWhileTheMonitorSleepsAreStillPreempted) {
  const std::uint64_t preempted = spinners_beside_100_others(
      GetParam(), [] { return loopback_check_point(); }, /*monitor_asleep_first=*/true);
  if (GetParam() == 1) {
    EXPECT_GE(preempted, 1u);
  }
}

// The stop reaches the monitor wherever it is: in a round, asleep while every worker is idle,
// or on its way into either. Runtimes made and destroyed in a row, with no fiber, stop at many
// points of the monitor's first rounds and first sleep; a stop that did not wake a sleeping
// monitor hangs here (until ctest's timeout). The order of the stop's two stores matters too
// (the word, then the wake), but its window is a preemption of the stopping thread between
// them: model/monitor_sleep.pml checks that one.
TEST(Monitor, ARuntimeStoppedAnywhereAroundItsMonitorsSleepEnds) {
#if defined(RT_CH06_SLOW_TARGET)
  constexpr int kRuntimes = 300;
#else
  constexpr int kRuntimes = 3000;
#endif
  std::uint64_t slept = 0;
  for (int i = 0; i < kRuntimes; ++i) {
    rt::sched::Options o;
    o.workers = 1 + i % 2;
    Runtime runtime(o);
    for (int spin = 0; spin < i % 64; ++spin) std::this_thread::yield();  // a varied moment
    slept += runtime.impl().monitor_sleeps.load();
  }
  EXPECT_GT(slept, 0u) << "the monitor never slept: the test did not test the stop of a sleep";
}

// Off: a fiber's run ends only where it parks, yields or finishes, however long it takes. The
// long fiber passes a check point a million times or more (for at least 50 ms, five times Go's
// slice), and the fiber queued behind it on the one worker runs only after it finished. With
// the handoff on, the monitor runs and still asks nothing; with the handoff off too, there is
// no monitor.
TEST(PreemptionOff, AFiberIsNeverAskedToYieldAndWithoutHandoffNoMonitorRuns) {
  for (const auto handoff_after : {std::chrono::microseconds(20), std::chrono::microseconds(0)}) {
    SCOPED_TRACE(handoff_after.count());
    rt::sched::Options o;
    o.workers = 1;
    o.preempt_after = std::chrono::microseconds(0);
    o.handoff_after = handoff_after;
    Runtime runtime(o);
    std::atomic<bool> long_one_finished{false};
    std::atomic<bool> finished_before_the_other_ran{false};
    runtime
        .spawn({.name = "test"},
               [&] {
                 auto other = this_fiber::spawn({.name = "other"}, [&] {
                   finished_before_the_other_ran = long_one_finished.load();
                 });
                 const auto until = rt::Clock::now() + std::chrono::milliseconds(50);
                 while (rt::Clock::now() < until) this_fiber::preemption_point();
                 long_one_finished = true;
                 other.join();
               })
        .join();
    EXPECT_TRUE(finished_before_the_other_ran.load());
    EXPECT_EQ(total_preempted(runtime.stats()), 0u);
    EXPECT_EQ(runtime.impl().monitor_thread.joinable(), handoff_after.count() != 0);
  }
}

TEST(PreemptionOff, ANegativeSliceIsRefused) {
  rt::sched::Options o;
  o.preempt_after = std::chrono::microseconds(-1);
  EXPECT_THROW(Runtime{o}, std::invalid_argument);
}

}  // namespace
