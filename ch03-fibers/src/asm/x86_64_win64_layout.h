/* The saved frame of rt_switch_context on x86-64 Windows (the Microsoft x64 convention):
 * byte offsets from the saved stack pointer. The one source of truth for x86_64_win64.S,
 * for the MASM file (CMake turns these lines into x86_64_win64_layout.inc) and for
 * first_frame_x86_64_win64.cpp, which static_asserts every field against these numbers.
 * Only "#define NAME 0xHEX" lines: the MASM conversion reads nothing else. */
#pragma once

#define RT_FRAME_XMM6 0x00
#define RT_FRAME_XMM7 0x10
#define RT_FRAME_XMM8 0x20
#define RT_FRAME_XMM9 0x30
#define RT_FRAME_XMM10 0x40
#define RT_FRAME_XMM11 0x50
#define RT_FRAME_XMM12 0x60
#define RT_FRAME_XMM13 0x70
#define RT_FRAME_XMM14 0x80
#define RT_FRAME_XMM15 0x90
#define RT_FRAME_RBX 0xA0
#define RT_FRAME_RBP 0xA8
#define RT_FRAME_RDI 0xB0
#define RT_FRAME_RSI 0xB8
#define RT_FRAME_R12 0xC0
#define RT_FRAME_R13 0xC8
#define RT_FRAME_R14 0xD0
#define RT_FRAME_R15 0xD8
#define RT_FRAME_STACK_BASE 0xE0
#define RT_FRAME_STACK_LIMIT 0xE8
#define RT_FRAME_DEALLOCATION_STACK 0xF0
#define RT_FRAME_MXCSR 0xF8
#define RT_FRAME_X87_CONTROL 0xFC
#define RT_FRAME_EXCEPTION_LIST 0x100
#define RT_FRAME_SIZE 0x108
#define RT_FRAME_RETURN 0x108
#define RT_TEB_EXCEPTION_LIST 0x00
#define RT_TEB_STACK_BASE 0x08
#define RT_TEB_STACK_LIMIT 0x10
#define RT_TEB_DEALLOCATION_STACK 0x1478

/* MXCSR's control bits (DAZ, exception masks, rounding, FZ): the ones the ABI makes
 * callee-saved; bits 0-5 are status flags. */
#define RT_MXCSR_CONTROL_BITS 0xFFC0
