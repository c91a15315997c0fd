; x86_64_win64_masm.asm: the context switch for x86-64 Windows with MSVC (ml64). The same
; instructions as x86_64_win64.S, in MASM syntax; read that file's header for the contract,
; what is saved and why, and the frame drawing. Offsets come from x86_64_win64_layout.inc,
; which CMake generates from x86_64_win64_layout.h (the one source of truth).
;
;   extern "C" void rt_switch_context(void** save_stack_pointer,   // rcx
;                                     void* load_stack_pointer);   // rdx
;   extern "C" void rt_switch_context_compare_control_words(...);   // the same arguments
IFNDEF RAX
.err <x86_64_win64_masm.asm is for x86-64 (ml64) only>
ENDIF

include x86_64_win64_layout.inc

; Everything nonvolatile but the control words, stored and loaded in the same order (the
; routines store and load the control words first).
STORE_NONVOLATILE MACRO
  movaps [rsp + RT_FRAME_XMM6], xmm6
  movaps [rsp + RT_FRAME_XMM7], xmm7
  movaps [rsp + RT_FRAME_XMM8], xmm8
  movaps [rsp + RT_FRAME_XMM9], xmm9
  movaps [rsp + RT_FRAME_XMM10], xmm10
  movaps [rsp + RT_FRAME_XMM11], xmm11
  movaps [rsp + RT_FRAME_XMM12], xmm12
  movaps [rsp + RT_FRAME_XMM13], xmm13
  movaps [rsp + RT_FRAME_XMM14], xmm14
  movaps [rsp + RT_FRAME_XMM15], xmm15
  mov [rsp + RT_FRAME_RBX], rbx
  mov [rsp + RT_FRAME_RBP], rbp
  mov [rsp + RT_FRAME_RDI], rdi
  mov [rsp + RT_FRAME_RSI], rsi
  mov [rsp + RT_FRAME_R12], r12
  mov [rsp + RT_FRAME_R13], r13
  mov [rsp + RT_FRAME_R14], r14
  mov [rsp + RT_FRAME_R15], r15
  mov rax, gs:[RT_TEB_STACK_BASE]
  mov [rsp + RT_FRAME_STACK_BASE], rax
  mov rax, gs:[RT_TEB_STACK_LIMIT]
  mov [rsp + RT_FRAME_STACK_LIMIT], rax
  mov rax, gs:[RT_TEB_DEALLOCATION_STACK]
  mov [rsp + RT_FRAME_DEALLOCATION_STACK], rax
  mov rax, gs:[RT_TEB_EXCEPTION_LIST]
  mov [rsp + RT_FRAME_EXCEPTION_LIST], rax
ENDM
LOAD_NONVOLATILE MACRO
  movaps xmm6, [rsp + RT_FRAME_XMM6]
  movaps xmm7, [rsp + RT_FRAME_XMM7]
  movaps xmm8, [rsp + RT_FRAME_XMM8]
  movaps xmm9, [rsp + RT_FRAME_XMM9]
  movaps xmm10, [rsp + RT_FRAME_XMM10]
  movaps xmm11, [rsp + RT_FRAME_XMM11]
  movaps xmm12, [rsp + RT_FRAME_XMM12]
  movaps xmm13, [rsp + RT_FRAME_XMM13]
  movaps xmm14, [rsp + RT_FRAME_XMM14]
  movaps xmm15, [rsp + RT_FRAME_XMM15]
  mov rbx, [rsp + RT_FRAME_RBX]
  mov rbp, [rsp + RT_FRAME_RBP]
  mov rdi, [rsp + RT_FRAME_RDI]
  mov rsi, [rsp + RT_FRAME_RSI]
  mov r12, [rsp + RT_FRAME_R12]
  mov r13, [rsp + RT_FRAME_R13]
  mov r14, [rsp + RT_FRAME_R14]
  mov r15, [rsp + RT_FRAME_R15]
  mov rax, [rsp + RT_FRAME_STACK_BASE]
  mov gs:[RT_TEB_STACK_BASE], rax
  mov rax, [rsp + RT_FRAME_STACK_LIMIT]
  mov gs:[RT_TEB_STACK_LIMIT], rax
  mov rax, [rsp + RT_FRAME_DEALLOCATION_STACK]
  mov gs:[RT_TEB_DEALLOCATION_STACK], rax
  mov rax, [rsp + RT_FRAME_EXCEPTION_LIST]
  mov gs:[RT_TEB_EXCEPTION_LIST], rax
ENDM

.code

rt_switch_context PROC FRAME
  sub rsp, RT_FRAME_SIZE
  .allocstack RT_FRAME_SIZE
  .endprolog
  stmxcsr dword ptr [rsp + RT_FRAME_MXCSR]
  fnstcw word ptr [rsp + RT_FRAME_X87_CONTROL]
  STORE_NONVOLATILE

  mov [rcx], rsp                 ; *save_stack_pointer = rsp: this context is now suspended
  mov rsp, rdx                   ; the other context's stack, same frame shape

  ldmxcsr dword ptr [rsp + RT_FRAME_MXCSR]
  fldcw word ptr [rsp + RT_FRAME_X87_CONTROL]
  LOAD_NONVOLATILE
  mov r8, [rsp + RT_FRAME_RETURN] ; the other context's return address
  add rsp, RT_FRAME_SIZE + 8     ; past the frame and the return address
  jmp r8                         ; into the other context
  int 3                          ; never reached; stops straight-line speculation
rt_switch_context ENDP

; The first code a new context runs: rbx = start, r12 = argument (see x86_64_win64.S).
rt_context_trampoline PROC FRAME
  sub rsp, 32
  .allocstack 32
  .endprolog
  mov rcx, r12                   ; start(argument)
  call rbx
  ud2                            ; start returned: a defined crash, not a jump into garbage
rt_context_trampoline ENDP

; The same switch, loading the control words only where they differ (x86_64_win64.S).
rt_switch_context_compare_control_words PROC FRAME
  sub rsp, RT_FRAME_SIZE
  .allocstack RT_FRAME_SIZE
  .endprolog
  stmxcsr dword ptr [rsp + RT_FRAME_MXCSR]
  fnstcw word ptr [rsp + RT_FRAME_X87_CONTROL]
  ; Compare while this stack is still ours alone.
  mov r10d, dword ptr [rdx + RT_FRAME_MXCSR]
  xor r10d, dword ptr [rsp + RT_FRAME_MXCSR]           ; r10d: the MXCSR bits that differ
  movzx r11d, word ptr [rdx + RT_FRAME_X87_CONTROL]
  xor r11w, word ptr [rsp + RT_FRAME_X87_CONTROL]      ; r11w: the x87 bits that differ
  STORE_NONVOLATILE

  mov [rcx], rsp                 ; suspended, as in rt_switch_context
  mov rsp, rdx

  test r10d, RT_MXCSR_CONTROL_BITS
  jnz load_mxcsr
mxcsr_in_force:
  test r11w, r11w
  jnz load_x87_control
control_words_in_force:
  LOAD_NONVOLATILE
  mov r8, [rsp + RT_FRAME_RETURN]
  add rsp, RT_FRAME_SIZE + 8
  jmp r8
  int 3
load_mxcsr:
  ldmxcsr dword ptr [rsp + RT_FRAME_MXCSR]
  jmp mxcsr_in_force
load_x87_control:
  fldcw word ptr [rsp + RT_FRAME_X87_CONTROL]
  jmp control_words_in_force
rt_switch_context_compare_control_words ENDP

END
