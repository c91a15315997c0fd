/* Lab ch03-switch: the context switch and the first frame's trampoline for x86-64 System V
 * (Linux, macOS). This stub assembles and links, so the rest of chapter 3 builds; switching
 * to a context stops the process with a pointer to the lab's README. Write the functions
 * (README.md, "Steps"), with the offsets of x86_64_sysv_layout.h:
 *
 *   extern "C" void rt_switch_context(void** save_stack_pointer,   // rdi
 *                                     void* load_stack_pointer);   // rsi
 *   rt_context_trampoline: the first code a new context runs (first_frame_x86_64_sysv.cpp
 *                          says which registers hold the start function and its argument)
 *
 * The stub defines every symbol include/rt/fiber/context.hpp names: the switch (and its
 * variant for the "compare the control words" policy, which you may write as a copy of the
 * switch first) and the trampoline. */
#if !defined(__x86_64__) || defined(__ILP32__) || defined(_WIN32) || defined(__CYGWIN__)
#error "x86_64_sysv.S is the System V LP64 context switch: x86-64 Linux and macOS only"
#endif
#include "x86_64_sysv_layout.h"

#if defined(__APPLE__)
#define RT_SYMBOL(name) _##name
#else
#define RT_SYMBOL(name) name
#endif

  .text
  .globl RT_SYMBOL(rt_switch_context)
  .globl RT_SYMBOL(rt_switch_context_compare_control_words)
  .globl RT_SYMBOL(rt_context_trampoline)
  .p2align 4
RT_SYMBOL(rt_switch_context):
RT_SYMBOL(rt_switch_context_compare_control_words):
RT_SYMBOL(rt_context_trampoline):
  subq $8, %rsp                /* entered with rsp = 8 (mod 16): realign for the call */
  leaq readme(%rip), %rdi
  call RT_SYMBOL(rt_lab_not_implemented)
  ud2
readme:                        /* in .text: the one section name ELF and Mach-O share */
  .asciz "ch03-fibers/labs/ch03-switch/README.md"

#if defined(__ELF__)
  .section .note.GNU-stack, "", @progbits
#endif
