/* x86_64_win64.S: the context switch for x86-64 Windows (Microsoft x64 convention), in GNU
 * syntax for MinGW-w64 GCC and clang; x86_64_win64_masm.asm is the same code for MSVC.
 *
 *   extern "C" void rt_switch_context(void** save_stack_pointer,   // rcx
 *                                     void* load_stack_pointer);   // rdx
 *
 * Saved (Microsoft x64 "callee-saved/nonvolatile" registers): rbx, rbp, rdi, rsi, r12-r15,
 *   xmm6-xmm15 (all 128 bits), MXCSR and the x87 control word (their control bits are
 *   nonvolatile; as in x86_64_sysv.S, the byte rt_context_control_words_always_load picks
 *   how: 0, each is loaded only when it differs from the one in force (when MXCSR is not
 *   loaded, its volatile status flags are left as they are); 1, both are always loaded.
 *   That file's header says why there are two ways); and three words of the thread's TEB (gs:),
 *   because Windows reads them as "this thread's stack": StackBase and StackLimit (exception dispatch and
 *   unwinding refuse frames outside them; __chkstk probes against StackLimit; the kernel
 *   lowers StackLimit as it grows the stack, so the value saved is the grown one) and
 *   DeallocationStack (the bottom of the stack's reservation: the kernel grows a stack from
 *   its guard page only between DeallocationStack and StackBase, a fiber's as a thread's:
 *   first_frame_x86_64_win64.cpp). And ExceptionList: unused by 64-bit Windows, but Wine
 *   keeps its own handler frames there and walks them by address, which breaks C++
 *   exceptions on a stack that lies above the thread's; each context keeps its own chain
 *   (a new one: empty).
 * Deliberately NOT saved: rax, rcx, rdx, r8-r11, xmm0-xmm5 (volatile); rflags (DF is clear
 *   at calls); the rest of the TEB: fibers on one thread share its TLS and error value.
 *   In particular the three words Win32's SwitchToFiber also swaps: FiberData and FlsData
 *   (read only by the Win32 fiber API and fiber-local storage, which these contexts do not
 *   use: they all see the thread's) and GuaranteedStackBytes (SetThreadStackGuarantee's
 *   reserve for handling a stack overflow: the thread's applies to its fibers too, and
 *   stack_win32.cpp leaves room below each fiber's stack for the kernel's minimum on
 *   x64, two pages, which applies while GuaranteedStackBytes is 0, its default).
 * Why `jmp` and not `ret`: a `ret` into another context is mispredicted on every switch;
 *   x86_64_sysv.S explains and measures it. The unwinder: up to the `add` the routine is
 *   its own body, described by the unwind data, whose frame is the other context's from
 *   the `movq %rdx, %rsp` on (the same shape). The final `jmp *%r8` is not an epilogue form
 *   the Windows unwinder recognizes, so a stack walk that samples exactly that instruction
 *   (a profiler, a debugger breaking in) misreads one frame; exceptions cannot happen there.
 * Not supported: CET shadow stacks. After a switch, the resumed context's first unmatched
 *   `ret` returns to an address that is not on top of this thread's shadow stack, which
 *   faults. A PE file has no per-object marking: the whole executable opts in with the
 *   linker's /CETCOMPAT, so executables that link this file must not use it: the MSVC
 *   build passes /CETCOMPAT:NO (cmake/RtOptions.cmake); GNU ld marks nothing unless asked.
 *
 * Frame, from the saved stack pointer up (offsets: x86_64_win64_layout.h):
 *     +0x108 return address          +0x100 TEB ExceptionList
 *     +0xFC  x87 control word        +0xF8  MXCSR
 *     +0xF0  TEB DeallocationStack   +0xE8  TEB StackLimit   +0xE0  TEB StackBase
 *     +0xD8  r15  +0xD0 r14  +0xC8 r13  +0xC0 r12  +0xB8 rsi  +0xB0 rdi  +0xA8 rbp  +0xA0 rbx
 *     +0x90  xmm15 ... +0x00 xmm6     <- saved stack pointer, 16-byte aligned
 */
#if !defined(__x86_64__) || !(defined(_WIN32) || defined(__CYGWIN__))
#error "x86_64_win64.S is the Microsoft x64 context switch: x86-64 Windows only"
#endif
#include "x86_64_win64_layout.h"

  .text
  .globl rt_switch_context
  .def rt_switch_context; .scl 2; .type 32; .endef
  .p2align 4
rt_switch_context:
  .seh_proc rt_switch_context
  subq $RT_FRAME_SIZE, %rsp
  .seh_stackalloc RT_FRAME_SIZE
  .seh_endprologue
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
  stmxcsr RT_FRAME_MXCSR(%rsp)
  fnstcw RT_FRAME_X87_CONTROL(%rsp)

  cmpb $0, rt_context_control_words_always_load(%rip)
  jne 5f                       /* the "always" policy (below) */
  /* Compare the control words first, while this stack is still ours alone: once its
   * stack pointer is published below, another thread may resume it (chapter 6). */
  movl RT_FRAME_MXCSR(%rdx), %r10d
  xorl RT_FRAME_MXCSR(%rsp), %r10d         /* r10d: the MXCSR bits that differ */
  movzwl RT_FRAME_X87_CONTROL(%rdx), %r11d
  xorw RT_FRAME_X87_CONTROL(%rsp), %r11w   /* r11w: the x87 control bits that differ */
6:
  movq %rsp, (%rcx)            /* *save_stack_pointer = rsp: this context is now suspended */
  movq %rdx, %rsp              /* the other context's stack, same frame shape */

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
  testl $RT_MXCSR_CONTROL_BITS, %r10d
  jnz 1f                       /* its MXCSR control bits differ: load them (below) */
2:
  testw %r11w, %r11w
  jnz 3f                       /* its x87 control word differs: load it (below) */
4:
  movq RT_FRAME_RETURN(%rsp), %r8  /* the other context's return address */
  addq $RT_FRAME_SIZE + 8, %rsp    /* past the frame and the return address */
  jmp *%r8                     /* into the other context */
  int3                         /* never reached; stops straight-line speculation */
1:
  ldmxcsr RT_FRAME_MXCSR(%rsp)
  jmp 2b
3:
  fldcw RT_FRAME_X87_CONTROL(%rsp)
  jmp 4b
5:
  movl $-1, %r10d              /* "every bit differs": both words are loaded below, */
  movl $-1, %r11d              /* with one restore sequence for both policies */
  jmp 6b
  .seh_endproc

/* The policy byte (0: load the control words when they differ, 1: always), written by
 * set_control_word_load (control_words_x86_64.cpp) before fibers run. */
  .data
  .globl rt_context_control_words_always_load
rt_context_control_words_always_load:
  .byte 0
  .text

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
