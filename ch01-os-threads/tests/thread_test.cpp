#include "rt/os/thread.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "rt/error.hpp"

#if defined(__linux__)
#include <sched.h>
#elif defined(_WIN32)
#include <windows.h>
#endif

using rt::os::Thread;
using rt::os::ThreadOptions;

TEST(Thread, BodyRunsOnANewThreadAndJoinWaitsForIt) {
  std::thread::id body_id;
  Thread thread({}, [&] { body_id = std::this_thread::get_id(); });
  thread.join();
  EXPECT_NE(body_id, std::thread::id{});
  EXPECT_NE(body_id, std::this_thread::get_id());
  EXPECT_FALSE(thread.joinable());
}

TEST(Thread, DestructorJoins) {
  std::atomic<bool> ran{false};
  {
    Thread thread({}, [&] { ran = true; });
  }
  EXPECT_TRUE(ran);
}

TEST(Thread, MoveTransfersOwnership) {
  std::atomic<int> runs{0};
  Thread a({}, [&] { ++runs; });
  Thread b = std::move(a);
  EXPECT_FALSE(a.joinable());
  EXPECT_TRUE(b.joinable());
  b.join();
  EXPECT_EQ(runs, 1);
}

TEST(Thread, StackSizeTakesEffect) {
  auto stack_of = [](std::size_t requested) {
    std::optional<std::size_t> seen;
    Thread({.stack_size = requested}, [&] { seen = rt::os::this_thread::stack_size(); }).join();
    return seen;
  };
  auto by_default = stack_of(0);
  ASSERT_TRUE(by_default.has_value());
  // Below every platform's default (1 MiB or more): the stack is at least what was asked and
  // smaller than the default. The OS may round up (to pages; wine reserves 1 MiB at least).
  auto small = stack_of(std::size_t{128} << 10);
  ASSERT_TRUE(small.has_value());
  EXPECT_GE(*small, std::size_t{128} << 10);
  EXPECT_LT(*small, *by_default);
  // Above every platform's default (8 MiB at most): at least what was asked.
  auto large = stack_of(std::size_t{16} << 20);
  ASSERT_TRUE(large.has_value());
  EXPECT_GE(*large, std::size_t{16} << 20);
}

TEST(Thread, StackOfTheRequestedSizeIsUsable) {
  // 12 MiB of locals overflow every platform's default stack (8 MiB at most), so finishing
  // proves the reservation is real, not just the number reported. Not all of a requested
  // stack is usable: glibc places the thread's static TLS at its top (hundreds of KiB under
  // ThreadSanitizer, whose per-thread state lives there), so the margin is generous.
  constexpr std::size_t kUsed = std::size_t{12} << 20;
  std::atomic<std::size_t> pages{0};
  Thread({.stack_size = std::size_t{16} << 20}, [&] {
    volatile char buffer[kUsed];
    for (std::size_t i = 0; i < kUsed; i += 4096) buffer[i] = 1;
    std::size_t touched = 0;
    for (std::size_t i = 0; i < kUsed; i += 4096) touched += buffer[i];
    pages = touched;
  }).join();
  EXPECT_EQ(pages, kUsed / 4096);
}

TEST(Thread, NameTakesEffectBeforeTheBodyRuns) {
  std::string seen;
  Thread({.name = "rt-worker-7"}, [&] { seen = rt::os::this_thread::name(); }).join();
  EXPECT_EQ(seen, "rt-worker-7");
}

TEST(Thread, LongNamesAreTruncatedNotRefused) {
  std::string seen;
  std::string name = "a-thread-name-longer-than-sixteen-bytes";
  Thread({.name = name}, [&] { seen = rt::os::this_thread::name(); }).join();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(name.rfind(seen, 0), 0u) << "seen '" << seen << "' is not a prefix";
}

