/* x86_64_sysv.S: the context switch for x86-64 Linux and macOS (System V AMD64 ABI, LP64).
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
 *   MXCSR and the x87 control word: their control bits are "callee-saved" per 3.2.1, so a
 *   fiber that changes the rounding mode does not change it for the others.
 * Deliberately NOT saved:
 *   rax, rcx, rdx, rsi, rdi, r8-r11, xmm0-xmm15, the x87 stack: caller-saved; the compiler
 *   already assumes the call destroyed them.
 *   MXCSR's status flags (bits 0-5) and the x87 status word: caller-saved status.
 *   rflags: DF is clear at every call (ABI), the rest is status.
 *   fs (the thread pointer): fibers switched on one thread share its thread_locals.
 * How the control words are restored: two ways with the same result, chosen at run time by
 *   one byte, rt_context_control_words_always_load (context.hpp, ControlWordLoad): the
 *   control bits end up as the resumed context saved them either way, and the status
 *   flags are caller-saved. Which is cheaper depends on the CPU (README, "Performance"):
 *   - when they differ (0, the default except on AMD and Hygon CPUs): compare, load only
 *     what differs. On an Intel Xeon an unconditional ldmxcsr, followed by `ret`s, made a
 *     Scheduler yield round trip many times slower than the compare did.
 *   - always (1, the default on AMD and Hygon): load both, as Boost.Context does. On an
 *     AMD EPYC (Zen 1) the compare was the slower: it reads back the word stmxcsr just
 *     stored, and that load waits on stmxcsr.
 *   The figures are in the README's measured table ("Performance"); `bench` measures both
 *   policies on the CPU it runs on.
 *   The byte is set before fibers run and never changes under them, so its branch is
 *   always predicted.
 * Why `pop; jmp` (as Boost.Context's jump_fcontext) and not `ret`: the CPU predicts a `ret`
 *   from its return-stack buffer, which holds the return address of *this* context's call,
 *   so a `ret` into the other context is mispredicted on every switch. An indirect `jmp` is
 *   predicted by the branch target predictor, which learns the other context's address.
 *   The price: the `call` that entered the switch stays on the return-stack buffer, so the
 *   resumed context's next `ret`s are predicted from stale entries; the jmp moves those
 *   mispredictions later, it does not remove them. Measured, the `jmp` still won by several
 *   times, for a bare round trip and for a Scheduler yield round trip (the README's
 *   "Performance" has the figures; lab 2 repeats the measurement).
 * CET: not compatible, and the object carries no GNU property note to claim otherwise.
 *   Indirect branch tracking would fault on the `jmp` (its target, the instruction after
 *   some `call rt_switch_context`, is no endbr64; `notrack jmp` could avoid that, not used
 *   here), and a shadow stack on the resumed context's first unmatched `ret`. The linker
 *   ANDs the notes of all objects, and a missing note counts as neither, so a program that
 *   links this file is built without IBT or shadow stacks (unless forced with `-z ibt` /
 *   `-z shstk`, which would make it fault). Linux has no user-mode IBT today; it does have
 *   user shadow stacks (6.6+). Check: `readelf -n`.
 *
 * Frame, from the saved stack pointer up (offsets: x86_64_sysv_layout.h):
 *     +0x38  return address   pushed by the caller's call, popped and jumped to
 *     +0x30  rbp
 *     +0x28  rbx
 *     +0x20  r15   +0x18  r14   +0x10  r13   +0x08  r12
 *     +0x04  x87 control word
 *     +0x00  MXCSR            <- saved stack pointer, 16-byte aligned
 */
#if !defined(__x86_64__) || defined(__ILP32__) || defined(_WIN32) || defined(__CYGWIN__)
#error "x86_64_sysv.S is the System V LP64 context switch: x86-64 Linux and macOS only"
#endif
#include "x86_64_sysv_layout.h"

#if defined(__APPLE__)
#define RT_SYMBOL(name) _##name  /* Mach-O prefixes C symbols with an underscore */
#define RT_FUNCTION_TYPE(name)
#define RT_FUNCTION_SIZE(name)
#define RT_HIDDEN(name) .private_extern _##name
#else
#define RT_SYMBOL(name) name
#define RT_FUNCTION_TYPE(name) .type name, @function
#define RT_FUNCTION_SIZE(name) .size name, .-name  /* for perf, gdb, objdump */
#define RT_HIDDEN(name) .hidden name
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

  cmpb $0, RT_SYMBOL(rt_context_control_words_always_load)(%rip)
  jne 5f                       /* the "always" policy: load both (below) */

  /* Compare the control words first, while this stack is still ours alone: once its
   * stack pointer is published below, another thread may resume it (chapter 6). */
  movl RT_FRAME_MXCSR(%rsi), %eax
  xorl RT_FRAME_MXCSR(%rsp), %eax          /* eax: the MXCSR bits that differ */
  movzwl RT_FRAME_X87_CONTROL(%rsi), %r10d
  xorw RT_FRAME_X87_CONTROL(%rsp), %r10w   /* r10w: the x87 control bits that differ */

  movq %rsp, (%rdi)            /* *save_stack_pointer = rsp: this context is now suspended */
  movq %rsi, %rsp              /* the other context's stack, same frame shape */

  testl $RT_MXCSR_CONTROL_BITS, %eax
  jnz 1f                       /* its MXCSR control bits differ: load them (below) */
2:
  testw %r10w, %r10w
  jnz 3f                       /* its x87 control word differs: load it (below) */
4:
  movq RT_FRAME_R12(%rsp), %r12
  movq RT_FRAME_R13(%rsp), %r13
  movq RT_FRAME_R14(%rsp), %r14
  movq RT_FRAME_R15(%rsp), %r15
  movq RT_FRAME_RBX(%rsp), %rbx
  movq RT_FRAME_RBP(%rsp), %rbp
  .cfi_remember_state
  addq $RT_FRAME_SIZE, %rsp
  .cfi_adjust_cfa_offset -RT_FRAME_SIZE
  popq %r8                     /* the other context's return address */
  .cfi_adjust_cfa_offset -8
  jmp *%r8                     /* into the other context */
  int3                         /* never reached; stops straight-line speculation */
  .cfi_restore_state           /* the out-of-line loads below run inside the frame */
1:
  ldmxcsr RT_FRAME_MXCSR(%rsp)
  jmp 2b
3:
  fldcw RT_FRAME_X87_CONTROL(%rsp)
  jmp 4b
5:
  movq %rsp, (%rdi)            /* as above: suspended */
  movq %rsi, %rsp
  ldmxcsr RT_FRAME_MXCSR(%rsp)
  fldcw RT_FRAME_X87_CONTROL(%rsp)
  jmp 4b
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

/* The policy byte (0: load the control words when they differ, 1: always), written by
 * set_control_word_load (control_words_x86_64.cpp) before fibers run. Hidden: the switch
 * reads it RIP-relative, which a symbol another module could interpose would not allow. */
  .data
  .globl RT_SYMBOL(rt_context_control_words_always_load)
  RT_HIDDEN(rt_context_control_words_always_load)
RT_SYMBOL(rt_context_control_words_always_load):
  .byte 0

#if defined(__ELF__)
  .section .note.GNU-stack, "", @progbits  /* this code needs no executable stack */
#endif
