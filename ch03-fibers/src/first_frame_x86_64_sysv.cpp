// The first frame of a new context on x86-64 System V (Linux, macOS), as x86_64_sysv.S
// restores it. Offsets: asm/x86_64_sysv_layout.h, checked below.
//
//   high addresses
//   +--------------------------+ <- high (top of the stack, 16-byte aligned)
//   | return: trampoline       |   the switch pops it and jumps there, rsp = high, 16-byte
//   +--------------------------+   aligned, so the trampoline's `call start` enters start with
//   | rbp = 0                  |   rsp = 8 (mod 16), exactly as after any ABI-conforming call
//   | rbx = start              |   the trampoline calls *rbx ...
//   | r15, r14, r13 = 0        |
//   | r12 = argument           |   ... with rdi = r12
//   | x87 CW, MXCSR            |   the creating thread's control bits (control_words_x86_64.cpp;
//   |                          |   usually SysV 3.4.1's initial 0x037F, 0x1F80)
//   +--------------------------+ <- returned stack pointer = high - 0x40
//   low addresses
//
// rbp = 0 ends frame-pointer chains (and the trampoline's CFI marks the end of the stack
// for DWARF unwinders). If start returns, the trampoline executes ud2.
#include <cstdint>
#include <new>

#include "asm/x86_64_sysv_layout.h"
#include "first_frame.hpp"

namespace rt::fiber::detail {

namespace {

struct Frame {
  std::uint32_t mxcsr;
  std::uint16_t x87_control;
  std::uint16_t padding;
  std::uint64_t r12, r13, r14, r15, rbx, rbp;
  void* return_address;
};
static_assert(offsetof(Frame, mxcsr) == RT_FRAME_MXCSR);
static_assert(offsetof(Frame, x87_control) == RT_FRAME_X87_CONTROL);
static_assert(offsetof(Frame, r12) == RT_FRAME_R12);
static_assert(offsetof(Frame, r13) == RT_FRAME_R13);
static_assert(offsetof(Frame, r14) == RT_FRAME_R14);
static_assert(offsetof(Frame, r15) == RT_FRAME_R15);
static_assert(offsetof(Frame, rbx) == RT_FRAME_RBX);
static_assert(offsetof(Frame, rbp) == RT_FRAME_RBP);
static_assert(offsetof(Frame, return_address) == RT_FRAME_RETURN);
static_assert(sizeof(Frame) % 16 == 0, "the saved stack pointer must stay 16-byte aligned");
static_assert(RT_FRAME_RETURN == RT_FRAME_SIZE, "the switch pops the word right above the frame");
static_assert(RT_FRAME_SIZE % 16 == 8,
              "entered with rsp = 8 (mod 16), the switch must leave rsp 16-byte aligned");

}  // namespace

void* build_first_frame(std::byte* low, std::byte* high, StackExtent extent, void (*start)(void*),
                        void* argument) {
  (void)low, (void)extent;  // no TEB to describe the stack to
  auto top = reinterpret_cast<std::uintptr_t>(high) & ~std::uintptr_t{15};
  auto* at = reinterpret_cast<std::byte*>(top - sizeof(Frame));
  // Built in place: a local copied with memcpy would be written field by field and
  // read back 16 bytes at a time, a store-forwarding stall on every spawn.
  auto* frame = ::new (static_cast<void*>(at)) Frame{};
  const ControlWords words = current_control_words();  // the creating thread's
  frame->mxcsr = words.mxcsr & RT_MXCSR_CONTROL_BITS;  // and no status flag raised
  frame->x87_control = words.x87_control;
  frame->r12 = reinterpret_cast<std::uint64_t>(argument);
  frame->rbx = reinterpret_cast<std::uint64_t>(start);
  frame->rbp = 0;
  frame->return_address = reinterpret_cast<void*>(&rt_context_trampoline);
  return at;
}

}  // namespace rt::fiber::detail

namespace rt::fiber {

namespace {
// The slots above, for show-stack and the gdb script (rt/fiber/frame_layout.hpp).
constexpr FrameSlot kSlots[] = {
    {RT_FRAME_MXCSR, 8, "MXCSR, x87 CW",
     "FP control state, callee-saved (SysV 3.2.1); new context: the creating thread's"},
    {RT_FRAME_R12, 8, "r12", "callee-saved; new context: the start function's argument"},
    {RT_FRAME_R13, 8, "r13", "callee-saved"},
    {RT_FRAME_R14, 8, "r14", "callee-saved"},
    {RT_FRAME_R15, 8, "r15", "callee-saved"},
    {RT_FRAME_RBX, 8, "rbx", "callee-saved; new context: the function the trampoline calls"},
    {RT_FRAME_RBP, 8, "rbp", "callee-saved frame pointer; new context: 0 ends the chain"},
    {RT_FRAME_RETURN, 8, "return address", "popped and jumped to; new context: the trampoline"},
};
constexpr std::size_t kFrameEnd = RT_FRAME_RETURN + 8;
}  // namespace

FrameLayout saved_frame_layout() noexcept {
  return {kSlots, sizeof kSlots / sizeof kSlots[0], kFrameEnd,
          reinterpret_cast<const void*>(&rt_context_trampoline)};
}

}  // namespace rt::fiber
