// Claims about the floating-point control state a context carries: MXCSR and the x87 control
// word on x86-64, FPCR on Windows ARM64 (context.hpp, the asm headers), what a new context
// starts with, and the policy that chooses how x86-64 restores them.
#include <gtest/gtest.h>

#include <cfenv>
#include <cfloat>
#include <cstdint>
#include <string>

#include "child_context.hpp"
#include "rt/fiber/context.hpp"
#include "rt/fiber/scheduler.hpp"
#include "rt/platform.hpp"

using ch03::testing::Child;

TEST(Context, RoundingModeBelongsToEachContextOnX86AndWindowsArm64) {
#if defined(RT_ARCH_AARCH64) && !defined(RT_OS_WINDOWS)
  GTEST_SKIP() << "AAPCS64: FPCR is deliberately not saved (aarch64_aapcs64.S explains why)";
#else
  // MXCSR and the x87 control word are callee-saved on x86-64, and so is FPCR's rounding
  // mode on Windows ARM64: the rounding mode a context sets stays its own.
  Child child([](Child& self) {
    self.value = static_cast<std::uintptr_t>(std::fegetround() == FE_TONEAREST);
    std::fesetround(FE_UPWARD);
    self.suspend();
    self.value += static_cast<std::uintptr_t>(std::fegetround() == FE_UPWARD) << 1;
    std::fesetround(FE_TONEAREST);
  });
  ASSERT_EQ(std::fesetround(FE_TOWARDZERO), 0);
  child.resume();
  EXPECT_EQ(std::fegetround(), FE_TOWARDZERO) << "the child's mode leaked into the parent";
  child.resume();
  EXPECT_EQ(std::fegetround(), FE_TOWARDZERO);
  std::fesetround(FE_TONEAREST);
  EXPECT_EQ(child.value, 3u) << "1: the new context started in the mode its creator had; "
                                "2: it kept its own mode across a switch";
#endif
}

#if defined(RT_ARCH_X86_64) && (defined(__GNUC__) || defined(__clang__))
namespace {
constexpr unsigned kMxcsrFlushToZero = 0x8000;  // a control bit that fesetround leaves alone
constexpr unsigned kMxcsrInexact = 0x0020;      // a status flag: caller-saved
constexpr std::uint16_t kX87PrecisionMask = 0x0300;
unsigned read_mxcsr() {
  unsigned value;
  __asm__ volatile("stmxcsr %0" : "=m"(value));
  return value;
}
void write_mxcsr(unsigned value) {
  __asm__ volatile("ldmxcsr %0" : : "m"(value));
}
std::uint16_t read_x87_control() {
  std::uint16_t value;
  __asm__ volatile("fnstcw %0" : "=m"(value));
  return value;
}
void write_x87_control(std::uint16_t value) {
  __asm__ volatile("fldcw %0" : : "m"(value));
}
// Runs check(policy) under each control-word policy, then puts the default back.
template <class Check>
void under_each_control_word_policy(Check check) {
  const auto default_policy = rt::fiber::control_word_load();
  for (auto policy :
       {rt::fiber::ControlWordLoad::when_different, rt::fiber::ControlWordLoad::always}) {
    SCOPED_TRACE(rt::fiber::to_string(policy));
    rt::fiber::set_control_word_load(policy);
    check(policy);
  }
  rt::fiber::set_control_word_load(default_policy);
}
}  // namespace
#endif

