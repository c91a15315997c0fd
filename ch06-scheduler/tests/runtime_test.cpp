// The M:N runtime, over worker counts 1, 2, 4 and 8 (more workers than this machine's CPUs on
// purpose: workers then sleep and wake far more often, which is where lost wakeups hide).
#include "rt/sched/runtime.hpp"
#include "worker_counts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "fiber.hpp"  // the record's place (kFiberRecordBytes)
#include "rt/os/thread.hpp"
#include "rt/testing.hpp"

#if defined(__linux__)
#include <sched.h>
#endif

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::sched::Runtime;

class Workers : public rt::sched::testing::OverWorkerCounts {};

INSTANTIATE_TEST_SUITE_P(Counts, Workers, rt::sched::testing::kWorkerCounts,
                         rt::sched::testing::WorkerCountName{});

// A fiber's record lives at the top of its own stack (fiber.hpp, kFiberRecordBytes), above
// its frames, whether its stack came from a worker's pool (spawned on a fiber, stacks reused
// as fibers finish) or was made for it (spawned from a thread); and the stack it was asked for
// is all below the record.
TEST_P(Workers, AFibersRecordLiesAtTheTopOfItsOwnStackAboveItsFrames) {
  constexpr std::size_t kAsked = 16 * 1024;
  std::atomic<int> wrong{0};
  std::atomic<int> ran{0};
  auto check = [&] {
    const rt::sched::Fiber& fiber = this_fiber::current();
    const auto* record = reinterpret_cast<const std::byte*>(&fiber);
    // (Not a local's address: ASan may keep an escaping local on a fake stack elsewhere.)
    const auto* frame = static_cast<const std::byte*>(__builtin_frame_address(0));
    const bool right = record == fiber.stack.top() - rt::sched::detail::kFiberRecordBytes &&
                       frame < record && record - kAsked >= fiber.stack.usable().data();
    if (!right) wrong.fetch_add(1);
    ran.fetch_add(1);
  };
  Runtime runtime(options());
  runtime.spawn({.name = "outside", .stack_size = kAsked}, check).join();
  runtime
      .spawn({.name = "spawner"},
             [&] {
               for (int i = 0; i < 100; ++i) {
                 this_fiber::spawn({.name = "inside", .stack_size = kAsked}, check).join();
               }
             })
      .join();
  EXPECT_EQ(ran.load(), 101);
  EXPECT_EQ(wrong.load(), 0);
}

TEST_P(Workers, EverySpawnedFiberRunsExactlyOnceAndIsJoined) {
  // TSan counts fibers as threads (keep well under ~8,000 alive) and makes each cost ~10 ms.
#if defined(RT_SANITIZE_THREAD)
  constexpr int kFibers = 1'000;
#else
  constexpr int kFibers = 5'000;
#endif
  std::vector<std::atomic<int>> ran(kFibers);
  Runtime runtime(options());
  runtime
      .spawn({.name = "root"},
             [&] {
               std::vector<rt::sched::JoinHandle> children;
               children.reserve(kFibers);
               for (int i = 0; i < kFibers; ++i) {
                 children.push_back(this_fiber::spawn(
                     {.name = "child", .stack_size = 32 * 1024},
                     [&ran, i] { ran[static_cast<std::size_t>(i)].fetch_add(1); }));
               }
               for (auto& child : children) child.join();
             })
      .join();
  int wrong = 0;
  for (auto& r : ran) wrong += r.load() != 1 ? 1 : 0;
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(runtime.stats().alive, 0u);
}

TEST_P(Workers, AThreadOutsideSpawnsAndJoins) {
  Runtime runtime(options());
  std::atomic<int> sum{0};
  std::vector<rt::sched::JoinHandle> handles;
  for (int i = 1; i <= 100; ++i) {
    handles.push_back(runtime.spawn({.name = "outside"}, [&sum, i] { sum.fetch_add(i); }));
  }
  for (auto& h : handles) h.join();
  EXPECT_EQ(sum.load(), 5050);
}

