// The saved frame of rt_switch_context on this target, as data, for tools that show or
// read a suspended context: the `show-stack` demo prints a new context's stack with these
// labels, and gdb/fibers.py reads saved registers at the same offsets (its test checks the
// two agree). The offsets come from the layout header the assembly itself includes
// (src/asm/<abi>_layout.h); the tables live next to the first-frame builder of each ABI
// (src/first_frame_<abi>.cpp), whose static_asserts tie both to that header.
#pragma once

#include <cstddef>

namespace rt::fiber {

struct FrameSlot {
  std::size_t offset;  // bytes above the saved stack pointer (RT_FRAME_* in the header)
  std::size_t size;    // 8, or 16 for an xmm register
  const char* name;    // "rbx", "return address", ...
  const char* role;    // why it is saved, and what a new context holds there
};

struct FrameLayout {
  const FrameSlot* slots;  // lowest offset first
  std::size_t count;
  std::size_t size;        // bytes from the saved stack pointer to the end of the saved frame
  const void* trampoline;  // where the first switch to a new context "returns"
};

// This target's layout (one implementation per calling convention).
FrameLayout saved_frame_layout() noexcept;

}  // namespace rt::fiber
