// StackPool's slabs (stack.hpp): many stacks from one mapping, unmapped with the last of them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "rt/fiber/stack.hpp"
#include "rt/memory.hpp"
#include "rt/platform.hpp"

#if defined(RT_SANITIZE_ADDRESS)
#include <sanitizer/asan_interface.h>
#endif

#if !defined(RT_OS_WINDOWS)
#include <sys/mman.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <cstdio>
#include <cstring>
#endif

using rt::fiber::Stack;
using rt::fiber::StackGuard;
using rt::fiber::StackPool;

namespace {

constexpr std::size_t kSlab = 4;
constexpr std::size_t kUsable = 16 * 1024;

#if !defined(RT_OS_WINDOWS)
// Whether any page of [low, low + size) is mapped: msync fails with ENOMEM on unmapped memory.
bool mapped(const std::byte* low, std::size_t size) {
  errno = 0;
  const int result = msync(const_cast<std::byte*>(low), size, MS_ASYNC);
  return result == 0 || errno != ENOMEM;
}

// The protection /proc/self/maps gives the mapping that holds `address` ("rw-p", "---p"), or
// nothing if no mapping holds it. Linux only.
std::optional<std::string> protection_at(const void* address) {
  std::FILE* maps = std::fopen("/proc/self/maps", "r");
  if (maps == nullptr) return std::nullopt;
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  char line[512];
  std::optional<std::string> found;
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    unsigned long low = 0;
    unsigned long high = 0;
    char perms[8] = {};
    if (std::sscanf(line, "%lx-%lx %7s", &low, &high, perms) == 3 && at >= low && at < high) {
      found = perms;
      break;
    }
  }
  std::fclose(maps);
  return found;
}

// The slab's whole range, from the lowest stack's guard to the highest stack's top.
std::pair<const std::byte*, std::size_t> range_of(const std::vector<Stack>& stacks) {
  const std::byte* low = stacks.front().top() - stacks.front().reserved_size();
  const std::byte* high = stacks.front().top();
  for (const Stack& stack : stacks) {
    low = std::min<const std::byte*>(low, stack.top() - stack.reserved_size());
    high = std::max<const std::byte*>(high, stack.top());
  }
  return {low, static_cast<std::size_t>(high - low)};
}
#endif

}  // namespace

TEST(StackSlab, NewStacksOfASlabLieSideBySideInOneMapping) {
#if defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "no slabs on Windows (stack.hpp): a stack's reservation is its own";
#else
  for (const StackGuard guard : {StackGuard::none, StackGuard::page}) {
    StackPool pool(0, kSlab);
    std::vector<Stack> stacks;
    for (std::size_t i = 0; i < kSlab; ++i) stacks.push_back(pool.acquire(kUsable, guard));
    const std::size_t stride = kUsable + (guard == StackGuard::page ? rt::page_size() : 0);
    for (const Stack& stack : stacks) {
      EXPECT_EQ(stack.usable().size(), kUsable);
      EXPECT_EQ(stack.reserved_size(), stride);
    }
    // Carved upward, each right above the last (separate mmaps come back top-down, if at all
    // side by side).
    for (std::size_t i = 1; i < kSlab; ++i)
      EXPECT_EQ(stacks[i].top(), stacks[i - 1].top() + stride);
    const auto [low, size] = range_of(stacks);
    EXPECT_EQ(size, kSlab * stride) << "the stacks tile one range, nothing between them";
    Stack next = pool.acquire(kUsable, guard);  // the slab is used up: a new one
    EXPECT_TRUE(next.top() <= low || next.top() - next.reserved_size() >= low + size);
  }
#endif
}

TEST(StackSlab, AGuardedStackFromASlabHasItsGuardPageWithNoAccess) {
#if !defined(RT_OS_LINUX)
  GTEST_SKIP() << "reads /proc/self/maps: Linux only";
#else
  StackPool pool(0, kSlab);
  std::vector<Stack> stacks;
  for (std::size_t i = 0; i < kSlab; ++i) stacks.push_back(pool.acquire(kUsable));
  for (const Stack& stack : stacks) {
    const std::byte* guard = stack.usable().data() - 1;
    EXPECT_TRUE(stack.is_guard_address(guard));
    EXPECT_EQ(protection_at(guard), std::optional<std::string>("---p"));
    EXPECT_EQ(protection_at(stack.usable().data()), std::optional<std::string>("rw-p"));
  }
  // Without a guard, nothing below a stack is its guard: the next stack's top lies there.
  StackPool unguarded(0, kSlab);
  Stack low = unguarded.acquire(kUsable, StackGuard::none);
  Stack high = unguarded.acquire(kUsable, StackGuard::none);
  EXPECT_EQ(high.reserved_size(), kUsable);
  EXPECT_FALSE(high.is_guard_address(high.usable().data() - 1));
  EXPECT_EQ(high.usable().data(), low.top());
#endif
}