// Every other worker must run one of the fibers before any of them may finish, and they were
// all spawned on one worker (fewer than a ring holds, so none overflowed to the global queue):
// the others can only have got them by stealing. Without stealing this test never ends.
TEST_P(Workers, IdleWorkersStealFromABusyOne) {
  const int workers = GetParam();
  if (workers == 1) GTEST_SKIP() << "stealing needs a second worker";
  Runtime runtime(options());
  std::mutex lock;
  std::vector<bool> seen(static_cast<std::size_t>(workers));
  std::atomic<int> distinct{0};
  runtime
      .spawn({.name = "spawner"},
             [&] {
               std::vector<rt::sched::JoinHandle> children;
               for (int i = 0; i < 200; ++i) {
                 children.push_back(this_fiber::spawn({.name = "worker-seeker"}, [&] {
                   for (;;) {  // on whichever worker runs it now, each time
                     {
                       std::lock_guard guard(lock);
                       const auto w = static_cast<std::size_t>(this_fiber::worker());
                       if (!seen[w]) {
                         seen[w] = true;
                         distinct.fetch_add(1);
                       }
                     }
                     if (distinct.load() == workers) break;
                     this_fiber::yield();
                   }
                 }));
               }
               for (auto& child : children) child.join();
             })
      .join();
  std::uint64_t stolen = 0;
  for (const auto& w : runtime.stats().workers) stolen += w.stolen;
  EXPECT_GT(stolen, 0u);
}

// A fiber readied from outside just as every worker goes to sleep must still run: each round
// the runtime is idle (every worker on its way to sleep or asleep) when the next spawn comes.
TEST_P(Workers, AFiberReadiedAsEveryWorkerSleepsStillRuns) {
  // Each round costs two OS wakeups (a sleeping worker, then the joining thread): ~90 us here,
  // so 10^5 rounds take ~9 s per worker count natively. Under a sanitizer or an emulator a
  // round costs 10-50x more, and there fewer rounds run (CMakeLists.txt defines the macro).
#if defined(RT_SANITIZE_THREAD)
  constexpr int kRounds = 2'500;  // TSan: ~4 ms a round here, with its clocks per fiber
#elif defined(RT_CH06_SLOW_TARGET)
  constexpr int kRounds = 10'000;
#else
  constexpr int kRounds = 100'000;
#endif
  Runtime runtime(options());
  std::atomic<int> ran{0};
  for (int i = 0; i < kRounds; ++i) {
    runtime.spawn({.name = "round", .stack_size = 16 * 1024}, [&ran] { ran.fetch_add(1); }).join();
  }
  EXPECT_EQ(ran.load(), kRounds);
}

// The same from inside: a fiber unparks one that another worker parked, over and over, with
// the workers going idle between rounds.
TEST_P(Workers, AnUnparkRacingThePark) {
  constexpr int kRounds = 20'000;
  Runtime runtime(options());
  std::atomic<rt::sched::Fiber*> parked{nullptr};
  auto sleeper = runtime.spawn({.name = "sleeper"}, [&] {
    for (int i = 0; i < kRounds; ++i) {
      parked.store(&this_fiber::current(), std::memory_order_release);
      this_fiber::park();  // the waker may unpark before this switch: the park returns at once
    }
  });
  auto waker = runtime.spawn({.name = "waker"}, [&] {
    for (int i = 0; i < kRounds; ++i) {
      rt::sched::Fiber* f;
      while ((f = parked.exchange(nullptr, std::memory_order_acquire)) == nullptr) {
        this_fiber::yield();
      }
      rt::sched::unpark(*f);
    }
  });
  waker.join();
  sleeper.join();
}

