#include "rt/fiber/stack.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <utility>

#include "rt/memory.hpp"

using rt::fiber::Stack;

TEST(Stack, RoundsUpToWholePagesAndIsWritableFromEndToEnd) {
  const std::size_t page = rt::page_size();
  Stack stack(page + 1);
  ASSERT_EQ(stack.usable().size(), 2 * page);
  std::memset(stack.usable().data(), 0xA5, stack.usable().size());  // would fault if not
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
