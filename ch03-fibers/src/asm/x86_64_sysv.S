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
 *   fiber that changes the rounding mode does not change it for the others. stmxcsr and
 *   ldmxcsr move MXCSR's status flags along with them: allowed, the flags are caller-saved.
 * Deliberately NOT saved:
 *   rax, rcx, rdx, rsi, rdi, r8-r11, xmm0-xmm15, the x87 stack: caller-saved; the compiler
 *   already assumes the call destroyed them.
 *   rflags: DF is clear at every call (ABI), the rest is status.
 *   fs (the thread pointer): fibers switched on one thread share its thread_locals.
 * Why `ret` and not Boost's `pop %r8; jmp *%r8`: the switch was entered by a call, and a
 *   jmp out of it leaves that call's entry in the CPU's return-stack buffer, so the buffer
 *   no longer matches the stack and later rets up the stack mispredict. To compare both on
 *   your machine, run `ch03-fibers switch` (a bare round trip and a Scheduler yield)
 *   before and after the change (README, lab 2).
 * CET: `endbr64` marks rt_switch_context as a valid indirect-branch target (it may be
 *   reached through the PLT); the trampoline is reached by `ret`, which IBT does not check.
 *   RT_GNU_PROPERTY_NOTE marks this file IBT-compatible and NOT shadow-stack compatible:
 *   `ret` here returns to another context's address, which a shadow stack would refuse.
 *   The linker ANDs the notes of all objects, so the program keeps IBT if every other
 *   object has it, and never gets shadow stacks. (Without any note, linking this file
 *   would drop both IBT and shadow-stack marking for the whole program.)
 *   Check: `readelf -n` on a program linked from this object and -fcf-protection=full code.
 *
 * Frame, from the saved stack pointer up (offsets: x86_64_sysv_layout.h):
 *     +0x38  return address   pushed by the caller's call, taken by ret
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
#else
#define RT_SYMBOL(name) name
#define RT_FUNCTION_TYPE(name) .type name, @function
#define RT_FUNCTION_SIZE(name) .size name, .-name  /* for perf, gdb, objdump */
#endif

#if defined(__ELF__)
/* NT_GNU_PROPERTY_TYPE_0 note "GNU": GNU_PROPERTY_X86_FEATURE_1_AND = IBT (bit 0) only. */
#define RT_GNU_PROPERTY_NOTE                                                        \
  .pushsection .note.gnu.property, "a"; .p2align 3;                                \
  .long 4; .long 16; .long 5; .asciz "GNU";                                        \
  .long 0xc0000002; .long 4; .long 1; .p2align 3;                                  \
  .popsection
#else
#define RT_GNU_PROPERTY_NOTE /* Mach-O has no such note */
#endif

  .text
  .globl RT_SYMBOL(rt_switch_context)
  RT_FUNCTION_TYPE(rt_switch_context)
  .p2align 4
RT_SYMBOL(rt_switch_context):
  .cfi_startproc
  endbr64                      /* a valid indirect-branch target (IBT); a nop elsewhere */
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

RT_GNU_PROPERTY_NOTE
#if defined(__ELF__)
  .section .note.GNU-stack, "", @progbits  /* this code needs no executable stack */
#endif
