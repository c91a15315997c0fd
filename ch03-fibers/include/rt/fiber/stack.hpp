// rt::fiber::Stack: memory for a context to run on, with a guard page below it.
//
// A stack grows down. If a fiber's calls go deeper than its stack, the next push lands in
// the guard page, which the OS maps with no access rights: the CPU faults at once, instead
// of the fiber silently overwriting whatever memory lies below (another fiber's stack, the
// heap). The fault is then reported with the fiber's name (overflow.hpp).
//
//   low addresses                                                        high addresses
//   | guard (no access) | usable: the stack grows down from here <------ | top
//   ^ allocation base   ^ usable().data()                                ^ top()
//
// Windows adds a few committed pages between guard and usable stack ("reserve"), so that
// the exception raised on overflow has stack to be dispatched on (src/stack_win32.cpp).
//
// Contract: the constructor reserves address space for the whole allocation and makes the
// usable part readable and writable; pages become resident only when touched (so a 256 KiB
// stack costs one or two pages until a fiber goes deep). Errors throw rt::OsError naming
// the failing call (mmap, mprotect, VirtualAlloc, VirtualProtect). Movable, not copyable;
// the destructor returns the memory to the OS.
#pragma once

#include <cstddef>
#include <span>

namespace rt::fiber {

class Stack {
 public:
  Stack() = default;
  // At least `usable_size` bytes (rounded up to whole pages, minimum one page) of stack.
  explicit Stack(std::size_t usable_size);
  ~Stack();
  Stack(Stack&& other) noexcept;
  Stack& operator=(Stack&& other) noexcept;
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // The bytes a context may use, lowest first. Empty for a default-constructed Stack.
  std::span<std::byte> usable() const noexcept { return {usable_low_, usable_size_}; }
  std::byte* top() const noexcept { return usable_low_ + usable_size_; }
  // True if `address` lies below the usable bytes, in the guard (or reserve) pages: where a
  // fault means this stack overflowed.
  bool is_guard_address(const void* address) const noexcept;
  // Bytes of address space reserved in all, guard included.
  std::size_t reserved_size() const noexcept { return allocation_size_; }

 private:
  void release() noexcept;

  std::byte* allocation_ = nullptr;  // what the OS returned: guard page(s) first
  std::size_t allocation_size_ = 0;
  std::byte* usable_low_ = nullptr;
  std::size_t usable_size_ = 0;
};

}  // namespace rt::fiber
