/* The saved frame of rt_switch_context on AArch64 (AAPCS64: Linux, macOS, and Windows,
 * which adds the TEB words and FPCR at the end): byte offsets from the saved stack pointer.
 * The one source of truth for aarch64_aapcs64.S, aarch64_windows.S,
 * first_frame_aarch64_aapcs64.cpp and first_frame_aarch64_windows.cpp, which static_assert
 * every field against these numbers. Registers are stored in pairs (stp/ldp), so each
 * pair's offset is that of its first register. */
#pragma once

#define RT_FRAME_X19 0x00 /* pair x19, x20 */
#define RT_FRAME_X21 0x10 /* pair x21, x22 */
#define RT_FRAME_X23 0x20 /* pair x23, x24 */
#define RT_FRAME_X25 0x30 /* pair x25, x26 */
#define RT_FRAME_X27 0x40 /* pair x27, x28 */
#define RT_FRAME_X29 0x50 /* pair x29 (frame pointer), x30 (link register: where ret goes) */
#define RT_FRAME_D8 0x60  /* pair d8, d9 */
#define RT_FRAME_D10 0x70 /* pair d10, d11 */
#define RT_FRAME_D12 0x80 /* pair d12, d13 */
#define RT_FRAME_D14 0x90 /* pair d14, d15 */
#define RT_FRAME_SIZE_AAPCS64 0xA0

/* Windows only: the thread's stack bounds in its TEB (x18 points at it), saved per fiber,
 * and FPCR, which Microsoft's ARM64 ABI makes (partly) non-volatile. */
#define RT_FRAME_STACK_BASE 0xA0 /* pair StackBase, StackLimit */
#define RT_FRAME_DEALLOCATION_STACK 0xB0
#define RT_FRAME_EXCEPTION_LIST 0xB8
#define RT_FRAME_FPCR 0xC0 /* 8 bytes (mrs/msr move 64 bits), then 8 bytes of padding */
#define RT_FRAME_SIZE_WINDOWS 0xD0
#define RT_TEB_EXCEPTION_LIST 0x00
#define RT_TEB_STACK_BASE 0x08 /* StackLimit follows at 0x10, so one ldp/stp moves both */
#define RT_TEB_DEALLOCATION_STACK 0x1478
