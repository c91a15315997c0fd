#include "rt/memory.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

TEST(Memory, PageSizeIsAPowerOfTwoOfAtLeast4KiB) {
  std::size_t page = rt::page_size();
  EXPECT_GE(page, 4096u);
  EXPECT_EQ(page & (page - 1), 0u);
}

TEST(Memory, TouchingMemoryRaisesTheResidentSet) {
  auto before = rt::resident_bytes();
  ASSERT_TRUE(before.has_value()) << "no resident-set figure on this OS";
  constexpr std::size_t kSize = 64 << 20;
  std::unique_ptr<char[]> block(new char[kSize]);
  std::memset(block.get(), 1, kSize);  // make every page resident
  auto after = rt::resident_bytes();
  ASSERT_TRUE(after.has_value());
  // Other allocations may come and go, but 64 MiB of touched pages dwarf them.
  EXPECT_GE(*after, *before + kSize / 2);
  EXPECT_EQ(block[kSize - 1], 1);
}
