// Blocking regions and the monitor's handoff (blocking.hpp, monitor.cpp): a fiber blocked in
// the OS inside enter_blocking/exit_blocking loses its worker to another thread, and the
// fibers queued behind it run. The blocking calls below are reads on pipes, released by other
// fibers or threads: without the handoff the first test has nobody to release its reader, and
// it hangs until ctest's timeout fails it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "async_available.hpp"
#include "os_pipe.hpp"  // app/
#include "os_thread.hpp"
#include "rt/clock.hpp"
#include "rt/sched/blocking.hpp"
#include "rt/sched/runtime.hpp"
#include "worker_counts.hpp"

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::sched::enter_blocking;
using rt::sched::exit_blocking;
using rt::sched::in_blocking_region;
using rt::sched::Runtime;
using rt::sched::testing::os_thread;

using Pipe = ch06::OsPipe;

std::uint64_t total_handoffs(const rt::sched::Stats& stats) {
  return rt::sched::testing::total(stats, &rt::sched::WorkerStats::handoffs);
}

// The test, Go's TestGoroutineParallelism-like check for syscalls: on one worker, a
// fiber blocked in a read on a pipe does not stop 100 fibers queued behind it on that worker.
// The last of them writes the byte the reader waits for, so the read returns only if all 100
// ran while it blocked, on a thread the monitor gave the worker to.
TEST(Handoff, AFiberBlockedInAReadOnAPipeDoesNotStopAHundredOthersOnItsWorker) {
  constexpr int kOthers = 100;
  rt::sched::Options o;
  o.workers = 1;
  Runtime runtime(o);
  Pipe pipe;
  std::atomic<int> finished{0};
  int got = -2;
  int finished_when_read = 0;
  runtime
      .spawn({.name = "reader"},
             [&] {
               for (int i = 0; i < kOthers; ++i) {
                 this_fiber::spawn({.name = "other"}, [&] {
                   if (finished.fetch_add(1) + 1 == kOthers) {
                     EXPECT_TRUE(pipe.write_byte(42));
                   }
                 });  // detached; queued on this fiber's worker
               }
               got = in_blocking_region([&] { return pipe.read_byte(); });
               finished_when_read = finished.load();
             })
      .join();
  EXPECT_EQ(got, 42);
  EXPECT_EQ(finished_when_read, kOthers);
  const rt::sched::Stats stats = runtime.stats();
  EXPECT_GE(total_handoffs(stats), 1u);
  EXPECT_GE(stats.machines, 2) << "the worker ran on one thread only";
}

// With the handoff off, a blocked fiber keeps its worker and its thread: the byte is in the
// pipe already, the region is one read, and nothing takes the worker however long it lasts.
TEST(Handoff, OffTheFiberKeepsItsWorkerAndThread) {
  rt::sched::Options o;
  o.workers = 1;
  o.handoff_after = std::chrono::microseconds(0);
  Runtime runtime(o);
  Pipe pipe;
  ASSERT_TRUE(pipe.write_byte(7));
  runtime
      .spawn({.name = "reader"},
             [&] {
               const std::thread::id before = os_thread();
               enter_blocking();
               const int got = pipe.read_byte();
               exit_blocking();
               EXPECT_EQ(got, 7);
               EXPECT_EQ(os_thread(), before);
             })
      .join();
  EXPECT_EQ(total_handoffs(runtime.stats()), 0u);
  EXPECT_EQ(runtime.stats().machines, 1);
}

