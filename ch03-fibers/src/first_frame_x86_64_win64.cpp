// The first frame of a new context on x86-64 Windows, as x86_64_win64.S (and the MASM
// twin) restores it. Offsets: asm/x86_64_win64_layout.h, checked below.
//
//   high addresses
//   +-----------------------------+ <- high (top of the stack, 16-byte aligned)
//   | (8 bytes unused)            |
//   | 0: end of stack             |   the trampoline's "return address": unwinders stop
//   +-----------------------------+   <- rsp when the trampoline starts: 16-byte aligned;
//   | return: trampoline          |      it reserves 32 bytes of home space and calls
//   | ExceptionList = end of chain|      start, which so enters with rsp = 8 (mod 16)
//   | x87 CW, MXCSR               |   the creating thread's control bits: x87 0x037F under
//   |                             |   MinGW (80-bit long double), 0x027F under MSVC
//   | TEB: DeallocationStack = reservation, StackLimit = committed low, StackBase = high
//   | r15-r13 = 0, r12 = argument, rsi, rdi, rbp = 0, rbx = start
//   | xmm6-xmm15 = 0              |
//   +-----------------------------+ <- returned stack pointer = high - 0x120
//   low addresses
//
// The TEB words describe this stack to Windows once the context runs, and each must be
// exact. DeallocationStack is where the stack's reservation begins: the kernel (and Wine)
// grows a stack only from a guard page between DeallocationStack and StackBase, and raises
// STATUS_STACK_OVERFLOW when growth reaches the guarantee above DeallocationStack
// (stack_win32.cpp draws it). StackLimit is the lowest committed address, with the guard
// page right below it: __chkstk (MSVC) probes only the pages below StackLimit, so a limit
// too low lets a large frame skip the guard page into reserved memory (an access violation);
// exception dispatch and unwinding refuse frames below StackLimit, so a limit too high
// breaks a C++ throw from a deep frame. On a Stack both come from the Stack (its recorded
// committed low is exact also when a pooled stack has grown); on a buffer both are `low`.
// ExceptionList starts as an empty chain (x86_64_win64.S says why it is swapped at all).
// If start returns, the trampoline executes ud2.
#include <cstdint>
#include <new>

#include "asm/x86_64_win64_layout.h"
#include "first_frame.hpp"

namespace rt::fiber::detail {

namespace {

struct alignas(16) Xmm {
  std::uint64_t low, high;
};

struct Frame {
  Xmm xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15;
  std::uint64_t rbx, rbp, rdi, rsi, r12, r13, r14, r15;
  void* stack_base;
  void* stack_limit;
  void* deallocation_stack;
  std::uint32_t mxcsr;
  std::uint16_t x87_control;
  std::uint16_t padding;
  void* exception_list;
  void* return_address;
  void* end_of_stack;  // the trampoline's return address: 0
};
static_assert(offsetof(Frame, xmm6) == RT_FRAME_XMM6);
static_assert(offsetof(Frame, xmm7) == RT_FRAME_XMM7);
static_assert(offsetof(Frame, xmm8) == RT_FRAME_XMM8);
static_assert(offsetof(Frame, xmm9) == RT_FRAME_XMM9);
static_assert(offsetof(Frame, xmm10) == RT_FRAME_XMM10);
static_assert(offsetof(Frame, xmm11) == RT_FRAME_XMM11);
static_assert(offsetof(Frame, xmm12) == RT_FRAME_XMM12);
static_assert(offsetof(Frame, xmm13) == RT_FRAME_XMM13);
static_assert(offsetof(Frame, xmm14) == RT_FRAME_XMM14);
static_assert(offsetof(Frame, xmm15) == RT_FRAME_XMM15);
static_assert(offsetof(Frame, rbx) == RT_FRAME_RBX);
static_assert(offsetof(Frame, rbp) == RT_FRAME_RBP);
static_assert(offsetof(Frame, rdi) == RT_FRAME_RDI);
static_assert(offsetof(Frame, rsi) == RT_FRAME_RSI);
static_assert(offsetof(Frame, r12) == RT_FRAME_R12);
static_assert(offsetof(Frame, r13) == RT_FRAME_R13);
static_assert(offsetof(Frame, r14) == RT_FRAME_R14);
static_assert(offsetof(Frame, r15) == RT_FRAME_R15);
static_assert(offsetof(Frame, stack_base) == RT_FRAME_STACK_BASE);
static_assert(offsetof(Frame, stack_limit) == RT_FRAME_STACK_LIMIT);
static_assert(offsetof(Frame, deallocation_stack) == RT_FRAME_DEALLOCATION_STACK);
static_assert(offsetof(Frame, mxcsr) == RT_FRAME_MXCSR);
static_assert(offsetof(Frame, exception_list) == RT_FRAME_EXCEPTION_LIST);
static_assert(offsetof(Frame, x87_control) == RT_FRAME_X87_CONTROL);
static_assert(offsetof(Frame, return_address) == RT_FRAME_RETURN);
static_assert(offsetof(Frame, end_of_stack) % 16 == 0, "the trampoline starts aligned");
static_assert(RT_FRAME_RETURN == RT_FRAME_SIZE, "the switch pops the word right above the frame");
static_assert(RT_FRAME_SIZE % 16 == 8,
              "entered with rsp = 8 (mod 16), the switch must leave rsp 16-byte aligned "
              "(movaps needs it for xmm6-xmm15)");

// The value that ends an SEH registration chain (EXCEPTION_CHAIN_END in winnt.h).
void* const kEndOfExceptionChain = reinterpret_cast<void*>(~std::uintptr_t{0});

}  // namespace

void* build_first_frame(std::byte* low, std::byte* high, StackExtent extent, void (*start)(void*),
                        void* argument) {
  (void)low;  // the TEB is told where the memory is committed instead
  auto top = reinterpret_cast<std::uintptr_t>(high) & ~std::uintptr_t{15};
  // sizeof(Frame) is 0x120 (alignas pads the end): the frame ends 8 bytes below `top`.
  auto* at = reinterpret_cast<std::byte*>(top - sizeof(Frame));
  // Built in place: a local copied with memcpy would be written field by field and
  // read back 16 bytes at a time, a store-forwarding stall on every spawn.
  auto* frame = ::new (static_cast<void*>(at)) Frame{};
  frame->rbx = reinterpret_cast<std::uint64_t>(start);
  frame->r12 = reinterpret_cast<std::uint64_t>(argument);
  frame->stack_base = high;
  frame->stack_limit = extent.committed_low;
  frame->deallocation_stack = extent.reservation;
  const ControlWords words = current_control_words();  // the creating thread's
  frame->mxcsr = words.mxcsr & RT_MXCSR_CONTROL_BITS;  // and no status flag raised
  frame->x87_control = words.x87_control;
  frame->exception_list = kEndOfExceptionChain;
  frame->return_address = reinterpret_cast<void*>(&rt_context_trampoline);
  frame->end_of_stack = nullptr;
  return at;
}

}  // namespace rt::fiber::detail