TEST(Context, MxcsrAndX87ControlWordsAreRestoredEachOnItsOwnUnderEitherPolicy) {
#if !defined(RT_ARCH_X86_64)
  GTEST_SKIP() << "MXCSR and the x87 control word exist on x86-64 only";
#elif !(defined(__GNUC__) || defined(__clang__))
  GTEST_SKIP() << "this test reads the control words with GNU inline asm (not MSVC x64)";
#else
  // Under when_different the switch loads each control word only when it differs from the
  // one in force (x86_64_sysv.S): a context that changes only one of them, or only MXCSR's
  // status flags, must still get back exactly its own control bits. Under always, the same.
  under_each_control_word_policy([](rt::fiber::ControlWordLoad policy) {
    EXPECT_EQ(rt::fiber::control_word_load(), policy);
    Child child([](Child& self) {
      write_mxcsr(read_mxcsr() | kMxcsrFlushToZero);  // MXCSR only
      self.suspend();
      self.value = (read_mxcsr() & kMxcsrFlushToZero) != 0;
      write_mxcsr(read_mxcsr() & ~kMxcsrFlushToZero);
      write_x87_control(static_cast<std::uint16_t>(read_x87_control() & ~kX87PrecisionMask));
      self.suspend();  // x87 only: 24-bit precision
      self.value += (read_x87_control() & kX87PrecisionMask) == 0 ? 2 : 0;
      write_x87_control(static_cast<std::uint16_t>(read_x87_control() | kX87PrecisionMask));
    });
    unsigned parent_mxcsr = read_mxcsr() & ~kMxcsrInexact;
    std::uint16_t parent_x87 = read_x87_control();
    child.resume();
    EXPECT_EQ(read_mxcsr() & ~0x3Fu, parent_mxcsr & ~0x3Fu) << "the child's MXCSR leaked";
    write_mxcsr(read_mxcsr() | kMxcsrInexact);  // a status flag: never restored, never compared
    child.resume();
    EXPECT_EQ(read_x87_control(), parent_x87) << "the child's x87 control word leaked";
    EXPECT_EQ(read_mxcsr() & ~0x3Fu, parent_mxcsr & ~0x3Fu);
    child.resume();
    ASSERT_TRUE(child.finished);
    EXPECT_EQ(child.value, 3u) << "1: the child kept flush-to-zero across a switch; "
                                  "2: it kept its x87 precision across a switch";
    write_mxcsr(parent_mxcsr);
  });
#endif
}

TEST(Context, TheControlWordPolicyChoosesWhichRoutineTheSwitchCalls) {
#if !defined(RT_ARCH_X86_64)
  GTEST_SKIP() << "one switch routine on ARM64: there are no x87 or MXCSR words to compare";
#elif !(defined(__GNUC__) || defined(__clang__))
  GTEST_SKIP() << "this test reads the control words with GNU inline asm (not MSVC x64)";
#else
  // The two routines leave the same control bits in force; they differ in MXCSR's status
  // flags, which the ABI leaves to the caller. rt_switch_context loads the resumed frame's
  // whole MXCSR, and a new context's frame holds no flags; the compare variant loads nothing
  // when the control bits agree, so a flag set before the switch is still set after it.
  // Seeing which happened tells which routine ran.
  under_each_control_word_policy([](rt::fiber::ControlWordLoad policy) {
    Child child([](Child& self) { self.value = (read_mxcsr() & kMxcsrInexact) != 0; });
    const unsigned thread_mxcsr = read_mxcsr();
    write_mxcsr(thread_mxcsr | kMxcsrInexact);
    child.resume();
    write_mxcsr(thread_mxcsr);
    ASSERT_TRUE(child.finished);
    EXPECT_EQ(child.value, policy == rt::fiber::ControlWordLoad::when_different ? 1u : 0u)
        << "1: the switch left MXCSR alone (compare variant); 0: it loaded the new frame's";
  });
#endif
}

TEST(Context, TheControlWordPolicyIsRecordedOnEveryTarget) {
  // On x86-64 the switch obeys it (the test above); on ARM64 it is only recorded.
  const auto default_policy = rt::fiber::control_word_load();
  rt::fiber::set_control_word_load(rt::fiber::ControlWordLoad::always);
  EXPECT_EQ(rt::fiber::control_word_load(), rt::fiber::ControlWordLoad::always);
  EXPECT_STREQ(rt::fiber::to_string(rt::fiber::control_word_load()), "always");
  rt::fiber::set_control_word_load(rt::fiber::ControlWordLoad::when_different);
  EXPECT_EQ(rt::fiber::control_word_load(), rt::fiber::ControlWordLoad::when_different);
  EXPECT_STREQ(rt::fiber::to_string(rt::fiber::control_word_load()), "when different");
  rt::fiber::set_control_word_load(default_policy);
}

