/* x86_64_sysv.S: the context switch for x86-64 Linux and macOS (System V AMD64 ABI, LP64).
 *
 *   extern "C" void rt_switch_context(void** save_stack_pointer,   // rdi
 *                                     void* load_stack_pointer);   // rsi
 *
 * Saves the state a function must preserve for its caller on the current stack, stores the
 * stack pointer in *save_stack_pointer, loads load_stack_pointer and restores the same state
 * from there. It "returns" into whichever context saved that stack pointer, or, for a new
 * one, into rt_context_trampoline (first_frame_x86_64_sysv.cpp draws that frame).
 *
 * Saved, because the ABI makes them callee-saved (SysV AMD64 ABI 3.2.1, "registers ...
 * belong to the calling function"):
 *   rbx, rbp, r12-r15;
 *   the control bits of MXCSR and the x87 control word (rounding, precision, exception
 *   masks, flush-to-zero): so a fiber that changes its rounding mode keeps it to itself.
 * Deliberately NOT saved:
 *   rax, rcx, rdx, rsi, rdi, r8-r11, xmm0-xmm15, the x87 stack: caller-saved; the compiler
 *     already assumes that the call destroyed them.
 *   MXCSR's status flags (bits 0-5), the x87 status word, rflags: status, caller-saved
 *     (and DF is clear at every call).
 *   fs (the thread pointer): fibers switched on one thread share its thread_locals.
 *
 * Frame, from the saved stack pointer up (offsets: x86_64_sysv_layout.h):
 *     +0x38  return address   pushed by the caller's call, popped and jumped to
 *     +0x30  rbp
 *     +0x28  rbx
 *     +0x20  r15   +0x18  r14   +0x10  r13   +0x08  r12
 *     +0x04  x87 control word
 *     +0x00  MXCSR            <- saved stack pointer, 16-byte aligned
 *
 * Two routines build and read that frame: rt_switch_context loads both control words on
 * every switch, as Boost.Context does; rt_switch_context_compare_control_words, at the end
 * of the file, loads only those that differ. Either can resume a frame the other saved.
 * switch_context (rt/fiber/context.hpp) calls the one rt::fiber::set_control_word_load chose.
 */
#if !defined(__x86_64__) || defined(__ILP32__) || defined(_WIN32) || defined(__CYGWIN__)
#error "x86_64_sysv.S is the System V LP64 context switch: x86-64 Linux and macOS only"
#endif
#include "x86_64_sysv_layout.h"

#if defined(__APPLE__)
#define RT_SYMBOL(name) _##name  /* Mach-O prefixes C symbols with an underscore */
#define RT_LOCAL(name) L##name   /* and keeps labels out of the symbol table with an L */
#define RT_FUNCTION_TYPE(name)
#define RT_FUNCTION_SIZE(name)
#else
#define RT_SYMBOL(name) name
#define RT_LOCAL(name) .L##name
#define RT_FUNCTION_TYPE(name) .type name, @function
#define RT_FUNCTION_SIZE(name) .size name, .-name  /* for perf, gdb, objdump */
#endif

/* The six callee-saved general registers, stored and loaded in the same order. */
.macro RT_STORE_GENERAL_REGISTERS
  movq %r12, RT_FRAME_R12(%rsp)
  movq %r13, RT_FRAME_R13(%rsp)
  movq %r14, RT_FRAME_R14(%rsp)
  movq %r15, RT_FRAME_R15(%rsp)
  movq %rbx, RT_FRAME_RBX(%rsp)
  movq %rbp, RT_FRAME_RBP(%rsp)
.endm
.macro RT_LOAD_GENERAL_REGISTERS
  movq RT_FRAME_R12(%rsp), %r12
  movq RT_FRAME_R13(%rsp), %r13
  movq RT_FRAME_R14(%rsp), %r14
  movq RT_FRAME_R15(%rsp), %r15
  movq RT_FRAME_RBX(%rsp), %rbx
  movq RT_FRAME_RBP(%rsp), %rbp
.endm

  .text
  .globl RT_SYMBOL(rt_switch_context)
  RT_FUNCTION_TYPE(rt_switch_context)
  .p2align 4
