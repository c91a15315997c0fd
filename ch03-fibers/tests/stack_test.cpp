#include "rt/fiber/stack.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>

#include "rt/memory.hpp"
#include "rt/platform.hpp"

#if defined(RT_SANITIZE_ADDRESS)
#include <sanitizer/asan_interface.h>
#endif

using rt::fiber::Stack;

TEST(Stack, RoundsUpToWholePagesAndItsCommittedBytesAreWritable) {
  const std::size_t page = rt::page_size();
  Stack stack(page + 1);
  ASSERT_EQ(stack.usable().size(), 2 * page);
  // All of it on Linux and macOS; on Windows the top page, since below it only the context
  // running on the stack makes the kernel commit more (the fiber tests below go deep).
  std::memset(stack.committed_low(), 0xA5,
              static_cast<std::size_t>(stack.top() - stack.committed_low()));
  EXPECT_EQ(stack.top(), stack.usable().data() + stack.usable().size());
  EXPECT_GT(stack.reserved_size(), stack.usable().size()) << "a guard page lies below";
}

TEST(Stack, TheBytesJustBelowTheUsableOnesAreGuard) {
  Stack stack(64 * 1024);
  std::byte* low = stack.usable().data();
  EXPECT_TRUE(stack.is_guard_address(low - 1));
  EXPECT_TRUE(stack.is_guard_address(low - rt::page_size()));
  EXPECT_FALSE(stack.is_guard_address(low));
  EXPECT_FALSE(stack.is_guard_address(stack.top() - 1));
  EXPECT_FALSE(stack.is_guard_address(stack.top()));
}

TEST(Stack, MovingTransfersTheMemory) {
  Stack first(16 * 1024);
  std::byte* low = first.usable().data();
  Stack second(std::move(first));
  EXPECT_EQ(second.usable().data(), low);
  EXPECT_TRUE(first.usable().empty());
  EXPECT_FALSE(first.is_guard_address(low - 1));
  Stack third;
  third = std::move(second);
  EXPECT_EQ(third.usable().data(), low);
}

TEST(StackDeathTest, WritingIntoTheGuardPageFaults) {
  Stack stack(16 * 1024);
  volatile std::byte* guard = stack.usable().data() - 1;
  EXPECT_DEATH(*guard = std::byte{1}, "");
}

TEST(Stack, WithoutAGuardTheWholeMappingIsUsable) {
  Stack stack(64 * 1024, rt::fiber::StackGuard::none);
  EXPECT_EQ(stack.reserved_size(), stack.usable().size());
  EXPECT_FALSE(stack.is_guard_address(stack.usable().data() - 1));
  std::memset(stack.usable().data(), 0x5A, stack.usable().size());
}

TEST(Stack, ARefusedMappingNamesTheLimitAndTheOptionToTurnGuardsOff) {
#if defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "VirtualAlloc rejects an impossible size as an invalid parameter (error 87), "
                  "not for lack of memory, and Windows has no mapping-count limit to run into: "
                  "the refusal is provoked on Linux and macOS only";
#endif
  // The same error path as running out of mappings (vm.max_map_count), forced without
  // touching any system limit: no OS maps 2^50 bytes (1 PiB) of stack.
  try {
    Stack stack(std::size_t{1} << 50);
    FAIL() << "a 1 PiB stack was mapped";
  } catch (const rt::fiber::StackRefused& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("vm.max_map_count"), std::string::npos) << message;
    EXPECT_NE(message.find("StackGuard::none"), std::string::npos) << message;
    EXPECT_NE(message.find("refused memory for a 1099511627776 KiB fiber stack"), std::string::npos)
        << message;
  }
}

TEST(StackPool, ReusesAReleasedStackOfTheSameSizeAndGuard) {
  rt::fiber::StackPool pool;
  Stack first = pool.acquire(32 * 1024);
  std::byte* low = first.usable().data();
  pool.release(std::move(first));
  EXPECT_EQ(pool.kept(), 1u);
  Stack other_size = pool.acquire(64 * 1024);
  EXPECT_NE(other_size.usable().data(), low);
  Stack unguarded = pool.acquire(32 * 1024, rt::fiber::StackGuard::none);
  EXPECT_NE(unguarded.usable().data(), low);
  Stack again = pool.acquire(32 * 1024);
  EXPECT_EQ(again.usable().data(), low);
  EXPECT_EQ(pool.reused(), 1u);
  EXPECT_EQ(pool.kept(), 0u);
}

TEST(StackPool, AReusedStackComesBackWithNothingPoisoned) {
#if !defined(RT_SANITIZE_ADDRESS)
  GTEST_SKIP() << "only AddressSanitizer poisons stack memory";
#else
  rt::fiber::StackPool pool;
  Stack first = pool.acquire(32 * 1024);
  // What an exited context can leave behind: redzones that no epilogue unpoisoned.
  __asan_poison_memory_region(first.usable().data(), first.usable().size());
  pool.release(std::move(first));
  Stack again = pool.acquire(32 * 1024);
  ASSERT_EQ(pool.reused(), 1u);
  EXPECT_EQ(__asan_region_is_poisoned(again.usable().data(), again.usable().size()), nullptr);
#endif
}

TEST(StackPool, KeepsNoMoreThanItsCapacity) {
  rt::fiber::StackPool pool(2);
  for (int i = 0; i < 3; ++i) pool.release(Stack(16 * 1024));
  EXPECT_EQ(pool.kept(), 2u);
}
