// The one thing about a context that depends on the calling convention besides the switch
// itself: the frame a context that never ran must hold, so that rt_switch_context can
// "resume" it like any other. One implementation per asm file (first_frame_<abi>.cpp),
// each with a drawing of its frame; CMake compiles the one that matches the target.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rt/fiber/frame_layout.hpp"

// The assembly routine's second entry (src/asm/*.S, *.asm; rt_switch_context is declared in
// rt/fiber/context.hpp): where a new context's first switch returns to, to call
// start(argument) from the frame.
extern "C" void rt_context_trampoline() noexcept;

namespace rt::fiber::detail {

// What the OS must know about a stack besides its usable bytes; only the Windows frames
// carry it (as the TEB's DeallocationStack and StackLimit), the others ignore it.
struct StackExtent {
  std::byte* reservation;    // where the stack's allocation begins (at most `low`)
  std::byte* committed_low;  // the lowest committed address (at least `low`); below it, on
                             // a Stack, a PAGE_GUARD page from which the kernel grows it
};

// Writes the first frame of a new context into the stack [low, high) (its top end) and
// returns the stack pointer that rt_switch_context must load to enter it: the trampoline
// then calls start(argument) on an ABI-aligned stack. Only the top few hundred bytes are
// written.
void* build_first_frame(std::byte* low, std::byte* high, StackExtent extent, void (*start)(void*),
                        void* argument);

// x86-64: the floating-point control words in force on the calling thread, which a new
// context starts with (control_words_x86_64.cpp says why the creator's and not the ABI's
// initial values). MXCSR as stmxcsr stores it, status flags included: the first-frame files
// keep its control bits only.
struct ControlWords {
  std::uint32_t mxcsr;
  std::uint16_t x87_control;
};
ControlWords current_control_words() noexcept;

// Puts the CPU vendor's default ControlWordLoad policy in force, once per process, unless
// set_control_word_load came first (control_words_x86_64.cpp; nothing to do on ARM64).
// make_context calls it: no switch can happen before some context was made.
void choose_control_word_load() noexcept;

}  // namespace rt::fiber::detail
