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
// usable part readable and writable. What is committed, and when:
// - Linux, macOS: nothing up front (MAP_NORESERVE); a page becomes resident when first
//   touched, so a 256 KiB stack costs one or two pages until a fiber goes deep.
// - Windows: the whole stack is committed (charged against the system's commit limit, the
//   page file) at once, but as on Linux a page becomes resident only when touched. Growing
//   the commitment page by page, as Windows does for a thread's own stack, would need the
//   kernel's stack-growth path to accept a fiber's stack; we keep it simple and say so.
// Errors throw rt::OsError naming the failing call (mmap, mprotect, VirtualAlloc,
// VirtualProtect); a refusal for lack of memory or mappings throws StackRefused, which
// also names the limit and the way out. Movable, not copyable; the destructor returns the
// memory to the OS.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "rt/error.hpp"

namespace rt::fiber {

enum class StackGuard {
  page,  // a guard page below the stack: an overflow faults and is reported (the default)
  none,  // no guard: one mapping per stack instead of two (Linux's vm.max_map_count), but
         // an overflow silently overwrites whatever lies below
};

// The OS refused the memory for a stack (ENOMEM, ERROR_NOT_ENOUGH_MEMORY). With guarded
// stacks on Linux the usual cause is not memory but the number of mappings a process may
// have (vm.max_map_count, 65530 by default; each guarded stack is two): what() says so,
// and names StackGuard::none (FiberOptions::guard) as the way to need only one.
class StackRefused : public rt::OsError {
 public:
  StackRefused(const rt::OsError& cause, std::size_t usable_size, StackGuard guard);
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

class Stack {
 public:
  Stack() = default;
  // At least `usable_size` bytes (rounded up to whole pages, minimum one page) of stack,
  // with a guard page below unless `guard` is StackGuard::none.
  explicit Stack(std::size_t usable_size, StackGuard guard = StackGuard::page);
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
  StackGuard guard() const noexcept { return guard_; }

 private:
  void allocate(std::size_t usable_size);  // per OS: stack_posix.cpp, stack_win32.cpp
  void release() noexcept;

  std::byte* allocation_ = nullptr;  // what the OS returned: guard page(s) first
  std::size_t allocation_size_ = 0;
  std::byte* usable_low_ = nullptr;
  std::size_t usable_size_ = 0;
  StackGuard guard_ = StackGuard::page;
};

// Keeps freed stacks for reuse, so that a fiber's spawn costs no system call once the pool
// is warm (an mmap, an mprotect and an munmap otherwise: microseconds). A reused stack
// keeps the pages its last fiber touched resident: the pool trades memory for time, and
// `capacity` bounds the trade. Not thread-safe: one pool per Scheduler, on its thread.
class StackPool {
 public:
  explicit StackPool(std::size_t capacity = 1024) : capacity_(capacity) {}

  // A stack of at least `usable_size` bytes with `guard`: a kept one of exactly that
  // (page-rounded) size and guard if any, else a new one (may throw like Stack's
  // constructor).
  Stack acquire(std::size_t usable_size, StackGuard guard = StackGuard::page);
  // Keeps `stack` for a later acquire, or frees it if the pool holds `capacity` already.
  void release(Stack stack);

  std::size_t kept() const noexcept { return kept_; }
  std::size_t reused() const noexcept { return reused_; }  // acquires served by the pool

 private:
  std::size_t capacity_;
  std::size_t kept_ = 0;
  std::size_t reused_ = 0;
  // Kept stacks, one bucket per (page-rounded size, guard). A program uses a handful of
  // stack sizes, so a linear search of a few buckets beats a map's allocations and pointers.
  struct Bucket {
    std::size_t usable_size;
    StackGuard guard;
    std::vector<Stack> stacks;
  };
  Bucket& bucket(std::size_t usable_size, StackGuard guard);
  std::vector<Bucket> free_;
};

}  // namespace rt::fiber
