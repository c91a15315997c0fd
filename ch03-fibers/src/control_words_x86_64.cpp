// The x86-64 switches' control-word policy (context.hpp, ControlWordLoad): one byte that
// the assembly reads on every switch (x86_64_sysv.S, x86_64_win64.S and the MASM twin define
// it), set here from the CPU's vendor when the first context is made.
//
// Why by vendor: the two ways were measured on one machine of each, and they disagree.
// On an Intel Xeon an unconditional ldmxcsr made a Scheduler yield round trip 300 ns
// instead of 20; on an AMD EPYC (Zen 1) reading back what stmxcsr just stored made the bare
// round trip 8 ns slower than loading always. `ch03-fibers bench` measures both on the
// machine it runs on, so a reader can check the choice on theirs.
#include <cstring>

#include "first_frame.hpp"
#include "rt/fiber/context.hpp"

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#else
#include <cpuid.h>
#endif

extern "C" unsigned char rt_context_control_words_always_load;  // in the assembly

namespace rt::fiber {

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

// Called by make_context (a switch needs a made context first) and by the two functions
// below, so the vendor's default is in force before the first switch and never overrides
// a later set_control_word_load.
void detail::choose_control_word_load() noexcept {
  static const bool chosen = [] {
    rt_context_control_words_always_load = vendor_prefers_always() ? 1 : 0;
    return true;
  }();
  (void)chosen;
}

ControlWordLoad control_word_load() noexcept {
  detail::choose_control_word_load();
  return rt_context_control_words_always_load != 0 ? ControlWordLoad::always
                                                   : ControlWordLoad::when_different;
}

void set_control_word_load(ControlWordLoad policy) noexcept {
  detail::choose_control_word_load();
  rt_context_control_words_always_load = policy == ControlWordLoad::always ? 1 : 0;
}

}  // namespace rt::fiber
