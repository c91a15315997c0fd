#include "rt/fiber/stack.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "rt/fiber/scheduler.hpp"
#include "rt/memory.hpp"
#include "rt/platform.hpp"

#if defined(RT_SANITIZE_ADDRESS)
#include <sanitizer/asan_interface.h>
#endif
#if defined(RT_OS_WINDOWS)
#include <windows.h>
#endif

using rt::fiber::Stack;
namespace this_fiber = rt::fiber::this_fiber;

namespace {

// Recurses until its frame lies below `stop`, then throws `message` if it is not null;
// returns the depth reached. The frame address (not a local's: ASan may move locals to a
// heap "fake stack") is what uses the stack.
[[gnu::noinline]] int recurse_down_to(const std::byte* stop, const char* message = nullptr) {
  volatile char frame[256];
  frame[0] = 1;
  if (static_cast<const std::byte*>(__builtin_frame_address(0)) < stop) {
    if (message != nullptr) throw std::runtime_error(message);
    return frame[0];
  }
  return recurse_down_to(stop, message) + frame[0];
}

#if defined(RT_OS_WINDOWS)
// What VirtualQuery says of [low, high): the bytes committed read/write, the lowest of them,
// and the PAGE_GUARD bytes and the lowest of those.
struct Commitment {
  std::size_t committed = 0;
  const std::byte* committed_low = nullptr;
  std::size_t guard = 0;
  const std::byte* guard_low = nullptr;
};

Commitment commitment_of(const std::byte* low, const std::byte* high) {
  Commitment result;
  for (const std::byte* at = low; at < high;) {
    MEMORY_BASIC_INFORMATION region{};
    if (VirtualQuery(at, &region, sizeof region) == 0) break;
    const std::byte* end = static_cast<const std::byte*>(region.BaseAddress) + region.RegionSize;
    if (end > high) end = high;
    auto size = static_cast<std::size_t>(end - at);
    if (region.State == MEM_COMMIT && (region.Protect & PAGE_GUARD) != 0) {
      result.guard += size;
      if (result.guard_low == nullptr) result.guard_low = at;
    } else if (region.State == MEM_COMMIT) {
      result.committed += size;
      if (result.committed_low == nullptr) result.committed_low = at;
    }
    at = end;
  }
  return result;
}

const std::byte* reservation_of(const Stack& stack) {
  return stack.top() - stack.reserved_size();
}

// The TEB's StackLimit of the running context, which the kernel lowers as it grows a stack.
// GCC 12 misreads mingw-w64's NtCurrentTeb() when optimising (stack_win32.cpp says how).
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#endif
const std::byte* teb_stack_limit() {
  return static_cast<const std::byte*>(reinterpret_cast<NT_TIB*>(NtCurrentTeb())->StackLimit);
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#endif

}  // namespace

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
  // Linux, macOS: the PROT_NONE guard page. Windows: the reserved pages below the usable
  // bytes (the PAGE_GUARD page that grows a stack sits below its committed top, and only the
  // running context's touch grows it: Stack.AFiberThatGoesDeep... shows that).
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

// While the pool holds a stack, a dangling pointer into it (a finished fiber's frame, or
// chapter 6's fiber record at its top) is a use ASan reports.
TEST(StackPool, AKeptStackIsPoisonedWhileThePoolHoldsIt) {
#if !defined(RT_SANITIZE_ADDRESS)
  GTEST_SKIP() << "only AddressSanitizer poisons stack memory";
#else
  rt::fiber::StackPool pool;
  Stack first = pool.acquire(32 * 1024);
  const std::byte* top_byte = first.top() - 1;
  const std::byte* low_byte = first.usable().data();
  EXPECT_FALSE(__asan_address_is_poisoned(top_byte));
  pool.release(std::move(first));
  EXPECT_TRUE(__asan_address_is_poisoned(top_byte));
  EXPECT_TRUE(__asan_address_is_poisoned(low_byte));
  Stack again = pool.acquire(32 * 1024);
  ASSERT_EQ(again.top() - 1, top_byte);
  EXPECT_FALSE(__asan_address_is_poisoned(top_byte));
#endif
}

TEST(StackPool, KeepsNoMoreThanItsCapacity) {
  rt::fiber::StackPool pool(2);
  for (int i = 0; i < 3; ++i) pool.release(Stack(16 * 1024));
  EXPECT_EQ(pool.kept(), 2u);
}

TEST(Stack, ANewGuardedStackCommitsOnlyItsTopPageOnWindows) {
#if !defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "Windows only: Linux and macOS commit no stack page up front (MAP_NORESERVE), "
                  "each page is committed when it is first touched";
#else
  const std::size_t page = rt::page_size();
  Stack stack(256 * 1024);
  Commitment commitment = commitment_of(reservation_of(stack), stack.top());
  EXPECT_EQ(commitment.committed, page) << "the top page, and nothing else read/write";
  EXPECT_EQ(commitment.guard, page) << "one PAGE_GUARD page below it; the rest only reserved";
  EXPECT_EQ(commitment.committed_low, stack.top() - page);
  EXPECT_EQ(commitment.guard_low, stack.top() - 2 * page);
  EXPECT_EQ(stack.committed_low(), stack.top() - page) << "where a context's StackLimit starts";
#endif
}

TEST(Stack, WithoutAGuardTheWholeStackIsCommittedOnWindows) {
#if !defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "Windows only: Linux and macOS commit a page when it is first touched, "
                  "guard page or not";
#else
  Stack stack(64 * 1024, rt::fiber::StackGuard::none);
  Commitment commitment = commitment_of(reservation_of(stack), stack.top());
  EXPECT_EQ(commitment.committed, stack.usable().size()) << "no guard page could grow it";
  EXPECT_EQ(commitment.guard, 0u);
  EXPECT_EQ(stack.committed_low(), stack.usable().data());
#endif
}

TEST(Stack, AFiberThatGoesDeepCommitsItsStackPageByPageOnWindows) {
#if !defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "Windows only: on Linux and macOS the kernel commits a touched page without "
                  "a guard page (Scheduler.ADeepRecursionThatFitsRunsToTheEnd runs the same "
                  "recursion there)";
#else
  // 200 KiB into a 256 KiB stack that starts with one committed page: every page on the way
  // is a guard page the kernel turns into stack.
  const std::size_t page = rt::page_size();
  rt::fiber::Scheduler scheduler;
  const std::byte* top = nullptr;
  const std::byte* reservation = nullptr;
  const std::byte* limit_when_deep = nullptr;
  Commitment when_deep;
  scheduler
      .spawn({.name = "deep", .stack_size = 256 * 1024},
             [&] {
               const Stack& stack = this_fiber::current().stack();
               top = stack.top();
               reservation = reservation_of(stack);
               recurse_down_to(top - 200 * 1024);
               limit_when_deep = teb_stack_limit();
               when_deep = commitment_of(reservation, top);
             })
      .join();
  EXPECT_GE(when_deep.committed, std::size_t{200 * 1024}) << "the pages it went through";
  EXPECT_LE(when_deep.committed_low, top - 200 * 1024);
  // Wine keeps one guard page; Windows' x64 kernel makes two at each growth (more under
  // SetThreadStackGuarantee): at least one, and right below the committed stack.
  EXPECT_GE(when_deep.guard, page) << "still a guard page";
  EXPECT_EQ(when_deep.guard_low + when_deep.guard, when_deep.committed_low)
      << "right below the stack";
  EXPECT_EQ(limit_when_deep, when_deep.committed_low) << "the kernel kept StackLimit exact";
  EXPECT_EQ(when_deep.committed, static_cast<std::size_t>(top - when_deep.committed_low))
      << "committed without a hole, from the top down";
#endif
}

TEST(StackPool, AReusedGrownStackLetsTheNextFiberThrowFromDeepAndGoDeeper) {
  // The first fiber grows its stack to 100 KiB; the second gets the same stack from the pool,
  // throws from 80 KiB down (inside what the first one grew: on Windows its StackLimit must
  // already be below there, or unwinding refuses the frames) and from 200 KiB down (further
  // than the stack has grown: the guard page must be right below its StackLimit).
  rt::fiber::Scheduler scheduler;
  const std::byte* first_top = nullptr;
  scheduler
      .spawn({.name = "grower", .stack_size = 256 * 1024},
             [&] {
               first_top = this_fiber::current().stack().top();
               recurse_down_to(first_top - 100 * 1024);
             })
      .join();
  const std::byte* second_top = nullptr;
  std::string caught_inside, caught_below;
  const std::byte* recorded_low = nullptr;
  const std::byte* limit_at_start = nullptr;
  const std::byte* committed_low_at_start = nullptr;
  scheduler
      .spawn({.name = "reuser", .stack_size = 256 * 1024},
             [&] {
               const Stack& stack = this_fiber::current().stack();
               second_top = stack.top();
               recorded_low = stack.committed_low();
#if defined(RT_OS_WINDOWS)
               limit_at_start = teb_stack_limit();
               committed_low_at_start =
                   commitment_of(reservation_of(stack), stack.top()).committed_low;
#endif
               try {
                 recurse_down_to(stack.top() - 80 * 1024, "thrown 80 KiB down");
               } catch (const std::exception& e) {
                 caught_inside = e.what();
               }
               try {
                 recurse_down_to(stack.top() - 200 * 1024, "thrown 200 KiB down");
               } catch (const std::exception& e) {
                 caught_below = e.what();
               }
             })
      .join();
  ASSERT_EQ(scheduler.stack_pool().reused(), 1u);
  ASSERT_EQ(second_top, first_top) << "the second fiber runs on the first one's stack";
  EXPECT_EQ(caught_inside, "thrown 80 KiB down");
  EXPECT_EQ(caught_below, "thrown 200 KiB down");
#if defined(RT_OS_WINDOWS)
  EXPECT_LE(recorded_low, first_top - 100 * 1024) << "the first fiber's growth was recorded";
  EXPECT_EQ(limit_at_start, committed_low_at_start) << "StackLimit starts exact";
  EXPECT_EQ(recorded_low, committed_low_at_start);
#else
  (void)limit_at_start, (void)committed_low_at_start;
  EXPECT_EQ(recorded_low, second_top - 256 * 1024) << "nothing to record: the usable bottom";
#endif
}
