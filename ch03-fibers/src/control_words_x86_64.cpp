// The x86-64 switches' control-word policy (context.hpp, ControlWordLoad): which of the two
// assembly routines every switch calls (x86_64_sysv.S, x86_64_win64.S and the MASM twin
// define both; context.hpp's switch_stacks calls one), chosen here from the CPU's vendor
// when the first context is made.
//
// Why by vendor: the two ways were measured on one machine of each, and they disagree.
// On an Intel Xeon an unconditional ldmxcsr made a Scheduler yield round trip many times
// slower; on an AMD EPYC (Zen 1) reading back what stmxcsr just stored made the bare round
// trip slower than loading always (the README's "Performance" has the figures).
// `ch03-fibers bench` measures both on the machine it runs on, so a reader can check the
// choice on theirs.
//
// Also here: the control words a new context starts with. They are the creating thread's, as
// Boost.Context's make_fcontext takes them, and as POSIX has a new thread inherit its
// creator's floating-point environment, rather than each ABI's initial values, because the
// toolchain's threads do not start at the ABI's values: MinGW-w64's threads run the x87 at
// 64-bit precision (0x37F, for its 80-bit long double) where the Windows x64 convention
// starts at 53-bit (0x27F), and a program linked with GCC's -ffast-math starts with
// flush-to-zero set in MXCSR. A context that started elsewhere than its thread computed
// differently from it (long double lost 11 bits on every MinGW fiber). The price is two
// stores and a load per make_context; and under the when_different policy a new context's
// first switch then usually finds nothing to load.
#include <cstring>

#include "first_frame.hpp"
#include "rt/fiber/context.hpp"

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#include <immintrin.h>

namespace rt::fiber {

// false until the vendor's choice: rt_switch_context, correct under either policy.
bool detail::compare_control_words = false;

namespace {

bool vendor_prefers_always() noexcept {
  unsigned registers[4] = {};  // eax, ebx, ecx, edx of CPUID leaf 0: the vendor string
#if defined(_MSC_VER) && !defined(__clang__)
  int info[4];
  __cpuid(info, 0);
  std::memcpy(registers, info, sizeof info);
#else
  __cpuid(0, registers[0], registers[1], registers[2], registers[3]);
#endif
  char vendor[13] = {};
  std::memcpy(vendor, &registers[1], 4);  // ebx, edx, ecx spell it
  std::memcpy(vendor + 4, &registers[3], 4);
  std::memcpy(vendor + 8, &registers[2], 4);
  return std::strcmp(vendor, "AuthenticAMD") == 0 || std::strcmp(vendor, "HygonGenuine") == 0;
}

}  // namespace

detail::ControlWords detail::current_control_words() noexcept {
#if defined(_MSC_VER) && !defined(__clang__)
  // cl.exe has no inline assembly on x64 and no intrinsic for fnstcw, and emits no x87 code
  // there (its long double is double): the x87 word stays at the value Windows starts every
  // thread with, which MSVC's runtime leaves alone.
  std::uint16_t x87_control = 0x027F;
#else
  std::uint16_t x87_control;
  __asm__ volatile("fnstcw %0" : "=m"(x87_control));  // volatile: the word changes at run time
#endif
  return {_mm_getcsr(), x87_control};
}

// Called by make_context (a switch needs a made context first) and by the two functions
// below, so the vendor's default is in force before the first switch and never overrides
// a later set_control_word_load.
void detail::choose_control_word_load() noexcept {
  static const bool chosen = [] {
    detail::compare_control_words = !vendor_prefers_always();
    return true;
  }();
  (void)chosen;
}

ControlWordLoad control_word_load() noexcept {
  detail::choose_control_word_load();
  return detail::compare_control_words ? ControlWordLoad::when_different : ControlWordLoad::always;
}

void set_control_word_load(ControlWordLoad policy) noexcept {
  detail::choose_control_word_load();
  detail::compare_control_words = policy == ControlWordLoad::when_different;
}

}  // namespace rt::fiber
