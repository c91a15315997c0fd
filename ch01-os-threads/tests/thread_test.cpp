#include "rt/os/thread.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "rt/error.hpp"

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
