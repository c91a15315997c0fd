// Claims about the floating-point control state a context carries: MXCSR and the x87 control
// word on x86-64, FPCR on Windows ARM64 (context.hpp, the asm headers), and the policy that
// chooses how x86-64 restores them.
#include <gtest/gtest.h>

#include <cfenv>
#include <cstdint>
#include <string>

#include "child_context.hpp"
#include "rt/fiber/context.hpp"
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
  EXPECT_EQ(child.value, 3u) << "1: the new context started at the ABI's default mode; "
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
  const auto default_policy = rt::fiber::control_word_load();
  for (auto policy :
       {rt::fiber::ControlWordLoad::when_different, rt::fiber::ControlWordLoad::always}) {
    SCOPED_TRACE(rt::fiber::to_string(policy));
    rt::fiber::set_control_word_load(policy);
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
  }
  rt::fiber::set_control_word_load(default_policy);
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
