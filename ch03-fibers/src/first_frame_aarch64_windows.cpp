// The first frame of a new context on ARM64 Windows, as aarch64_windows.S restores it:
// first_frame_aarch64_aapcs64.cpp's frame (read its drawing) plus the TEB stack bounds
// and FPCR.
//
//   +--------------------------+ <- high (16-byte aligned)
//   | (padding), FPCR = 0      |   round to nearest, no flush-to-zero, IEEE NaNs
//   | ExceptionList = end of chain, DeallocationStack = reservation,
//   |   StackLimit = committed low, StackBase = high
//   | d8-d15 = 0, x30 = trampoline, x29 = 0, x21-x28 = 0, x20 = argument, x19 = start
//   +--------------------------+ <- returned stack pointer = high - 0xD0
//
// The trampoline starts with sp = high and pushes a frame record of zeros there (the end of
// the stack for unwinders and frame-pointer walks) before it calls start.
// Why the TEB words, and why DeallocationStack and StackLimit must be exactly the Stack's
// reservation and lowest committed byte: see first_frame_x86_64_win64.cpp.
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
  void* stack_base;
  void* stack_limit;
  void* deallocation_stack;
  void* exception_list;
  std::uint64_t fpcr;
  std::uint64_t padding;
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
static_assert(offsetof(Frame, stack_base) == RT_FRAME_STACK_BASE);
static_assert(offsetof(Frame, stack_limit) == RT_FRAME_STACK_BASE + 8, "ldp/stp pair");
static_assert(offsetof(Frame, deallocation_stack) == RT_FRAME_DEALLOCATION_STACK);
static_assert(offsetof(Frame, exception_list) == RT_FRAME_EXCEPTION_LIST);
static_assert(offsetof(Frame, fpcr) == RT_FRAME_FPCR);
static_assert(sizeof(Frame) == RT_FRAME_SIZE_WINDOWS);
static_assert(sizeof(Frame) % 16 == 0, "sp must stay 16-byte aligned");

// FPCR 0: round to nearest, no flush-to-zero, no default NaN, IEEE half precision.
constexpr std::uint64_t kInitialFpcr = 0;

}  // namespace

void* build_first_frame(std::byte* low, std::byte* high, StackExtent extent, void (*start)(void*),
                        void* argument) {
  (void)low;  // the TEB is told where the memory is committed instead
  auto top = reinterpret_cast<std::uintptr_t>(high) & ~std::uintptr_t{15};
  auto* at = reinterpret_cast<std::byte*>(top - sizeof(Frame));
  // Built in place: a local copied with memcpy would be written field by field and
  // read back 16 bytes at a time, a store-forwarding stall on every spawn.
  auto* frame = ::new (static_cast<void*>(at)) Frame{};
  frame->x19 = reinterpret_cast<std::uint64_t>(start);
  frame->x20 = reinterpret_cast<std::uint64_t>(argument);
  frame->x30 = reinterpret_cast<void*>(&rt_context_trampoline);
  frame->stack_base = high;
  frame->stack_limit = extent.committed_low;
  frame->deallocation_stack = extent.reservation;
  frame->exception_list = reinterpret_cast<void*>(~std::uintptr_t{0});  // EXCEPTION_CHAIN_END
  frame->fpcr = kInitialFpcr;
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
    {RT_FRAME_STACK_BASE, 8, "TEB StackBase", "this stack's top, for exception dispatch"},
    {RT_FRAME_STACK_BASE + 8, 8, "TEB StackLimit", "this stack's lowest committed byte"},
    {RT_FRAME_DEALLOCATION_STACK, 8, "TEB DeallocationStack", "this stack's reservation"},
    {RT_FRAME_EXCEPTION_LIST, 8, "TEB ExceptionList", "SEH chain head"},
    {RT_FRAME_FPCR, 8, "FPCR", "rounding mode, flush-to-zero: non-volatile on Windows; new: 0"},
};
constexpr std::size_t kFrameEnd = RT_FRAME_SIZE_WINDOWS;
}  // namespace

FrameLayout saved_frame_layout() noexcept {
  return {kSlots, sizeof kSlots / sizeof kSlots[0], kFrameEnd,
          reinterpret_cast<const void*>(&rt_context_trampoline)};
}

}  // namespace rt::fiber
