/* The saved frame of rt_switch_context on x86-64 System V (Linux, macOS): byte offsets from
 * the saved stack pointer. The one source of truth for x86_64_sysv.S and for
 * first_frame_x86_64_sysv.cpp, which static_asserts every field against these numbers.
 * Plain #defines only: the assembler includes this file too. */
#pragma once

#define RT_FRAME_MXCSR 0x00       /* 4 bytes: SSE control/status word */
#define RT_FRAME_X87_CONTROL 0x04 /* 2 bytes: x87 control word (2 bytes padding follow) */
#define RT_FRAME_R12 0x08
#define RT_FRAME_R13 0x10
#define RT_FRAME_R14 0x18
#define RT_FRAME_R15 0x20
#define RT_FRAME_RBX 0x28
#define RT_FRAME_RBP 0x30
#define RT_FRAME_SIZE 0x38   /* what rt_switch_context subtracts from rsp */
#define RT_FRAME_RETURN 0x38 /* pushed by the caller's `call`, popped by the switch */

/* MXCSR's control bits (DAZ, exception masks, rounding, FZ): the ones the ABI makes
 * callee-saved; bits 0-5 are status flags. */
#define RT_MXCSR_CONTROL_BITS 0xFFC0