// Two fibers per worker that yield forever, and one fiber put on the global queue from outside.
// The fairness check (every global_interval schedules, the global queue first) bounds how long
// the worker that runs a fiber from the global queue went on with its own queue first. The
// bound is per worker, on the worker that ran the probe: with more workers than CPUs, the OS
// may stop that worker while the others go on, so a count over all workers bounds nothing.
// The global queue must be empty when the probe arrives: it is FIFO, and fibers ahead of the
// probe (the yielders spawned from this thread) are taken first, one per check. So preemption
// is off: the monitor sends a fiber whose run lasts a slice to the global queue, and a
// yielder's run does when the OS stops its worker's thread that long (8 workers on 2 CPUs
// under qemu: the probe then waited behind one, 66 schedules against the bound of 63).
TEST_P(Workers, AFiberInTheGlobalQueueRunsWhileOthersYieldForever) {
  const auto workers = static_cast<std::size_t>(GetParam());
  rt::sched::Options o = options();
  o.preempt_after = std::chrono::microseconds(0);
  Runtime runtime(o);
  std::atomic<bool> stop{false};
  std::vector<std::atomic<std::uint64_t>> yields(workers);  // schedules of a yielder, per worker
  std::vector<rt::sched::JoinHandle> yielders;
  for (std::size_t i = 0; i < 2 * workers; ++i) {
    yielders.push_back(runtime.spawn({.name = "yielder"}, [&] {
      while (!stop.load(std::memory_order_relaxed)) {
        yields[static_cast<std::size_t>(this_fiber::worker())].fetch_add(1,
                                                                         std::memory_order_relaxed);
        this_fiber::yield();
      }
    }));
  }
  // Every yielder out of the global queue (they stay in the workers' rings from now on), and
  // running: a yield goes to the worker's own ring, so the global queue stays empty.
  while (runtime.stats().global_queued != 0) std::this_thread::yield();
  std::vector<std::uint64_t> after_push(workers);
  std::vector<std::uint64_t> when_run(workers);
  std::atomic<int> ran_on{-1};
  auto probe = runtime.spawn({.name = "probe"}, [&] {
    for (std::size_t w = 0; w < workers; ++w) when_run[w] = yields[w].load();
    ran_on.store(this_fiber::worker());
    stop.store(true);
  });
  // Read once spawn returned (the probe is queued): a count read late only shrinks the gap.
  for (std::size_t w = 0; w < workers; ++w) after_push[w] = yields[w].load();
  probe.join();
  for (auto& y : yielders) y.join();
  const auto w = static_cast<std::size_t>(ran_on.load());
  // Schedules picked between two checks, plus one yielder that ran across the push.
  const auto bound = static_cast<std::uint64_t>(runtime.knobs().global_interval + 2);
  EXPECT_LE(when_run[w] - std::min(after_push[w], when_run[w]), bound) << "on worker " << w;
}

