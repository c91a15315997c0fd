/* resume_context_win64.S: the end of an asynchronous preemption on x86-64 Windows, in GNU
 * syntax for MinGW-w64 GCC and clang; resume_context_win64_masm.asm is the same code for
 * MSVC (preempt.cpp says where it is called from).
 *
 *   extern "C" [[noreturn]] void rt_sched_resume_context(const CONTEXT* context);  // rcx
 *
 * Puts back every register GetThreadContext(CONTEXT_FULL) took from the interrupted fiber:
 * x87, MXCSR and XMM0-15 (the FltSave area, in fxsave's format), the sixteen general
 * registers, the flags, and last rsp and rip together. No register is free for the jump, so
 * the last four values go on the interrupted stack, just below its stack pointer (Windows has
 * no red zone: nothing lives there), and come off it with pop, popfq and ret:
 *
 *     rsp - 8   rip        <- ret
 *     rsp - 16  eflags     <- popfq
 *     rsp - 24  rax        <- pop
 *     rsp - 32  rcx        <- pop, first
 *
 * The caller runs 128 bytes below rsp, so these stores do not touch its frame. The offsets
 * are CONTEXT's, fixed by the Windows ABI (winnt.h); preempt.cpp checks them with
 * static_asserts. */
#define CTX_EFLAGS 0x44
#define CTX_RAX 0x78
#define CTX_RCX 0x80
#define CTX_RDX 0x88
#define CTX_RBX 0x90
#define CTX_RSP 0x98
#define CTX_RBP 0xA0
#define CTX_RSI 0xA8
#define CTX_RDI 0xB0
#define CTX_R8 0xB8
#define CTX_R9 0xC0
#define CTX_R10 0xC8
#define CTX_R11 0xD0
#define CTX_R12 0xD8
#define CTX_R13 0xE0
#define CTX_R14 0xE8
#define CTX_R15 0xF0
#define CTX_RIP 0xF8
#define CTX_FLTSAVE 0x100

    /* In RT_SCHED_NO_PREEMPT's section (preempt.hpp): never a safe point. */
    .section .text$rtb,"xr"
    .globl rt_sched_resume_context
    .def rt_sched_resume_context
    .scl 2
    .type 32
    .endef
    .p2align 4
rt_sched_resume_context:
    fxrstor64 CTX_FLTSAVE(%rcx)      /* x87, MXCSR, XMM0-15 (16-byte aligned: CONTEXT is) */
    movq CTX_RSP(%rcx), %rax
    subq $32, %rax
    movq CTX_RIP(%rcx), %rdx
    movq %rdx, 24(%rax)
    movl CTX_EFLAGS(%rcx), %edx
    movq %rdx, 16(%rax)
    movq CTX_RAX(%rcx), %rdx
    movq %rdx, 8(%rax)
    movq CTX_RCX(%rcx), %rdx
    movq %rdx, 0(%rax)
    movq CTX_RDX(%rcx), %rdx
    movq CTX_RBX(%rcx), %rbx
    movq CTX_RBP(%rcx), %rbp
    movq CTX_RSI(%rcx), %rsi
    movq CTX_RDI(%rcx), %rdi
    movq CTX_R8(%rcx), %r8
    movq CTX_R9(%rcx), %r9
    movq CTX_R10(%rcx), %r10
    movq CTX_R11(%rcx), %r11
    movq CTX_R12(%rcx), %r12
    movq CTX_R13(%rcx), %r13
    movq CTX_R14(%rcx), %r14
    movq CTX_R15(%rcx), %r15
    movq %rax, %rsp
    popq %rcx
    popq %rax
    popfq
    ret
