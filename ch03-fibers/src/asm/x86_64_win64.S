/* x86_64_win64.S: the context switch for x86-64 Windows (Microsoft x64 convention), in GNU
 * syntax for MinGW-w64 GCC and clang; x86_64_win64_masm.asm is the same code for MSVC.
 *
 *   extern "C" void rt_switch_context(void** save_stack_pointer,   // rcx
 *                                     void* load_stack_pointer);   // rdx
 *
 * Saved, because the convention makes them nonvolatile (callee-saved):
 *   rbx, rbp, rdi, rsi, r12-r15; xmm6-xmm15, all 128 bits;
 *   the control bits of MXCSR and the x87 control word (as in x86_64_sysv.S);
 *   four words of the thread's TEB (gs:), because Windows reads them as "this thread's
 *   stack": StackBase, StackLimit and DeallocationStack (exception dispatch, __chkstk and
 *   the kernel's stack growth use them), and ExceptionList (unused by 64-bit Windows; Wine
 *   walks its own handler frames there). The README's "Windows: the TEB words a context
 *   carries" says what each one does and why the rest of the TEB stays the thread's.
 * Deliberately NOT saved: rax, rcx, rdx, r8-r11, xmm0-xmm5 (volatile); MXCSR's status flags
 *   and rflags (status; DF is clear at calls); the rest of the TEB: fibers on one thread
 *   share its TLS, its error value and its fiber-local storage.
 * Leaving by `jmp` instead of `ret`: x86_64_sysv.S says why. The unwinder: up to the
 *   `add` the routine is its own body, described by the unwind data, whose frame is the
 *   other context's from the `movq %rdx, %rsp` on (the same shape). The final `jmp *%r8` is
 *   not an epilogue form the Windows unwinder recognizes, so a stack walk that samples
 *   exactly that instruction (a profiler, a debugger breaking in) misreads one frame;
 *   exceptions cannot happen there.
 * Not supported: CET shadow stacks (the README's "Platform notes"): executables that link
 *   this file must not be marked /CETCOMPAT, and the MSVC build passes /CETCOMPAT:NO.
 *
 * Frame, from the saved stack pointer up (offsets: x86_64_win64_layout.h):
 *     +0x108 return address          +0x100 TEB ExceptionList
 *     +0xFC  x87 control word        +0xF8  MXCSR
 *     +0xF0  TEB DeallocationStack   +0xE8  TEB StackLimit   +0xE0  TEB StackBase
 *     +0xD8  r15  +0xD0 r14  +0xC8 r13  +0xC0 r12  +0xB8 rsi  +0xB0 rdi  +0xA8 rbp  +0xA0 rbx
 *     +0x90  xmm15 ... +0x00 xmm6     <- saved stack pointer, 16-byte aligned
 *
 * As in x86_64_sysv.S, two routines build and read that frame: rt_switch_context loads both
 * control words on every switch, rt_switch_context_compare_control_words (at the end) only
 * those that differ; switch_context (rt/fiber/context.hpp) calls the one the policy chose.
 */
#if !defined(__x86_64__) || !(defined(_WIN32) || defined(__CYGWIN__))
#error "x86_64_win64.S is the Microsoft x64 context switch: x86-64 Windows only"
#endif
#include "x86_64_win64_layout.h"

/* Everything nonvolatile but the control words, stored and loaded in the same order (the
 * routines store and load the control words first). */
.macro RT_STORE_NONVOLATILE
  movaps %xmm6, RT_FRAME_XMM6(%rsp)
  movaps %xmm7, RT_FRAME_XMM7(%rsp)
  movaps %xmm8, RT_FRAME_XMM8(%rsp)
  movaps %xmm9, RT_FRAME_XMM9(%rsp)
  movaps %xmm10, RT_FRAME_XMM10(%rsp)
  movaps %xmm11, RT_FRAME_XMM11(%rsp)
  movaps %xmm12, RT_FRAME_XMM12(%rsp)
  movaps %xmm13, RT_FRAME_XMM13(%rsp)
  movaps %xmm14, RT_FRAME_XMM14(%rsp)
  movaps %xmm15, RT_FRAME_XMM15(%rsp)
  movq %rbx, RT_FRAME_RBX(%rsp)
  movq %rbp, RT_FRAME_RBP(%rsp)
  movq %rdi, RT_FRAME_RDI(%rsp)
  movq %rsi, RT_FRAME_RSI(%rsp)
  movq %r12, RT_FRAME_R12(%rsp)
  movq %r13, RT_FRAME_R13(%rsp)
  movq %r14, RT_FRAME_R14(%rsp)
  movq %r15, RT_FRAME_R15(%rsp)
  movq %gs:RT_TEB_STACK_BASE, %rax
  movq %rax, RT_FRAME_STACK_BASE(%rsp)
  movq %gs:RT_TEB_STACK_LIMIT, %rax
  movq %rax, RT_FRAME_STACK_LIMIT(%rsp)
  movq %gs:RT_TEB_DEALLOCATION_STACK, %rax
  movq %rax, RT_FRAME_DEALLOCATION_STACK(%rsp)
  movq %gs:RT_TEB_EXCEPTION_LIST, %rax
  movq %rax, RT_FRAME_EXCEPTION_LIST(%rsp)