// The order is only a claim about alarms that were all queued before the first came due: the
// setter records when it finished, and a round whose setting ran past the first deadline (a
// loaded machine, an emulator) proves nothing and is run again with four times the head start
// (5 ms, then up to 1.28 s), instead of failing or passing on a guess.
TEST_P(Workers, AlarmsFireInDeadlineOrder) {
  Runtime runtime(options());
  struct Entry {
    rt::sched::Alarm alarm;
    int order;
    std::vector<int>* fired;
  };
  constexpr int kAlarms = 50;
  bool judged = false;
  for (auto head_start = std::chrono::microseconds(5'000);
       !judged && head_start <= std::chrono::microseconds(1'280'000); head_start *= 4) {
    std::vector<int> fired;  // appended by the callbacks, one at a time (the heap's mutex)
    rt::Clock::time_point start;
    rt::Clock::time_point all_set;
    runtime
        .spawn({.name = "setter"},
               [&] {
                 std::vector<Entry> entries(kAlarms);
                 std::vector<int> offsets(kAlarms);
                 for (int i = 0; i < kAlarms; ++i) offsets[static_cast<std::size_t>(i)] = i;
                 std::shuffle(offsets.begin(), offsets.end(), std::mt19937(42));
                 start = rt::Clock::now() + head_start;
                 for (int i = 0; i < kAlarms; ++i) {
                   Entry& e = entries[static_cast<std::size_t>(i)];
                   e.order = offsets[static_cast<std::size_t>(i)];
                   e.fired = &fired;
                   e.alarm.set(
                       start + std::chrono::microseconds(200) * e.order,
                       [](void* p) {
                         auto* entry = static_cast<Entry*>(p);
                         entry->fired->push_back(entry->order);
                       },
                       &e);
                 }
                 all_set = rt::Clock::now();
                 this_fiber::sleep_until(start + std::chrono::microseconds(200) * kAlarms +
                                         std::chrono::milliseconds(1));
               })
        .join();
    ASSERT_EQ(fired.size(), static_cast<std::size_t>(kAlarms));
    if (all_set >= start) continue;  // the first alarm may have come due before the last was set
    judged = true;
    EXPECT_TRUE(std::is_sorted(fired.begin(), fired.end()));
  }
  EXPECT_TRUE(judged) << "setting 50 alarms never finished within 1.28 s";
}

TEST_P(Workers, SleepNeverReturnsBeforeItsDeadline) {
  Runtime runtime(options());
  std::atomic<int> early{0};
  std::vector<rt::sched::JoinHandle> sleepers;
  for (int i = 0; i < 20; ++i) {
    sleepers.push_back(runtime.spawn({.name = "sleeper"}, [&early, i] {
      const auto until = rt::Clock::now() + std::chrono::microseconds(100 * (i % 7));
      this_fiber::sleep_until(until);
      if (rt::Clock::now() < until) early.fetch_add(1);
    }));
  }
  for (auto& s : sleepers) s.join();
  EXPECT_EQ(early.load(), 0);
}

TEST_P(Workers, AnExceptionTravelsToTheJoinerAndEachFiberKeepsItsOwnWhileItMoves) {
  Runtime runtime(options());
  auto thrower = runtime.spawn({.name = "thrower"}, [] { throw std::runtime_error("boom"); });
  EXPECT_THROW(thrower.join(), std::runtime_error);
  std::atomic<int> good{0};
  std::vector<rt::sched::JoinHandle> handlers;
  for (int i = 0; i < 8; ++i) {
    handlers.push_back(runtime.spawn({.name = "handler"}, [&good, i] {
      try {
        throw i;
      } catch (int caught) {
        for (int k = 0; k < 50; ++k) this_fiber::yield();  // others throw and catch meanwhile
        if (caught == i && std::current_exception() != nullptr) {
          try {
            throw;  // rethrows this fiber's own exception, wherever it runs now
          } catch (int again) {
            if (again == i) good.fetch_add(1);
          }
        }
      }
    }));
  }
  for (auto& h : handlers) h.join();
  EXPECT_EQ(good.load(), 8);
}

// `pin` picks CPUs the process may use, by number: under `taskset -c 1` a worker pinned to
// CPU 0 would leave the CPU the user gave the program. The test narrows the process's mask to
// its highest-numbered CPU (as `taskset` would), and every worker must run there.
TEST(Runtime, PinnedWorkersRunOnTheCpusTheProcessMayUse) {
#if defined(__linux__)
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
  int last = CPU_SETSIZE - 1;
  while (!CPU_ISSET(last, &saved)) --last;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(last, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);  // the test's initial thread
  std::vector<int> seen;
  std::mutex mutex;
  {
    Runtime runtime(rt::sched::Options{.workers = 1, .pin = true});  // worker 0: was CPU 0
    std::vector<rt::sched::JoinHandle> fibers;
    for (int i = 0; i < 8; ++i) {
      fibers.push_back(runtime.spawn({.name = "where"}, [&] {
        std::lock_guard lock(mutex);
        seen.push_back(rt::os::this_thread::current_cpu());
      }));
    }
    for (auto& fiber : fibers) fiber.join();
  }
  sched_setaffinity(0, sizeof saved, &saved);
  EXPECT_EQ(seen, std::vector<int>(8, last));
#else
  GTEST_SKIP() << "the test narrows the process's CPU mask with sched_setaffinity (Linux)";
#endif
}

TEST(RuntimeDeath, AnExceptionNobodyCanJoinStopsTheProcessNamingTheFiber) {
  auto lose_an_exception = [] {
    Runtime runtime(rt::sched::Options{.workers = 1});
    runtime.spawn(rt::fiber::FiberOptions{.name = "lost"},
                  [] { throw std::runtime_error("nobody hears"); });
    runtime.wait_until_idle();
  };
  EXPECT_DEATH(lose_an_exception(), "\"lost\": nobody hears");
}

// A fiber's record lives in its stack, which its worker's pool keeps once it finished:
// poisoned there, so a use of a finished fiber is reported, as a heap record's was.
TEST(RuntimeDeath, UsingAFinishedFiberIsReportedUnderAddressSanitizer) {
#if !defined(RT_SANITIZE_ADDRESS)
  GTEST_SKIP() << "AddressSanitizer reports it; without it the read is undefined behaviour";
#else
  auto use_a_finished_fiber = [] {
    Runtime runtime(rt::sched::Options{.workers = 1});
    rt::sched::Fiber* finished = nullptr;
    runtime.spawn({.name = "gone"}, [&finished] { finished = &this_fiber::current(); }).join();
    volatile std::size_t length = finished->name().size();  // a read the compiler keeps
    return length;
  };
  EXPECT_DEATH(use_a_finished_fiber(), "use-after-poison");
#endif
}

TEST(RuntimeDeath, ThisFiberOffAFiberIsACheckedError) {
  EXPECT_DEATH(this_fiber::yield(), "outside a fiber of a Runtime");
}

}  // namespace
