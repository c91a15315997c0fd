// `show-stack`: the bytes at the top of a new fiber's stack, one 8-byte word per line,
// each labelled from rt::fiber::saved_frame_layout(): the same offsets the assembly uses
// (src/asm/<abi>_layout.h), so this is the frame that src/first_frame_<abi>.cpp draws.
#include <cstdint>
#include <cstring>

#include "demos.hpp"
#include "rt/fiber/context.hpp"
#include "rt/fiber/frame_layout.hpp"
#include "rt/fiber/stack.hpp"

namespace ch03 {

namespace {

int the_argument;  // its address is what make_context is given as the argument

void never_runs(void*) {}

// What the word at `offset` above the saved stack pointer is.
std::string label(const rt::fiber::FrameLayout& layout, std::size_t offset, std::uint64_t value) {
  for (std::size_t i = 0; i < layout.count; ++i) {
    const auto& slot = layout.slots[i];
    if (offset >= slot.offset && offset < slot.offset + slot.size) {
      const char* half =
          slot.size == 16 ? (offset == slot.offset ? " (low half)" : " (high half)") : "";
      return fmt::format("{}{}: {}", slot.name, half, slot.role);
    }
  }
  if (offset < layout.size) return "(inside the frame, unused: alignment padding)";
  if (value == reinterpret_cast<std::uintptr_t>(&never_runs)) {
    return "start record: the function make_context was given";
  }
  if (value == reinterpret_cast<std::uintptr_t>(&the_argument)) {
    return "start record: the argument make_context was given";
  }
  return "above the frame: unused (keeps the frame and the start record 16-byte aligned)";
}

}  // namespace

void show_stack(rt::Output& out) {
  rt::fiber::Stack stack(16 * 1024);
  rt::fiber::Context context = rt::fiber::make_context(stack, &never_runs, &the_argument);
  const auto layout = rt::fiber::saved_frame_layout();
  const auto* saved = static_cast<const std::byte*>(context.stack_pointer);
  const auto top = reinterpret_cast<std::uintptr_t>(stack.top());
  const auto sp = reinterpret_cast<std::uintptr_t>(saved);

  out.print("a new fiber's stack: {} KiB, top at {:#x}; it has never run\n",
            stack.usable().size() / 1024, top);
  out.print("saved stack pointer {:#x}: {} bytes below the top, 16-byte aligned: {}\n", sp,
            top - sp, sp % 16 == 0 ? "yes" : "no");
  out.print("the first switch to it loads these words (high addresses first):\n");
  for (std::size_t offset = (top - sp) - 8;; offset -= 8) {
    std::uint64_t value = 0;
    std::memcpy(&value, saved + offset, sizeof value);
    std::string text = label(layout, offset, value);
    if (value == reinterpret_cast<std::uintptr_t>(layout.trampoline))
      text += " (rt_context_trampoline)";
    out.print("  sp+{:#05x}  {:#018x}  {}\n", offset, value, text);
    if (offset == 0) break;
  }
  out.print("  (below sp: free stack; the fiber's calls will grow down into it)\n");
  rt::fiber::destroy_context(context);
}

}  // namespace ch03
