; resume_context_win64_masm.asm: the end of an asynchronous preemption on x86-64 Windows
; with MSVC (ml64). The same instructions as resume_context_win64.S, in MASM syntax; read
; that file's header for the contract and the four words stored below the stack pointer.
;
;   extern "C" [[noreturn]] void rt_sched_resume_context(const CONTEXT* context);  // rcx
;
; One difference: the GNU file puts the routine in RT_SCHED_NO_PREEMPT's section (.text$rtb),
; this one in plain .text, where an interruption may land. That one is harmless: its frame
; lies below the stack pointer, under the CONTEXT copy and the four words, and its own restore
; returns to the middle of this routine with every register as it was.
IFNDEF RAX
.err <resume_context_win64_masm.asm is for x86-64 (ml64) only>
ENDIF

CTX_EFLAGS  EQU 044h
CTX_RAX     EQU 078h
CTX_RCX     EQU 080h
CTX_RDX     EQU 088h
CTX_RBX     EQU 090h
CTX_RSP     EQU 098h
CTX_RBP     EQU 0A0h
CTX_RSI     EQU 0A8h
CTX_RDI     EQU 0B0h
CTX_R8      EQU 0B8h
CTX_R9      EQU 0C0h
CTX_R10     EQU 0C8h
CTX_R11     EQU 0D0h
CTX_R12     EQU 0D8h
CTX_R13     EQU 0E0h
CTX_R14     EQU 0E8h
CTX_R15     EQU 0F0h
CTX_RIP     EQU 0F8h
CTX_FLTSAVE EQU 0100h

.code

rt_sched_resume_context PROC
  fxrstor64 [rcx + CTX_FLTSAVE]
  mov rax, [rcx + CTX_RSP]
  sub rax, 32
  mov rdx, [rcx + CTX_RIP]
  mov [rax + 24], rdx
  mov edx, dword ptr [rcx + CTX_EFLAGS]
  mov [rax + 16], rdx
  mov rdx, [rcx + CTX_RAX]
  mov [rax + 8], rdx
  mov rdx, [rcx + CTX_RCX]
  mov [rax], rdx
  mov rdx, [rcx + CTX_RDX]
  mov rbx, [rcx + CTX_RBX]
  mov rbp, [rcx + CTX_RBP]
  mov rsi, [rcx + CTX_RSI]
  mov rdi, [rcx + CTX_RDI]
  mov r8, [rcx + CTX_R8]
  mov r9, [rcx + CTX_R9]
  mov r10, [rcx + CTX_R10]
  mov r11, [rcx + CTX_R11]
  mov r12, [rcx + CTX_R12]
  mov r13, [rcx + CTX_R13]
  mov r14, [rcx + CTX_R14]
  mov r15, [rcx + CTX_R15]
  mov rsp, rax
  pop rcx
  pop rax
  popfq
  ret
rt_sched_resume_context ENDP

END