// Both ways out of a region, thousands of times, with the monitor racing each exit: fibers
// ask an OS thread for a byte and wait for it inside a region, while busy fibers yield in a
// loop. Most answers come at once (a region of a few microseconds: the fiber keeps its
// worker); every tenth, the thread first waits until the busy fibers have yielded ten times
// more, which on one worker they can only do after the monitor gave the worker to another
// thread (the fiber then comes back through the global queue). Every answer arrives, in order,
// on whichever thread.
TEST(Handoff, FibersThatBlockAndComeBackThousandsOfTimesLoseNothing) {
  constexpr int kBlockers = 4;
  constexpr int kRounds = 300;
  constexpr int kBusy = 8;
  for (const int workers : {1, 2}) {
    SCOPED_TRACE(workers);
    rt::sched::Options o;
    o.workers = workers;
    Runtime runtime(o);
    struct Line {
      Pipe request, reply;
      std::thread server;
    };
    std::vector<Line> lines(kBlockers);
    std::atomic<long> yields{0};
    for (auto& line : lines) {
      line.server = std::thread([&line, &yields] {
        for (int i = 0; i < kRounds; ++i) {
          const int asked = line.request.read_byte();
          if (i % 10 == 9) {
            const long seen = yields.load();
            while (yields.load() < seen + 10) std::this_thread::yield();
          }
          if (asked < 0 || !line.reply.write_byte(static_cast<unsigned char>(asked + 1))) return;
        }
      });
    }
    std::atomic<bool> blockers_done{false};
    std::atomic<int> wrong{0};
    std::vector<rt::sched::JoinHandle> fibers;
    for (auto& line : lines) {
      fibers.push_back(runtime.spawn({.name = "blocker"}, [&line, &wrong] {
        for (int i = 0; i < kRounds; ++i) {
          const auto asked = static_cast<unsigned char>(i % 200);
          if (!line.request.write_byte(asked)) ++wrong;
          const int got = in_blocking_region([&] { return line.reply.read_byte(); });
          if (got != asked + 1) ++wrong;
        }
      }));
    }
    for (int i = 0; i < kBusy; ++i) {
      fibers.push_back(runtime.spawn({.name = "busy"}, [&] {
        while (!blockers_done.load()) {
          ++yields;
          this_fiber::yield();
        }
      }));
    }
    for (int i = 0; i < kBlockers; ++i) fibers[static_cast<std::size_t>(i)].join();
    blockers_done.store(true);
    for (auto& fiber : fibers) {
      if (fiber.joinable()) fiber.join();
    }
    for (auto& line : lines) line.server.join();
    EXPECT_EQ(wrong.load(), 0);
    if (workers == 1) {
      EXPECT_GE(total_handoffs(runtime.stats()), static_cast<std::uint64_t>(kRounds / 10));
    }
    std::printf("%d worker(s): %llu handoffs, %d machines, %ld yields of the busy fibers\n",
                workers, static_cast<unsigned long long>(total_handoffs(runtime.stats())),
                runtime.stats().machines, yields.load());
  }
}

// The runtime is made inside the death test's child: a fork keeps only the forking thread.
void run_one_fiber(void (*body)()) {
  Runtime runtime;
  runtime.spawn({.name = "confused"}, body).join();
}

// A fiber may take back its worker from another fiber's region (Go's exitsyscall takes its old
// P whenever that P is in a system call): F blocks, the monitor gives F's worker to another
// thread, which runs G; G enters a region and, inside it, lets F's read return; F's CAS then
// finds the worker in a region again (G's) and takes it. F must still be F: the worker's idea
// of its running fiber is F's again (once it said G, and F parked as G, for good). Stealing
// is off so that G runs on F's worker; the second worker is idle, so the monitor does not
// think G's region worth a handoff (Go's rule) before 10 ms.
TEST(Handoff, AFiberThatTakesItsWorkerBackFromAnotherFibersRegionIsItselfAgain) {
  constexpr int kRounds = 20;
  rt::sched::Options o;
  o.workers = 2;
  o.knobs.steal = false;
  Runtime runtime(o);
  int took_back = 0;  // rounds in which F came back on its own thread: the case under test
  for (int round = 0; round < kRounds; ++round) {
    Pipe to_f, to_g;
    runtime
        .spawn({.name = "F"},
               [&] {
                 rt::sched::Fiber& me = this_fiber::current();
                 auto g = this_fiber::spawn({.name = "G"}, [&] {
                   in_blocking_region([&] {
                     EXPECT_TRUE(to_f.write_byte(1));  // inside G's region: F's read returns
                     return to_g.read_byte();
                   });
                 });
                 const std::thread::id thread = os_thread();
                 EXPECT_EQ(in_blocking_region([&] { return to_f.read_byte(); }), 1);
                 if (os_thread() == thread) ++took_back;
                 EXPECT_EQ(&this_fiber::current(), &me);
                 EXPECT_TRUE(to_g.write_byte(2));
                 g.join();  // parks: as G, if the worker still named G (the bug this catches)
                 EXPECT_EQ(&this_fiber::current(), &me);
               })
        .join();
  }
  if (took_back == 0) {
    GTEST_SKIP() << "in " << kRounds << " rounds F never took its worker back from G's region "
                 << "(the monitor was always first): the case was not reached";
  }
}

