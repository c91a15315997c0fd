// `stack-swap`: run one function on a stack we allocated (stack_swap.hpp does the switch),
// and show where its frame was.
#include <cstdint>
#include <memory>

#include "demos.hpp"
#include "stack_swap.hpp"

namespace ch03 {

namespace {

struct Visit {
  std::uintptr_t frame = 0;  // the function's frame address, as it ran
  std::uint64_t sum = 0;     // proof that it did some work there
};

// Runs on the buffer. Kept small and free of library calls: the buffer is not a stack
// anybody else knows about (unwinders, Windows' TEB), see stack_swap.hpp.
[[gnu::noinline]] void on_the_buffer(void* argument) noexcept {
  auto* visit = static_cast<Visit*>(argument);
  volatile std::uint64_t squares[16];
  for (std::uint64_t i = 0; i < 16; ++i) squares[i] = i * i;
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < 16; ++i) sum += squares[i];
  visit->sum = sum;
  visit->frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
}

std::string yes_no(bool value) {
  return value ? "yes" : "no";
}

}  // namespace

void stack_swap(rt::Output& out) {
  if (const char* why = stack_swap_unavailable()) {
    out.print("stack-swap is not available in this build: {}\n", why);
    return;
  }
  constexpr std::size_t kSize = 16 * 1024;
  auto buffer = std::make_unique<std::byte[]>(kSize);
  const auto low = reinterpret_cast<std::uintptr_t>(buffer.get());
  const auto top = (low + kSize) & ~std::uintptr_t{15};  // the ABIs want 16-byte alignment
  const auto caller_frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));

  Visit visit;
  call_on_stack(reinterpret_cast<std::byte*>(top), &on_the_buffer, &visit);

  const bool inside = visit.frame >= low && visit.frame < top;
  const auto back = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  out.print("our frame, on the thread's stack:   {:#x}\n", caller_frame);
  out.print("a 16 KiB buffer from the heap:      [{:#x}, {:#x})\n", low, low + kSize);
  out.print("the function's frame as it ran:     {:#x}\n", visit.frame);
  out.print("  inside the buffer: {} ({} bytes below its top)\n", yes_no(inside),
            inside ? top - visit.frame : 0);
  out.print("  it computed 0^2 + ... + 15^2 = {} there\n", visit.sum);
  out.print("back on the thread's stack, frame where it was: {}\n", yes_no(back == caller_frame));
}

}  // namespace ch03
