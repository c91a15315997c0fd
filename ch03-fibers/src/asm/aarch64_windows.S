/* aarch64_windows.S: the context switch for ARM64 Windows (AAPCS64 as Windows uses it),
 * in GNU syntax for clang (--target=aarch64-pc-windows-msvc or -gnu).
 *
 *   extern "C" void rt_switch_context(void** save_stack_pointer,   // x0
 *                                     void* load_stack_pointer);   // x1
 *
 * The same callee-saved state as aarch64_aapcs64.S (x19-x30, d8-d15; see its header for
 * what is deliberately not saved), plus:
 *   FPCR: Microsoft's ARM64 ABI makes its AHP, DN, FZ and RMode bits non-volatile, where
 *     AAPCS64 leaves FPCR to the thread; so here, as on x86-64, a fiber's rounding mode
 *     stays its own. A new context starts with 0: round to nearest, no flush-to-zero.
 *   four words of the thread's TEB, which x18 always points at on Windows: StackBase and
 *     StackLimit (exception dispatch and unwinding refuse frames outside them; __chkstk
 *     probes against StackLimit; the kernel lowers it as the stack grows),
 *     DeallocationStack (the bottom of the stack's reservation, so that the kernel grows
 *     a fiber's stack as it does a thread's: first_frame_x86_64_win64.cpp), and
 *     ExceptionList, for Wine (x86_64_win64.S says why). x18 itself is read, never written.
 * Unwind data (.seh_*): Windows requires it of every function that is not a leaf. The
 *   switch declares its stack allocation; the trampoline pushes a frame record of zeros
 *   and points x29 at it, so an unwinder that reaches it restores lr = 0 and stops there.
 *
 * Frame, from the saved stack pointer up (offsets: aarch64_aapcs64_layout.h):
 *     +0xC8  (padding)            +0xC0  FPCR
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
  .def rt_switch_context; .scl 2; .type 32; .endef
  .p2align 4
rt_switch_context:
  .seh_proc rt_switch_context
  sub sp, sp, #RT_FRAME_SIZE_WINDOWS
  .seh_stackalloc RT_FRAME_SIZE_WINDOWS
  .seh_endprologue
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
  mrs x10, fpcr
  str x10, [sp, #RT_FRAME_FPCR]

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
  ldr x10, [sp, #RT_FRAME_FPCR]
  msr fpcr, x10

  .seh_startepilogue
  add sp, sp, #RT_FRAME_SIZE_WINDOWS
  .seh_stackalloc RT_FRAME_SIZE_WINDOWS
  .seh_endepilogue
  ret                          /* to x30: into the other context */
  .seh_endproc

/* The first code a new context runs (see aarch64_aapcs64.S): x19 = start, x20 = argument,
 * sp = the top of the first frame, 16-byte aligned. */
  .globl rt_context_trampoline
  .def rt_context_trampoline; .scl 2; .type 32; .endef
  .p2align 4
rt_context_trampoline:
  .seh_proc rt_context_trampoline
  stp xzr, xzr, [sp, #-16]!    /* a frame record {x29 = 0, x30 = 0}: the end of the stack */
  .seh_save_fplr_x 16
  mov x29, sp                  /* frame-pointer chains end here too */
  .seh_set_fp
  .seh_endprologue
  mov x0, x20                  /* start(argument) */
  blr x19
  brk #0xf000                  /* start returned: a defined crash, not a jump into garbage */
  .seh_endproc
