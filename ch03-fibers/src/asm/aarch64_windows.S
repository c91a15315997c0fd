/* aarch64_windows.S: the context switch for ARM64 Windows (AAPCS64 as Windows uses it),
 * in GNU syntax for clang (--target=aarch64-pc-windows-msvc or -gnu).
 *
 *   extern "C" void rt_switch_context(void** save_stack_pointer,   // x0
 *                                     void* load_stack_pointer);   // x1
 *
 * The same callee-saved state as aarch64_aapcs64.S (x19-x30, d8-d15; see its header for
 * what is deliberately not saved), plus three words of the thread's TEB, which x18 always
 * points at on Windows: StackBase and StackLimit (exception dispatch and unwinding refuse
 * frames outside them; __chkstk probes against StackLimit) and DeallocationStack (the
 * bottom of the allocation); and ExceptionList, for Wine (x86_64_win64.S says why). x18
 * itself is read, never written.
 *
 * Frame, from the saved stack pointer up (offsets: aarch64_aapcs64_layout.h):
 *     +0xB8  TEB ExceptionList    +0xB0  TEB DeallocationStack
 *     +0xA8  TEB StackLimit       +0xA0  TEB StackBase
 *     +0x60..+0x9F  d8-d15        +0x00..+0x5F  x19-x30   <- saved sp, 16-byte aligned
 */
#if !defined(__aarch64__) || !defined(_WIN32)
#error "aarch64_windows.S is the ARM64 Windows context switch only"
#endif
#include "aarch64_aapcs64_layout.h"

  .text
  .globl rt_switch_context
  .p2align 4
rt_switch_context:
  sub sp, sp, #RT_FRAME_SIZE_WINDOWS
  stp x19, x20, [sp, #RT_FRAME_X19]
  stp x21, x22, [sp, #RT_FRAME_X21]
  stp x23, x24, [sp, #RT_FRAME_X23]
  stp x25, x26, [sp, #RT_FRAME_X25]
  stp x27, x28, [sp, #RT_FRAME_X27]
  stp x29, x30, [sp, #RT_FRAME_X29]
  stp d8, d9, [sp, #RT_FRAME_D8]
  stp d10, d11, [sp, #RT_FRAME_D10]
  stp d12, d13, [sp, #RT_FRAME_D12]
  stp d14, d15, [sp, #RT_FRAME_D14]
  ldp x10, x11, [x18, #RT_TEB_STACK_BASE]         /* StackBase, StackLimit */
  stp x10, x11, [sp, #RT_FRAME_STACK_BASE]
  ldr x10, [x18, #RT_TEB_DEALLOCATION_STACK]
  str x10, [sp, #RT_FRAME_DEALLOCATION_STACK]
  ldr x10, [x18, #RT_TEB_EXCEPTION_LIST]
  str x10, [sp, #RT_FRAME_EXCEPTION_LIST]

  mov x9, sp
  str x9, [x0]                 /* *save_stack_pointer = sp (str cannot store sp itself) */
  mov sp, x1                   /* the other context's stack, same frame shape */

  ldp x19, x20, [sp, #RT_FRAME_X19]
  ldp x21, x22, [sp, #RT_FRAME_X21]
  ldp x23, x24, [sp, #RT_FRAME_X23]
  ldp x25, x26, [sp, #RT_FRAME_X25]
  ldp x27, x28, [sp, #RT_FRAME_X27]
  ldp x29, x30, [sp, #RT_FRAME_X29]
  ldp d8, d9, [sp, #RT_FRAME_D8]
  ldp d10, d11, [sp, #RT_FRAME_D10]
  ldp d12, d13, [sp, #RT_FRAME_D12]
  ldp d14, d15, [sp, #RT_FRAME_D14]
  ldp x10, x11, [sp, #RT_FRAME_STACK_BASE]
  stp x10, x11, [x18, #RT_TEB_STACK_BASE]
  ldr x10, [sp, #RT_FRAME_DEALLOCATION_STACK]
  str x10, [x18, #RT_TEB_DEALLOCATION_STACK]
  ldr x10, [sp, #RT_FRAME_EXCEPTION_LIST]
  str x10, [x18, #RT_TEB_EXCEPTION_LIST]
  add sp, sp, #RT_FRAME_SIZE_WINDOWS
  ret                          /* to x30: into the other context */

/* The first code a new context runs (see aarch64_aapcs64.S): x19 = start, x20 = argument. */
  .globl rt_context_trampoline
  .p2align 4
rt_context_trampoline:
  mov x0, x20                  /* start(argument) */
  blr x19
  brk #0xf000                  /* start returned: a defined crash, not a jump into garbage */
