// The platform-independent half of rt::fiber::Stack: moves and the guard check. The
// allocation itself is per OS (stack_posix.cpp, stack_win32.cpp).
#include <utility>

#include "rt/fiber/stack.hpp"
#include "sanitizer_hooks.hpp"

namespace rt::fiber {

Stack::~Stack() {
  detail::sanitizer_on_stack_free(usable_low_, usable_size_);
  release();
}

Stack::Stack(Stack&& other) noexcept
    : allocation_(std::exchange(other.allocation_, nullptr)),
      allocation_size_(std::exchange(other.allocation_size_, 0)),
      usable_low_(std::exchange(other.usable_low_, nullptr)),
      usable_size_(std::exchange(other.usable_size_, 0)) {}

Stack& Stack::operator=(Stack&& other) noexcept {
  if (this != &other) {
    detail::sanitizer_on_stack_free(usable_low_, usable_size_);
    release();
    allocation_ = std::exchange(other.allocation_, nullptr);
    allocation_size_ = std::exchange(other.allocation_size_, 0);
    usable_low_ = std::exchange(other.usable_low_, nullptr);
    usable_size_ = std::exchange(other.usable_size_, 0);
  }
  return *this;
}

bool Stack::is_guard_address(const void* address) const noexcept {
  auto* byte = static_cast<const std::byte*>(address);
  return allocation_ != nullptr && byte >= allocation_ && byte < usable_low_;
}

}  // namespace rt::fiber