.endm
.macro RT_LOAD_NONVOLATILE
  movaps RT_FRAME_XMM6(%rsp), %xmm6
  movaps RT_FRAME_XMM7(%rsp), %xmm7
  movaps RT_FRAME_XMM8(%rsp), %xmm8
  movaps RT_FRAME_XMM9(%rsp), %xmm9
  movaps RT_FRAME_XMM10(%rsp), %xmm10
  movaps RT_FRAME_XMM11(%rsp), %xmm11
  movaps RT_FRAME_XMM12(%rsp), %xmm12
  movaps RT_FRAME_XMM13(%rsp), %xmm13
  movaps RT_FRAME_XMM14(%rsp), %xmm14
  movaps RT_FRAME_XMM15(%rsp), %xmm15
  movq RT_FRAME_RBX(%rsp), %rbx
  movq RT_FRAME_RBP(%rsp), %rbp
  movq RT_FRAME_RDI(%rsp), %rdi
  movq RT_FRAME_RSI(%rsp), %rsi
  movq RT_FRAME_R12(%rsp), %r12
  movq RT_FRAME_R13(%rsp), %r13
  movq RT_FRAME_R14(%rsp), %r14
  movq RT_FRAME_R15(%rsp), %r15
  movq RT_FRAME_STACK_BASE(%rsp), %rax
  movq %rax, %gs:RT_TEB_STACK_BASE
  movq RT_FRAME_STACK_LIMIT(%rsp), %rax
  movq %rax, %gs:RT_TEB_STACK_LIMIT
  movq RT_FRAME_DEALLOCATION_STACK(%rsp), %rax
  movq %rax, %gs:RT_TEB_DEALLOCATION_STACK
  movq RT_FRAME_EXCEPTION_LIST(%rsp), %rax
  movq %rax, %gs:RT_TEB_EXCEPTION_LIST
.endm

  .text
  .globl rt_switch_context
  .def rt_switch_context; .scl 2; .type 32; .endef
  .p2align 4
rt_switch_context:
  .seh_proc rt_switch_context
  subq $RT_FRAME_SIZE, %rsp
  .seh_stackalloc RT_FRAME_SIZE
  .seh_endprologue
  stmxcsr RT_FRAME_MXCSR(%rsp)
  fnstcw RT_FRAME_X87_CONTROL(%rsp)
  RT_STORE_NONVOLATILE

  movq %rsp, (%rcx)            /* *save_stack_pointer = rsp: this context is now suspended */
  movq %rdx, %rsp              /* the other context's stack, same frame shape */

  ldmxcsr RT_FRAME_MXCSR(%rsp)
  fldcw RT_FRAME_X87_CONTROL(%rsp)
  RT_LOAD_NONVOLATILE
  movq RT_FRAME_RETURN(%rsp), %r8  /* the other context's return address */
  addq $RT_FRAME_SIZE + 8, %rsp    /* past the frame and the return address */
  jmp *%r8                     /* into the other context */
  int3                         /* never reached; stops straight-line speculation */
  .seh_endproc

/* The first code a new context runs, entered by the jmp above with the frame that
 * first_frame_x86_64_win64.cpp built: rbx = start function, r12 = its argument, rsp
 * 16-byte aligned and pointing at a zero "return address" (an unwinder reaching this frame
 * finds return address 0: the end of the stack). The 32 bytes are the home space the x64
 * convention makes every caller reserve for its callee. start must never return; if it
 * does, ud2 stops the process at once. */
  .globl rt_context_trampoline
  .def rt_context_trampoline; .scl 2; .type 32; .endef
  .p2align 4
rt_context_trampoline:
  .seh_proc rt_context_trampoline
  subq $32, %rsp
  .seh_stackalloc 32
  .seh_endprologue
  movq %r12, %rcx              /* start(argument) */
  call *%rbx
  ud2                          /* start returned: a defined crash, not a jump into garbage */
  .seh_endproc

/* The same switch, loading MXCSR and the x87 control word only where they differ from the
 * ones in force (x86_64_sysv.S says why there are two). When MXCSR is not loaded, its
 * volatile status flags stay as they are. */
  .globl rt_switch_context_compare_control_words
  .def rt_switch_context_compare_control_words; .scl 2; .type 32; .endef
  .p2align 4
rt_switch_context_compare_control_words:
  .seh_proc rt_switch_context_compare_control_words
  subq $RT_FRAME_SIZE, %rsp
  .seh_stackalloc RT_FRAME_SIZE
  .seh_endprologue
  stmxcsr RT_FRAME_MXCSR(%rsp)
  fnstcw RT_FRAME_X87_CONTROL(%rsp)
  /* Compare while this stack is still ours alone: once its stack pointer is published
   * below, another thread may resume it (chapter 6). */
  movl RT_FRAME_MXCSR(%rdx), %r10d
  xorl RT_FRAME_MXCSR(%rsp), %r10d         /* r10d: the MXCSR bits that differ */
  movzwl RT_FRAME_X87_CONTROL(%rdx), %r11d
  xorw RT_FRAME_X87_CONTROL(%rsp), %r11w   /* r11w: the x87 control bits that differ */
  RT_STORE_NONVOLATILE

  movq %rsp, (%rcx)            /* suspended, as in rt_switch_context */
  movq %rdx, %rsp

  testl $RT_MXCSR_CONTROL_BITS, %r10d      /* status flags are volatile: ignored */
  jnz .Lload_mxcsr
.Lmxcsr_in_force:
  testw %r11w, %r11w
  jnz .Lload_x87_control
.Lcontrol_words_in_force:
  RT_LOAD_NONVOLATILE
  movq RT_FRAME_RETURN(%rsp), %r8
  addq $RT_FRAME_SIZE + 8, %rsp
  jmp *%r8
  int3
.Lload_mxcsr:
  ldmxcsr RT_FRAME_MXCSR(%rsp)
  jmp .Lmxcsr_in_force
.Lload_x87_control:
  fldcw RT_FRAME_X87_CONTROL(%rsp)
  jmp .Lcontrol_words_in_force
  .seh_endproc
