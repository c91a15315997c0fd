// Claims about the lowest layer: make_context / switch_context / exit_context, with no
// scheduler in between.
#include "rt/fiber/context.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "child_context.hpp"
#include "rt/fiber/stack.hpp"
#include "rt/platform.hpp"

#if defined(RT_SANITIZE_ADDRESS)
#include <sanitizer/asan_interface.h>
#endif

using rt::fiber::Context;

namespace {

using ch03::testing::address_of_aligned_local;
using ch03::testing::Child;

}  // namespace

TEST(Context, SwitchesIntoANewContextAndBackAgain) {
  Child child([](Child& self) {
    self.trace += "1";
    self.suspend();
    self.trace += "3";
    self.suspend();
    self.trace += "5";
  });
  child.trace += "0";
  child.resume();
  child.trace += "2";
  child.resume();
  child.trace += "4";
  child.resume();
  EXPECT_EQ(child.trace, "012345");
  EXPECT_TRUE(child.finished);
}

TEST(Context, TheNewStackIsAlignedAsTheAbiRequires) {
  Child child([](Child& self) { address_of_aligned_local(&self.value); });
  child.resume();
  ASSERT_TRUE(child.finished);
  EXPECT_EQ(child.value % 16, 0u);
  // And it really ran on the child's stack.
  auto low = reinterpret_cast<std::uintptr_t>(child.stack.usable().data());
  auto high = reinterpret_cast<std::uintptr_t>(child.stack.top());
  EXPECT_GE(child.value, low);
  EXPECT_LT(child.value, high);
}

// Chapter 6 keeps its fiber's record at the top of the fiber's stack: the context's frames go
// below the bytes kept, and never touch them.
TEST(Context, AContextMadeBelowKeptBytesLeavesThemAlone) {
  constexpr std::size_t kKept = 256;
  Child child(
      [](Child& self) {
        address_of_aligned_local(&self.value);
        self.suspend();
        address_of_aligned_local(&self.value);
      },
      64 * 1024, kKept);
  std::byte* kept = child.stack.top() - kKept;
  for (std::size_t i = 0; i < kKept; ++i) kept[i] = std::byte{0xA5};
  child.resume();
  EXPECT_GE(child.value, reinterpret_cast<std::uintptr_t>(child.stack.usable().data()));
  EXPECT_LT(child.value, reinterpret_cast<std::uintptr_t>(kept));
  EXPECT_EQ(child.value % 16, 0u);
  child.resume();
  ASSERT_TRUE(child.finished);
  for (std::size_t i = 0; i < kKept; ++i) {
    ASSERT_EQ(kept[i], std::byte{0xA5}) << "kept byte " << i << " was written";
  }
}

TEST(Context, RunsOnAPlainBufferAndCatchesAnExceptionThere) {
  // Not a Stack: heap memory, committed throughout, with no guard page. On Windows the
  // context's TEB then describes just the buffer, which unwinding needs to walk its frames.
  static std::vector<std::byte> buffer(64 * 1024);
  static Context parent;
  static Context context;
  static std::string caught;
  context = rt::fiber::make_context(
      std::span<std::byte>(buffer),
      [](void*) {
        try {
          throw std::runtime_error("thrown on a buffer");
        } catch (const std::exception& e) {
          caught = e.what();
        }
        rt::fiber::exit_context(context, parent);
      },
      nullptr);
  rt::fiber::switch_context(parent, context);
  EXPECT_EQ(caught, "thrown on a buffer");
  rt::fiber::destroy_context(context);
}