RT_SYMBOL(rt_switch_context):
  .cfi_startproc
  subq $RT_FRAME_SIZE, %rsp    /* the frame, below the return address the call pushed */
  .cfi_adjust_cfa_offset RT_FRAME_SIZE
  stmxcsr RT_FRAME_MXCSR(%rsp)
  fnstcw RT_FRAME_X87_CONTROL(%rsp)
  RT_STORE_GENERAL_REGISTERS

  movq %rsp, (%rdi)            /* *save_stack_pointer = rsp: this context is now suspended */
  movq %rsi, %rsp              /* the other context's stack, same frame shape */

  ldmxcsr RT_FRAME_MXCSR(%rsp) /* its control bits (its stale status flags: caller-saved) */
  fldcw RT_FRAME_X87_CONTROL(%rsp)
  RT_LOAD_GENERAL_REGISTERS
  addq $RT_FRAME_SIZE, %rsp
  .cfi_adjust_cfa_offset -RT_FRAME_SIZE
  /* pop and jmp, not ret: a ret is predicted from the return-stack buffer, which holds
   * *this* context's return address, so it would mispredict on every switch; the indirect
   * jmp is predicted from where this switch went before (README, "Performance"). */
  popq %r8                     /* the other context's return address */
  .cfi_adjust_cfa_offset -8
  jmp *%r8                     /* into the other context */
  int3                         /* never reached; stops straight-line speculation */
  .cfi_endproc
  RT_FUNCTION_SIZE(rt_switch_context)

/* The first code a new context runs, entered by the jmp above with the frame that
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

/* The same switch, for CPUs where loading MXCSR is slow: it compares the resumed context's
 * control words with the ones in force and loads only what differs, which leaves the same
 * control bits in force. On an Intel Xeon an unconditional ldmxcsr, followed by the resumed
 * context's `ret`s, made a Scheduler yield round trip many times slower; on an AMD EPYC this
 * compare is the slower way (it reads back the word stmxcsr has just stored). The README's
 * "Performance" has the figures, and `ch03-fibers bench` measures both routines. The loads
 * sit out of line, so that the usual case, nothing to load, runs straight through. */
  .globl RT_SYMBOL(rt_switch_context_compare_control_words)
  RT_FUNCTION_TYPE(rt_switch_context_compare_control_words)
  .p2align 4
RT_SYMBOL(rt_switch_context_compare_control_words):
  .cfi_startproc
  subq $RT_FRAME_SIZE, %rsp
  .cfi_adjust_cfa_offset RT_FRAME_SIZE
  stmxcsr RT_FRAME_MXCSR(%rsp)
  fnstcw RT_FRAME_X87_CONTROL(%rsp)
  RT_STORE_GENERAL_REGISTERS

  /* Compare while this stack is still ours alone: once its stack pointer is published
   * below, another thread may resume it (chapter 6). */
  movl RT_FRAME_MXCSR(%rsi), %eax
  xorl RT_FRAME_MXCSR(%rsp), %eax          /* eax: the MXCSR bits that differ */
  movzwl RT_FRAME_X87_CONTROL(%rsi), %r10d
  xorw RT_FRAME_X87_CONTROL(%rsp), %r10w   /* r10w: the x87 control bits that differ */

  movq %rsp, (%rdi)            /* suspended, as in rt_switch_context */
  movq %rsi, %rsp

  testl $RT_MXCSR_CONTROL_BITS, %eax       /* status flags are caller-saved: ignored */
  jnz RT_LOCAL(load_mxcsr)
RT_LOCAL(mxcsr_in_force):
  testw %r10w, %r10w
  jnz RT_LOCAL(load_x87_control)
RT_LOCAL(control_words_in_force):
  RT_LOAD_GENERAL_REGISTERS
  .cfi_remember_state
  addq $RT_FRAME_SIZE, %rsp
  .cfi_adjust_cfa_offset -RT_FRAME_SIZE
  popq %r8
  .cfi_adjust_cfa_offset -8
  jmp *%r8
  int3
  .cfi_restore_state           /* the out-of-line loads run inside the frame */
RT_LOCAL(load_mxcsr):
  ldmxcsr RT_FRAME_MXCSR(%rsp)
  jmp RT_LOCAL(mxcsr_in_force)
RT_LOCAL(load_x87_control):
  fldcw RT_FRAME_X87_CONTROL(%rsp)
  jmp RT_LOCAL(control_words_in_force)
  .cfi_endproc
  RT_FUNCTION_SIZE(rt_switch_context_compare_control_words)

/* CET: not compatible, and this object carries no .note.gnu.property to claim otherwise.
 * Indirect branch tracking would fault on the jmps above (their targets follow some call of
 * a switch routine, where there is no endbr64), a shadow stack on the resumed context's
 * first unmatched ret. The linker ANDs the notes of all objects, so a program that links
 * this one runs without either (README, "Platform notes"; check with `readelf -n`). */
#if defined(__ELF__)
  .section .note.GNU-stack, "", @progbits  /* this code needs no executable stack */
#endif
