// call_on_stack where the compiler has no inline assembly (MSVC on x64 and ARM64): the
// demo says so instead of pretending. switch_context itself is a separate .asm file there.
#include "stack_swap.hpp"

namespace ch03 {

void call_on_stack(std::byte*, void (*)(void*), void*) noexcept {}

const char* stack_swap_unavailable() noexcept {
  return "MSVC has no inline assembly on x64 or ARM64; build with clang-cl or MinGW to run "
         "stack-swap (switch_context uses a separate MASM file there)";
}

}  // namespace ch03