// A fiber's long double arithmetic is as precise as its thread's. On MinGW-w64 long double is
// the x87's 80-bit format, and threads run with the x87 at 64-bit precision (0x37F): a fiber
// that started at MSVC's 53-bit default (0x27F) rounded 1 + LDBL_EPSILON back to 1. Where long
// double is double (MSVC) or a software format (ARM64), the claim holds as trivially as it
// should.
TEST(Fiber, LongDoubleArithmeticHasTheThreadsPrecision) {
  static volatile long double one = 1.0L;  // volatile: computed at run time, on this CPU
  static volatile long double epsilon = LDBL_EPSILON;
  ASSERT_NE(one + epsilon, one) << "the thread itself rounds 1 + LDBL_EPSILON to 1";
  rt::fiber::Scheduler scheduler;
  bool distinct_on_fiber = false;
  scheduler.spawn({.name = "precise"}, [&] { distinct_on_fiber = one + epsilon != one; }).join();
  EXPECT_TRUE(distinct_on_fiber) << "1 + LDBL_EPSILON == 1 on a fiber: its x87 precision is "
                                    "lower than its thread's";
}

TEST(Context, ANewContextStartsWithTheControlWordsOfTheThreadThatMadeIt) {
#if !defined(RT_ARCH_X86_64)
  GTEST_SKIP() << "MXCSR and the x87 control word exist on x86-64 only";
#elif !(defined(__GNUC__) || defined(__clang__))
  GTEST_SKIP() << "this test reads the control words with GNU inline asm (not MSVC x64)";
#else
  // make_context captures the control bits in force (as a new POSIX thread inherits its
  // creator's floating-point environment): the thread's defaults, or whatever the creator
  // set. Made under unusual words and first resumed under the usual ones, the context must
  // start with the unusual ones, under either policy.
  const unsigned thread_mxcsr = read_mxcsr();
  const std::uint16_t thread_x87 = read_x87_control();
  under_each_control_word_policy([&](rt::fiber::ControlWordLoad) {
    auto report_words = [](Child& self) {
      self.value = (std::uintptr_t{read_x87_control()} << 32) | (read_mxcsr() & ~0x3Fu);
    };
    Child usual(report_words);  // made under the thread's own words
    usual.resume();
    EXPECT_EQ(usual.value >> 32, thread_x87) << "x87 control word";
    EXPECT_EQ(usual.value & 0xFFFFFFFF, thread_mxcsr & ~0x3Fu) << "MXCSR";

    // Flush-to-zero, round up, and the x87 at 24-bit precision, also rounding up.
    const unsigned unusual_mxcsr = (thread_mxcsr & ~0x6000u) | kMxcsrFlushToZero | 0x4000;
    const auto unusual_x87 =
        static_cast<std::uint16_t>((thread_x87 & ~0x0F00) | 0x0800 /* up; 24-bit */);
    write_mxcsr(unusual_mxcsr | kMxcsrInexact);  // a status flag: not inherited
    write_x87_control(unusual_x87);
    Child unusual(report_words);
    write_mxcsr(thread_mxcsr);
    write_x87_control(thread_x87);
    unusual.resume();
    EXPECT_EQ(unusual.value >> 32, unusual_x87) << "x87 control word";
    EXPECT_EQ(unusual.value & 0xFFFFFFFF, unusual_mxcsr & ~0x3Fu) << "MXCSR";
    EXPECT_EQ(read_mxcsr() & ~0x3Fu, thread_mxcsr & ~0x3Fu) << "the context's MXCSR leaked";
    EXPECT_EQ(read_x87_control(), thread_x87) << "the context's x87 control word leaked";
  });
#endif
}