// The same take-back, then F spins with no check point: only an interruption (asynchronous
// preemption) lets X, queued behind F on F's worker (stealing off), run. The monitor interrupts
// the machine the worker names as its runner; after the take-back that must be F's again, not
// the machine G blocks on in its region, where no interruption can preempt anything.
TEST(Handoff, AFiberThatTookItsWorkerBackCanBeInterruptedThere) {
  SKIP_UNLESS_ASYNC_PREEMPTION();
  constexpr int kRounds = 20;
  rt::sched::Options o;
  o.workers = 2;
  o.knobs.steal = false;
  Runtime runtime(o);
  int took_back = 0;
  int interrupted = 0;  // rounds in which X ran while F spun on its taken-back worker
  for (int round = 0; round < kRounds && interrupted == took_back; ++round) {  // to a miss
    Pipe to_f, to_g;
    runtime
        .spawn({.name = "F"},
               [&] {
                 auto g = this_fiber::spawn({.name = "G"}, [&] {
                   in_blocking_region([&] {
                     EXPECT_TRUE(to_f.write_byte(1));
                     return to_g.read_byte();  // G stays in its region until F is done
                   });
                 });
                 const std::thread::id thread = os_thread();
                 EXPECT_EQ(in_blocking_region([&] { return to_f.read_byte(); }), 1);
                 if (os_thread() == thread) {
                   ++took_back;
                   std::atomic<bool> x_ran{false};
                   auto x = this_fiber::spawn({.name = "X"}, [&] { x_ran.store(true); });
                   // No check point in here; the bound turns a miss into a failure, not a hang.
                   const auto give_up = rt::Clock::now() + std::chrono::seconds(10);
                   while (!x_ran.load(std::memory_order_relaxed) && rt::Clock::now() < give_up) {
                   }
                   if (x_ran.load()) ++interrupted;
                   x.join();
                 }
                 EXPECT_TRUE(to_g.write_byte(2));
                 g.join();
               })
        .join();
  }
  if (took_back == 0) {
    GTEST_SKIP() << "in " << kRounds << " rounds F never took its worker back from G's region "
                 << "(the monitor was always first): the case was not reached";
  }
  EXPECT_EQ(interrupted, took_back)
      << "X waited 10 s behind F in round " << took_back << " in which F took its worker back";
}

TEST(HandoffMisuse, ExitWithoutEnterStopsTheProcessSayingSo) {
  EXPECT_DEATH(run_one_fiber([] { exit_blocking(); }),
               "exit_blocking was called outside a blocking region");
}

TEST(HandoffMisuse, AFiberCallInsideARegionStopsTheProcessSayingSo) {
  EXPECT_DEATH(run_one_fiber([] {
                 enter_blocking();
                 this_fiber::yield();
               }),
               "this_fiber::yield was called inside a blocking region");
}

TEST(HandoffMisuse, ANegativeThresholdIsRefused) {
  rt::sched::Options o;
  o.handoff_after = std::chrono::microseconds(-1);
  EXPECT_THROW(Runtime{o}, std::invalid_argument);
}

}  // namespace
