/* aarch64_aapcs64.S: the context switch for ARM64 Linux and macOS (AAPCS64, LP64).
 *
 *   extern "C" void rt_switch_context(void** save_stack_pointer,   // x0
 *                                     void* load_stack_pointer);   // x1
 *
 * Saves the callee-saved state on the current stack, stores sp in *save_stack_pointer,
 * loads load_stack_pointer and restores the same state from there; `ret` then continues
 * whichever context saved it (x30 came from its frame), or rt_context_trampoline.
 *
 * Saved (AAPCS64 6.1.1 and 6.1.2): x19-x28; x29 (frame pointer); x30 (link register: our
 *   own return address, so it is the resume address of this context); d8-d15, the low 64
 *   bits of v8-v15, which are all the ABI asks to preserve.
 * Deliberately NOT saved:
 *   x0-x17 and v0-v7, v16-v31 (and the upper halves of v8-v15): caller-saved.
 *   x18, the platform register: never touched. Apple and Windows reserve it (Windows
 *     keeps the TEB there); where it is free, the compiler treats it as caller-saved.
 *   NZCV and FPSR: status flags, caller-saved. FPCR (rounding mode, flush-to-zero): AAPCS64
 *     (6.1.2) calls it a global register, whose mode bits only support functions such as
 *     fesetround() change, for the whole program; so it stays the thread's. The opposite
 *     of x86-64 (x86_64_sysv.S keeps a rounding mode per fiber) and of Windows ARM64
 *     (aarch64_windows.S saves FPCR): here a fiber that changes the mode must restore it
 *     before it switches, or every fiber on the thread runs with it.
 *   tpidr_el0 (thread pointer): fibers on one thread share its thread_locals.
 * Pointer authentication: not used. The x30 saved here is the raw address `bl` wrote (a
 *   caller signs its own x30 with paciasp in its prologue; this switch signs nothing), so
 *   the saved resume addresses are unprotected on the fiber stacks, and the ELF note below
 *   does not claim PAC.
 * BTI: `bti c` makes rt_switch_context a valid target of an indirect call (the PLT reaches
 *   it by br x16/x17); the trampoline is reached by `ret`, which BTI does not check.
 *   RT_GNU_PROPERTY_NOTE marks this file BTI-compatible, so a program linked from it and
 *   BTI-built code stays BTI-marked (the linker ANDs the notes of all objects; without a
 *   note this file would turn BTI off for the whole program). `bti` is a hint: a nop on
 *   cores without BTI.
 *
 * Frame, from the saved stack pointer up (offsets: aarch64_aapcs64_layout.h):
 *     +0x90  d14 d15   +0x80  d12 d13   +0x70  d10 d11   +0x60  d8 d9
 *     +0x50  x29 x30   +0x40  x27 x28   +0x30  x25 x26   +0x20  x23 x24
 *     +0x10  x21 x22   +0x00  x19 x20   <- saved stack pointer, 16-byte aligned
 */
#if !defined(__aarch64__) || defined(__ILP32__) || defined(_WIN32)
#error "aarch64_aapcs64.S is the AAPCS64 LP64 context switch: ARM64 Linux and macOS only"
#endif
#include "aarch64_aapcs64_layout.h"

#if defined(__APPLE__)
#define RT_SYMBOL(name) _##name  /* Mach-O prefixes C symbols with an underscore */
#define RT_FUNCTION_TYPE(name)
#define RT_FUNCTION_SIZE(name)
#else
#define RT_SYMBOL(name) name
#define RT_FUNCTION_TYPE(name) .type name, %function
#define RT_FUNCTION_SIZE(name) .size name, .-name  /* for perf, gdb, objdump */
#endif

#if defined(__ELF__)
/* NT_GNU_PROPERTY_TYPE_0 note "GNU": GNU_PROPERTY_AARCH64_FEATURE_1_AND = BTI (bit 0). */
#define RT_GNU_PROPERTY_NOTE                                                        \
  .pushsection .note.gnu.property, "a"; .p2align 3;                                \
  .long 4; .long 16; .long 5; .asciz "GNU";                                        \
  .long 0xc0000000; .long 4; .long 1; .p2align 3;                                  \
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
  bti c                        /* a valid indirect-call target (BTI); a nop elsewhere */
  sub sp, sp, #RT_FRAME_SIZE_AAPCS64
  .cfi_adjust_cfa_offset RT_FRAME_SIZE_AAPCS64
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
  add sp, sp, #RT_FRAME_SIZE_AAPCS64
  .cfi_adjust_cfa_offset -RT_FRAME_SIZE_AAPCS64
  ret                          /* to x30: into the other context */
  .cfi_endproc
  RT_FUNCTION_SIZE(rt_switch_context)

/* The first code a new context runs, entered by the ret above with the frame that
 * first_frame_aarch64_aapcs64.cpp built: x19 = start function, x20 = its argument, sp 16-byte
 * aligned. start must never return; if it does, brk stops the process at once. */
  .globl RT_SYMBOL(rt_context_trampoline)
  RT_FUNCTION_TYPE(rt_context_trampoline)
  .p2align 4
RT_SYMBOL(rt_context_trampoline):
  .cfi_startproc
  .cfi_undefined x30           /* the outermost frame: debuggers' backtraces end here */
  mov x0, x20                  /* start(argument) */
  blr x19
  brk #0xf000                  /* start returned: a defined crash, not a jump into garbage */
  .cfi_endproc
  RT_FUNCTION_SIZE(rt_context_trampoline)

RT_GNU_PROPERTY_NOTE
#if defined(__ELF__)
  .section .note.GNU-stack, "", %progbits  /* this code needs no executable stack */
#endif
