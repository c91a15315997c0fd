// The first frame of a new context on ARM64 Linux and macOS (AAPCS64), as
// aarch64_aapcs64.S restores it. Offsets: asm/aarch64_aapcs64_layout.h, checked below.
//
//   high addresses
//   +--------------------------+ <- high (top of the stack, 16-byte aligned)
//   | d8-d15 = 0               |
//   | x30 = trampoline         |   ret branches to x30: the trampoline starts with
//   | x29 = 0                  |   sp = high, 16-byte aligned (AArch64 requires it always)
//   | x21-x28 = 0              |
//   | x20 = argument           |   the trampoline calls x19 with x0 = x20
//   | x19 = start              |
//   +--------------------------+ <- returned stack pointer = high - 0xA0
//   low addresses
//
// x29 = 0 ends frame-record chains (and the trampoline's CFI marks the end of the stack
// for DWARF unwinders). If start returns, the trampoline executes brk.
#include <cstdint>
#include <new>

#include "asm/aarch64_aapcs64_layout.h"
#include "first_frame.hpp"

namespace rt::fiber::detail {

namespace {

struct Frame {
  std::uint64_t x19, x20, x21, x22, x23, x24, x25, x26, x27, x28;
  std::uint64_t x29;
  void* x30;
  double d8, d9, d10, d11, d12, d13, d14, d15;
};
static_assert(offsetof(Frame, x19) == RT_FRAME_X19);
static_assert(offsetof(Frame, x21) == RT_FRAME_X21);
static_assert(offsetof(Frame, x23) == RT_FRAME_X23);
static_assert(offsetof(Frame, x25) == RT_FRAME_X25);
static_assert(offsetof(Frame, x27) == RT_FRAME_X27);
static_assert(offsetof(Frame, x29) == RT_FRAME_X29);
static_assert(offsetof(Frame, x30) == RT_FRAME_X29 + 8, "stp x29, x30 stores x30 next");
static_assert(offsetof(Frame, d8) == RT_FRAME_D8);
static_assert(offsetof(Frame, d10) == RT_FRAME_D10);
static_assert(offsetof(Frame, d12) == RT_FRAME_D12);
static_assert(offsetof(Frame, d14) == RT_FRAME_D14);
static_assert(sizeof(Frame) == RT_FRAME_SIZE_AAPCS64);
static_assert(sizeof(Frame) % 16 == 0, "sp must stay 16-byte aligned");

}  // namespace

void* build_first_frame(std::byte* low, std::byte* high, StackExtent extent, void (*start)(void*),
                        void* argument) {
  (void)low, (void)extent;  // no TEB to describe the stack to
  auto top = reinterpret_cast<std::uintptr_t>(high) & ~std::uintptr_t{15};
  auto* at = reinterpret_cast<std::byte*>(top - sizeof(Frame));
  // Built in place: a local copied with memcpy would be written field by field and
  // read back 16 bytes at a time, a store-forwarding stall on every spawn.
  auto* frame = ::new (static_cast<void*>(at)) Frame{};
  frame->x19 = reinterpret_cast<std::uint64_t>(start);
  frame->x20 = reinterpret_cast<std::uint64_t>(argument);
  frame->x29 = 0;
  frame->x30 = reinterpret_cast<void*>(&rt_context_trampoline);
  return at;
}

}  // namespace rt::fiber::detail

namespace rt::fiber {

namespace {
// The slots above, for show-stack and the gdb script (rt/fiber/frame_layout.hpp).
constexpr FrameSlot kSlots[] = {
    {RT_FRAME_X19, 8, "x19", "callee-saved; new context: the function the trampoline calls"},
    {RT_FRAME_X19 + 8, 8, "x20", "callee-saved; new context: the start function's argument"},
    {RT_FRAME_X21, 8, "x21", "callee-saved"},
    {RT_FRAME_X21 + 8, 8, "x22", "callee-saved"},
    {RT_FRAME_X23, 8, "x23", "callee-saved"},
    {RT_FRAME_X23 + 8, 8, "x24", "callee-saved"},
    {RT_FRAME_X25, 8, "x25", "callee-saved"},
    {RT_FRAME_X25 + 8, 8, "x26", "callee-saved"},
    {RT_FRAME_X27, 8, "x27", "callee-saved"},
    {RT_FRAME_X27 + 8, 8, "x28", "callee-saved"},
    {RT_FRAME_X29, 8, "x29 (frame pointer)", "callee-saved; new context: 0 ends the chain"},
    {RT_FRAME_X29 + 8, 8, "x30 (return address)", "ret branches to it; new: the trampoline"},
    {RT_FRAME_D8, 8, "d8", "callee-saved (low 64 bits of v8)"},
    {RT_FRAME_D8 + 8, 8, "d9", "callee-saved"},
    {RT_FRAME_D10, 8, "d10", "callee-saved"},
    {RT_FRAME_D10 + 8, 8, "d11", "callee-saved"},
    {RT_FRAME_D12, 8, "d12", "callee-saved"},
    {RT_FRAME_D12 + 8, 8, "d13", "callee-saved"},
    {RT_FRAME_D14, 8, "d14", "callee-saved"},
    {RT_FRAME_D14 + 8, 8, "d15", "callee-saved"},
};
constexpr std::size_t kFrameEnd = RT_FRAME_SIZE_AAPCS64;
}  // namespace

FrameLayout saved_frame_layout() noexcept {
  return {kSlots, sizeof kSlots / sizeof kSlots[0], kFrameEnd,
          reinterpret_cast<const void*>(&rt_context_trampoline)};
}

}  // namespace rt::fiber