namespace rt::fiber {

namespace {
// The slots above, for show-stack and the gdb script (rt/fiber/frame_layout.hpp).
constexpr FrameSlot kSlots[] = {
    {RT_FRAME_XMM6, 16, "xmm6", "callee-saved in the Microsoft x64 convention"},
    {RT_FRAME_XMM7, 16, "xmm7", "callee-saved"},
    {RT_FRAME_XMM8, 16, "xmm8", "callee-saved"},
    {RT_FRAME_XMM9, 16, "xmm9", "callee-saved"},
    {RT_FRAME_XMM10, 16, "xmm10", "callee-saved"},
    {RT_FRAME_XMM11, 16, "xmm11", "callee-saved"},
    {RT_FRAME_XMM12, 16, "xmm12", "callee-saved"},
    {RT_FRAME_XMM13, 16, "xmm13", "callee-saved"},
    {RT_FRAME_XMM14, 16, "xmm14", "callee-saved"},
    {RT_FRAME_XMM15, 16, "xmm15", "callee-saved"},
    {RT_FRAME_RBX, 8, "rbx", "callee-saved; new context: the function the trampoline calls"},
    {RT_FRAME_RBP, 8, "rbp", "callee-saved; new context: 0"},
    {RT_FRAME_RDI, 8, "rdi", "callee-saved on Windows (not on System V)"},
    {RT_FRAME_RSI, 8, "rsi", "callee-saved on Windows (not on System V)"},
    {RT_FRAME_R12, 8, "r12", "callee-saved; new context: the start function's argument"},
    {RT_FRAME_R13, 8, "r13", "callee-saved"},
    {RT_FRAME_R14, 8, "r14", "callee-saved"},
    {RT_FRAME_R15, 8, "r15", "callee-saved"},
    {RT_FRAME_STACK_BASE, 8, "TEB StackBase", "this stack's top, for exception dispatch"},
    {RT_FRAME_STACK_LIMIT, 8, "TEB StackLimit", "this stack's lowest committed byte"},
    {RT_FRAME_DEALLOCATION_STACK, 8, "TEB DeallocationStack", "this stack's reservation"},
    {RT_FRAME_MXCSR, 8, "MXCSR, x87 CW",
     "FP control state, callee-saved; new context: the creating thread's"},
    {RT_FRAME_EXCEPTION_LIST, 8, "TEB ExceptionList", "SEH chain head (Wine walks it)"},
    {RT_FRAME_RETURN, 8, "return address", "popped and jumped to; new context: the trampoline"},
};
constexpr std::size_t kFrameEnd = RT_FRAME_RETURN + 8;
}  // namespace

FrameLayout saved_frame_layout() noexcept {
  return {kSlots, sizeof kSlots / sizeof kSlots[0], kFrameEnd,
          reinterpret_cast<const void*>(&rt_context_trampoline)};
}

}  // namespace rt::fiber