TEST(Context, CalleeSavedStateSurvivesManySwitches) {
  // Many values live across the switch calls: the compiler keeps some of them in
  // callee-saved registers (integer and, on ARM64 and Windows, floating point), trusting
  // switch_context to preserve them like any function call.
  Child child([](Child& self) {
    for (int i = 0; i < 1000; ++i) self.suspend();
  });
  std::uint64_t a = 1, b = 2, c = 3, d = 5, e = 7, f = 11;
  double x = 0.5, y = 1.25, z = -3.0, w = 1e10;
  for (int i = 0; i < 1000; ++i) {
    child.resume();
    a += b, b += c, c += d, d += e, e += f, f += a;
    x = x * 1.0000001 + y, y = y - z * 0.001, z = z + 0.5, w = w / 1.0001;
  }
  child.resume();
  std::uint64_t a2 = 1, b2 = 2, c2 = 3, d2 = 5, e2 = 7, f2 = 11;
  double x2 = 0.5, y2 = 1.25, z2 = -3.0, w2 = 1e10;
  for (int i = 0; i < 1000; ++i) {
    a2 += b2, b2 += c2, c2 += d2, d2 += e2, e2 += f2, f2 += a2;
    x2 = x2 * 1.0000001 + y2, y2 = y2 - z2 * 0.001, z2 = z2 + 0.5, w2 = w2 / 1.0001;
  }
  EXPECT_TRUE(child.finished);
  EXPECT_EQ(a, a2);
  EXPECT_EQ(f, f2);
  EXPECT_EQ(x, x2);
  EXPECT_EQ(y, y2);
  EXPECT_EQ(z, z2);
  EXPECT_EQ(w, w2);
}

TEST(Context, MakeContextAcceptsAStackAnExitedContextLeftPoisoned) {
#if !defined(RT_SANITIZE_ADDRESS)
  GTEST_SKIP() << "only AddressSanitizer poisons stack memory";
#else
  rt::fiber::Stack stack(64 * 1024);
  // The worst an exited context can leave behind: redzones that no epilogue unpoisoned.
  __asan_poison_memory_region(stack.usable().data(), stack.usable().size());
  static Context parent;
  static Context context;
  static bool ran = false;
  context = rt::fiber::make_context(
      stack,
      [](void*) {
        ran = true;
        rt::fiber::exit_context(context, parent);
      },
      nullptr);
  rt::fiber::switch_context(parent, context);
  EXPECT_TRUE(ran);
  rt::fiber::destroy_context(context);
#endif
}

TEST(ContextDeathTest, AStartFunctionThatReturnsStopsTheProcessLoudly) {
  EXPECT_DEATH(
      {
        rt::fiber::Stack stack(64 * 1024);
        Context parent;
        Context child = rt::fiber::make_context(
            stack, [](void*) { /* returns instead of calling exit_context */ }, nullptr);
        rt::fiber::switch_context(parent, child);
      },
      "the start function of a context returned");
}

TEST(ContextDeathTest, ResumingARunningContextIsRefused) {
  EXPECT_DEATH(
      {
        Context self;  // the running thread's own context
        Context other;
        rt::fiber::switch_context(other, self);
      },
      "the target context is running");
}

TEST(ContextDeathTest, ResumingAnExitedContextIsRefused) {
  EXPECT_DEATH(
      {
        Child child([](Child&) {});
        child.resume();  // runs the body, which ends with exit_context back to us
        ASSERT_TRUE(child.finished);
        child.resume();  // its stack is still there, but it must never run again
      },
      "the target context has exited");
}

TEST(ContextDeathTest, SwitchingAwayFromASuspendedContextIsRefused) {
  EXPECT_DEATH(
      {
        Child child([](Child&) {});  // made, never run: suspended
        Context other;
        rt::fiber::switch_context(child.context, other);
      },
      "`from` is not the running context");
}

TEST(ContextDeathTest, AStackBelowTheMinimumIsRefused) {
  EXPECT_DEATH(
      {
        alignas(16) std::byte small[4096];
        rt::fiber::make_context(
            small, [](void*) {}, nullptr);
      },
      "a stack needs at least 16 KiB");
}

TEST(ContextDeathTest, KeptBytesThatAreNotAMultipleOf64AreRefused) {
  EXPECT_DEATH(
      {
        rt::fiber::Stack stack(64 * 1024);
        rt::fiber::make_context(
            stack, 100, [](void*) {}, nullptr);
      },
      "a multiple of 64");
}

static_assert(!std::is_copy_constructible_v<Context> && !std::is_copy_assignable_v<Context>,
              "a suspended context must not be duplicated: it could be resumed twice");

TEST(ContextDeathTest, AMovedFromContextCannotBeResumed) {
  EXPECT_DEATH(
      {
        rt::fiber::Stack stack(64 * 1024);
        Context parent;
        Context original = rt::fiber::make_context(
            stack, [](void*) {}, nullptr);
        Context moved = std::move(original);
        EXPECT_NE(moved.stack_pointer, nullptr);
        rt::fiber::switch_context(parent, original);  // NOLINT(bugprone-use-after-move)
      },
      "the target context is running");
}
