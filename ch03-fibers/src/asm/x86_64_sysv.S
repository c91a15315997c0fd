/* x86_64_sysv.S: the context switch for x86-64 Linux and macOS (System V AMD64 ABI).
 *
 *   extern "C" void rt_switch_context(void** save_stack_pointer,   // rdi
 *                                     void* load_stack_pointer);   // rsi
 *
 * Saves what the ABI says a function must preserve for its caller (the callee-saved
 * state) on the current stack, stores the stack pointer in *save_stack_pointer, loads
 * load_stack_pointer and restores the same state from there. It "returns" into whichever
 * context saved that stack pointer, or, for a new one, into rt_context_trampoline.
 *
 * Saved (SysV ABI 3.2.1, "registers ... belong to the calling function"):
 *   rbx, rbp, r12-r15;
 *   the MXCSR control bits and the x87 control word ("callee-saved" per 3.2.1), so a fiber
 *   that changes the rounding mode does not change it for the others.
 * Deliberately NOT saved:
 *   rax, rcx, rdx, rsi, rdi, r8-r11, xmm0-xmm15, the x87 stack: caller-saved; the compiler
 *   already assumes the call destroyed them.
 *   rflags: DF is clear at every call (ABI), the rest is status.
 *   fs (the thread pointer): fibers switched on one thread share its thread_locals.
 * Why `ret` and not Boost's `pop %r8; jmp *%r8`: a ret to another context's address always
 *   mispredicts (the CPU's return-stack buffer expected the caller), so a bare ping-pong
 *   costs 29 ns here against Boost's 10 ns. But jmp leaves one return-stack entry behind
 *   per switch, and every later ret in every fiber then mispredicts: Scheduler's yield
 *   round trip went from 70 ns to 300 ns when we tried it (README, "Performance").
 * Not supported: CET shadow stacks. `ret` here returns to another context's address, which
 *   a shadow stack would refuse; this file carries no .note.gnu.property, so the linker
 *   marks the program as not shadow-stack compatible and the OS leaves it off.
 *
 * Frame, from the saved stack pointer up (offsets: x86_64_sysv_layout.h):
 *     +0x38  return address   pushed by the caller's call, taken by ret
 *     +0x30  rbp
 *     +0x28  rbx
 *     +0x20  r15   +0x18  r14   +0x10  r13   +0x08  r12
 *     +0x04  x87 control word
 *     +0x00  MXCSR            <- saved stack pointer, 16-byte aligned
 */
#if !defined(__x86_64__) || defined(_WIN32)
#error "x86_64_sysv.S is the System V context switch: x86-64 Linux and macOS only"
#endif
#include "x86_64_sysv_layout.h"

#if defined(__APPLE__)
#define RT_SYMBOL(name) _##name  /* Mach-O prefixes C symbols with an underscore */
#define RT_FUNCTION_TYPE(name)
#define RT_FUNCTION_SIZE(name)
#else
#define RT_SYMBOL(name) name
#define RT_FUNCTION_TYPE(name) .type name, @function
#define RT_FUNCTION_SIZE(name) .size name, .-name  /* for perf, gdb, objdump */
#endif

  .text
  .globl RT_SYMBOL(rt_switch_context)
  RT_FUNCTION_TYPE(rt_switch_context)
  .p2align 4
RT_SYMBOL(rt_switch_context):
  .cfi_startproc
  subq $RT_FRAME_SIZE, %rsp
  .cfi_adjust_cfa_offset RT_FRAME_SIZE
  stmxcsr RT_FRAME_MXCSR(%rsp)
  fnstcw RT_FRAME_X87_CONTROL(%rsp)
  movq %r12, RT_FRAME_R12(%rsp)
  movq %r13, RT_FRAME_R13(%rsp)
  movq %r14, RT_FRAME_R14(%rsp)
  movq %r15, RT_FRAME_R15(%rsp)
  movq %rbx, RT_FRAME_RBX(%rsp)
  movq %rbp, RT_FRAME_RBP(%rsp)

  movq %rsp, (%rdi)            /* *save_stack_pointer = rsp: this context is now suspended */
  movq %rsi, %rsp              /* the other context's stack, same frame shape */

  ldmxcsr RT_FRAME_MXCSR(%rsp)
  fldcw RT_FRAME_X87_CONTROL(%rsp)
  movq RT_FRAME_R12(%rsp), %r12
  movq RT_FRAME_R13(%rsp), %r13
  movq RT_FRAME_R14(%rsp), %r14
  movq RT_FRAME_R15(%rsp), %r15
  movq RT_FRAME_RBX(%rsp), %rbx
  movq RT_FRAME_RBP(%rsp), %rbp
  addq $RT_FRAME_SIZE, %rsp
  .cfi_adjust_cfa_offset -RT_FRAME_SIZE
  ret                          /* into the other context */
  .cfi_endproc
  RT_FUNCTION_SIZE(rt_switch_context)

/* The first code a new context runs, entered by the ret above with the frame that
 * first_frame_x86_64_sysv.cpp built: rbx = start function, r12 = its argument, and rsp
 * 16-byte aligned, so the call below enters start with rsp = 8 (mod 16) as the ABI
 * requires. start must never return; if it does, ud2 stops the process at once. */
  .globl RT_SYMBOL(rt_context_trampoline)
  RT_FUNCTION_TYPE(rt_context_trampoline)
  .p2align 4
RT_SYMBOL(rt_context_trampoline):
  .cfi_startproc
  .cfi_undefined rip           /* the outermost frame: debuggers' backtraces end here */
  movq %r12, %rdi              /* start(argument) */
  call *%rbx
  ud2                          /* start returned: a defined crash, not a jump into garbage */
  .cfi_endproc
  RT_FUNCTION_SIZE(rt_context_trampoline)

#if defined(__ELF__)
  .section .note.GNU-stack, "", @progbits  /* this code needs no executable stack */
#endif