#if defined(RT_OS_LINUX)
// Whether the page at `page` is resident (mincore).
bool resident(const std::byte* page) {
  unsigned char state = 0;
  return mincore(const_cast<std::byte*>(page), rt::page_size(), &state) == 0 && (state & 1) != 0;
}

// Whether this kernel populates pages of this process through process_madvise (Linux 6.13;
// qemu-user and older kernels refuse it): asked of a page of our own.
bool kernel_populates_through_process_madvise() {
#if defined(MADV_POPULATE_WRITE) && defined(SYS_process_madvise) && defined(SYS_pidfd_open)
  void* page = mmap(nullptr, rt::page_size(), PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (page == MAP_FAILED) return false;
  const long pidfd = syscall(SYS_pidfd_open, getpid(), 0);
  iovec range{page, rt::page_size()};
  const bool populated = pidfd >= 0 &&
                         syscall(SYS_process_madvise, pidfd, &range, 1, MADV_POPULATE_WRITE, 0) ==
                             static_cast<long>(rt::page_size()) &&
                         resident(static_cast<std::byte*>(page));
  if (pidfd >= 0) close(static_cast<int>(pidfd));
  munmap(page, rt::page_size());
  return populated;
#else
  return false;
#endif
}
#endif

// The first stack carved from a slab asks, in one system call, for the top pages of the next
// sixteen (stack_posix.cpp, prefault_top_pages): they are resident before they are carved, and
// the seventeenth's is not.
TEST(StackSlab, CarvingAsksForTheTopPagesOfTheNextSixteenStacksAtOnce) {
#if !defined(RT_OS_LINUX)
  GTEST_SKIP() << "process_madvise and mincore's view of a fresh mapping: Linux only";
#else
  if (!kernel_populates_through_process_madvise()) {
    GTEST_SKIP() << "this kernel does not populate pages through process_madvise (Linux 6.13; "
                    "qemu-user refuses the call): each stack asks for its own top page";
  }
  constexpr std::size_t kAhead = 16;
  StackPool pool(0, 64);
  Stack first = pool.acquire(kUsable, StackGuard::none);
  // Without guards the slab's stacks lie side by side, each `kUsable` above the one before.
  for (std::size_t i = 0; i < kAhead; ++i) {
    EXPECT_TRUE(resident(first.top() + i * kUsable - rt::page_size())) << "stack " << i;
  }
  EXPECT_FALSE(resident(first.top() + kAhead * kUsable - rt::page_size()));
  // The seventeenth stack's carving asks for the next sixteen.
  std::vector<Stack> more;
  for (std::size_t i = 1; i <= kAhead; ++i) more.push_back(pool.acquire(kUsable, StackGuard::none));
  EXPECT_EQ(more.back().top(), first.top() + kAhead * kUsable);
  EXPECT_TRUE(resident(more.back().top() - rt::page_size()));
  EXPECT_TRUE(resident(first.top() + (2 * kAhead - 1) * kUsable - rt::page_size()));
  EXPECT_FALSE(resident(first.top() + 2 * kAhead * kUsable - rt::page_size()));
#endif
}

TEST(StackSlab, TheSlabIsUnmappedWithItsLastStackNotBefore) {
#if defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "no slabs on Windows (stack.hpp)";
#else
  std::vector<Stack> stacks;
  {
    StackPool pool(0, kSlab);  // keeps nothing: each release frees its stack
    for (std::size_t i = 0; i < kSlab; ++i) stacks.push_back(pool.acquire(kUsable));
  }
  const auto [low, size] = range_of(stacks);
  // Freed on other threads, as chapter 6's workers free the stacks of fibers they finished.
  Stack last = std::move(stacks.back());
  stacks.pop_back();
  const auto [freed_low, freed_size] = range_of(stacks);
  std::thread([&stacks] { stacks.clear(); }).join();
  // Were each stack its own mapping, the freed ones' would be gone now.
  EXPECT_TRUE(mapped(freed_low, freed_size)) << "one stack of the slab is alive";
  for (std::size_t offset = 0; offset < freed_size; offset += rt::page_size()) {
    EXPECT_TRUE(mapped(freed_low + offset, rt::page_size())) << "page " << offset;
  }
  last.usable().back() = std::byte{1};  // and usable
  std::thread([&last] { last = Stack(); }).join();
  for (std::size_t offset = 0; offset < size; offset += rt::page_size()) {
    EXPECT_FALSE(mapped(low + offset, rt::page_size())) << "the last stack took its slab with it";
  }
#endif
}

TEST(StackSlab, APartlyCarvedSlabGoesWithItsPoolWhenItsStacksAreGone) {
#if defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "no slabs on Windows (stack.hpp)";
#else
  const std::byte* low = nullptr;
  {
    StackPool pool(0, kSlab);
    Stack first = pool.acquire(kUsable);
    low = first.top() - first.reserved_size();
  }  // the stack went first, then the pool: its reference was the slab's last
  for (std::size_t offset = 0; offset < kSlab * (kUsable + rt::page_size());
       offset += rt::page_size()) {
    EXPECT_FALSE(mapped(low + offset, rt::page_size())) << "page " << offset;
  }
#endif
}

TEST(StackSlab, AFreedStackOfALiveSlabIsPoisonedUnderAddressSanitizer) {
#if !defined(RT_SANITIZE_ADDRESS) || defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "AddressSanitizer on Linux or macOS only: the freed stack stays mapped, and "
                  "only ASan's poison tells a use of it from a use of a live one";
#else
  StackPool pool(0, kSlab);
  Stack freed = pool.acquire(kUsable);
  Stack alive = pool.acquire(kUsable);
  const std::span<std::byte> was = freed.usable();
  freed = Stack();
  EXPECT_TRUE(mapped(was.data(), was.size()));
  EXPECT_NE(__asan_region_is_poisoned(was.data(), was.size()), nullptr);
  EXPECT_EQ(__asan_region_is_poisoned(alive.usable().data(), alive.usable().size()), nullptr);
#endif
}

// Every platform: a pool asked for slabs hands out stacks that work (on Windows, where it
// makes none, plain ones).
TEST(StackSlab, APoolAskedForSlabsHandsOutUsableStacksEverywhere) {
  StackPool pool(2, 64);
  for (int round = 0; round < 2; ++round) {
    std::vector<Stack> stacks;
    for (int i = 0; i < 5; ++i) stacks.push_back(pool.acquire(kUsable));
    for (Stack& stack : stacks) {
      EXPECT_EQ(stack.usable().size(), kUsable);
      stack.usable().back() = std::byte{7};  // the top page: committed on every OS
      EXPECT_EQ(stack.usable().back(), std::byte{7});
    }
    for (Stack& stack : stacks) pool.release(std::move(stack));
  }
  EXPECT_EQ(pool.kept(), 2u);
  EXPECT_EQ(pool.reused(), 2u);
}

TEST(StackSlab, KeptStacksHoldTheirSlabAfterThePoolThatCarvedThemIsGone) {
#if defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "no slabs on Windows (stack.hpp)";
#else
  std::vector<Stack> stacks;
  StackPool keeper(kSlab);  // another pool keeps them, as a worker keeps another's stacks
  {
    StackPool carver(0, kSlab);
    for (std::size_t i = 0; i < kSlab; ++i) stacks.push_back(carver.acquire(kUsable));
  }
  const auto [low, size] = range_of(stacks);
  for (Stack& stack : stacks) keeper.release(std::move(stack));
  stacks.clear();
  EXPECT_EQ(keeper.kept(), kSlab);
  EXPECT_TRUE(mapped(low, size));
  Stack reused = keeper.acquire(kUsable);
  EXPECT_EQ(keeper.reused(), 1u);
  EXPECT_GE(reused.usable().data(), low);
  EXPECT_LE(reused.top(), low + size);
#endif
}