TEST(Thread, PinningTakesEffectBeforeTheBodyRuns) {
  if (!rt::os::supports_pinning()) GTEST_SKIP() << "this OS has no hard CPU affinity (macOS)";
  int last = rt::os::cpu_count() - 1;
  for (int cpu : {0, last}) {
    bool stayed = true;
    Thread({.cpu = cpu}, [&] {
      // Pinned, it can never be seen anywhere else, however often it yields.
      for (int i = 0; i < 1000; ++i) {
        if (rt::os::this_thread::current_cpu() != cpu) stayed = false;
        std::this_thread::yield();
      }
    }).join();
    EXPECT_TRUE(stayed) << "thread pinned to CPU " << cpu << " ran elsewhere";
  }
}

// The process's affinity mask, not the machine's CPUs: what `taskset -c 1` leaves is one CPU,
// CPU 1. Linux and Windows narrow the process's mask here and put it back; a Thread pinned to one
// CPU does not narrow it.
TEST(Thread, UsableCpusFollowTheProcessAffinityMaskNotAPinnedThread) {
  const int usable = rt::os::usable_cpu_count();
  EXPECT_GE(usable, 1);
  EXPECT_LE(usable, rt::os::cpu_count());
  const std::vector<int> cpus = rt::os::usable_cpus();
  EXPECT_EQ(static_cast<int>(cpus.size()), usable);
  EXPECT_TRUE(std::is_sorted(cpus.begin(), cpus.end()));
  if (rt::os::supports_pinning()) {
    int seen = 0;
    Thread({.cpu = 0}, [&] { seen = rt::os::usable_cpu_count(); }).join();
    EXPECT_EQ(seen, usable) << "a pinned thread changed what the process may use";
  }
#if defined(__linux__)
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
  int last = CPU_SETSIZE - 1;  // the highest-numbered: usable_cpus() must name it, not say 0
  while (!CPU_ISSET(last, &saved)) --last;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(last, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);  // the test's initial thread
  const int narrowed = rt::os::usable_cpu_count();
  const std::vector<int> narrowed_cpus = rt::os::usable_cpus();
  sched_setaffinity(0, sizeof saved, &saved);
  EXPECT_EQ(narrowed, 1);
  EXPECT_EQ(narrowed_cpus, std::vector<int>{last}) << "the CPU the mask allows, by number";
#elif defined(_WIN32)
  DWORD_PTR process = 0;
  DWORD_PTR system = 0;
  ASSERT_NE(GetProcessAffinityMask(GetCurrentProcess(), &process, &system), 0);
  // The highest-numbered CPU: usable_cpus() must name it, not say 0.
  const int last = 63 - std::countl_zero(static_cast<std::uint64_t>(process));
  if (SetProcessAffinityMask(GetCurrentProcess(), DWORD_PTR{1} << last) == 0) {
    GTEST_SKIP() << "SetProcessAffinityMask refused (error " << GetLastError() << ")";
  }
  const int narrowed = rt::os::usable_cpu_count();
  const std::vector<int> narrowed_cpus = rt::os::usable_cpus();
  SetProcessAffinityMask(GetCurrentProcess(), process);
  EXPECT_EQ(narrowed, 1);
  EXPECT_EQ(narrowed_cpus, std::vector<int>{last}) << "the CPU the mask allows, by number";
#else
  GTEST_SKIP() << "macOS has no affinity mask to narrow; usable_cpu_count() is cpu_count()";
#endif
}

TEST(Thread, PinningWhereUnsupportedIsAClearError) {
  if (rt::os::supports_pinning()) GTEST_SKIP() << "this OS supports pinning";
  EXPECT_THROW(Thread({.cpu = 0}, [] {}), rt::OsError);
}

TEST(Thread, PinningToANonexistentCpuThrowsAndCreatesNoThread) {
  std::atomic<bool> ran{false};
  EXPECT_THROW(Thread({.cpu = 1000}, [&] { ran = true; }), rt::OsError);
  EXPECT_THROW(Thread({.cpu = -1}, [&] { ran = true; }), rt::OsError);
  EXPECT_FALSE(ran);
}
