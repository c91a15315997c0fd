// rt::fiber::Stack: memory for a context to run on, with a guard page below it.
//
// A stack grows down. If a fiber's calls go deeper than its stack, the next push lands in
// the guard page(s) below it, which the fiber may not use: the CPU faults at once, instead
// of the fiber silently overwriting whatever memory lies below (another fiber's stack, the
// heap). The fault is then reported with the fiber's name (overflow.hpp).
//
//   low addresses                                                        high addresses
//   | guard (no access) | usable: the stack grows down from here <------ | top
//   ^ allocation base   ^ usable().data()                                ^ top()
//
// On Windows the part below the usable stack is four pages: the lowest is never committed,
// the two above it are what the kernel commits when it raises STATUS_STACK_OVERFLOW, so the
// exception has stack to be dispatched on, and the fourth is where x64 Windows raises it
// (a page earlier than Wine does: src/stack_win32.cpp).
//
// Contract: the constructor reserves address space for the whole allocation; the usable part
// is readable and writable, committed as it is needed. What is committed, and when:
// - Linux, macOS: nothing up front (MAP_NORESERVE); a page is committed and becomes
//   resident when first touched, so a 256 KiB stack costs one or two pages until a fiber
//   goes deep.
// - Windows: the top page, and one PAGE_GUARD page below it (commit is charged against the
//   system's commit limit, the page file). The kernel commits the rest page by page as
//   the running context touches the guard page(s), as it does for a thread's own stack,
//   because the context's TEB describes this stack (make_context(const Stack&, ...)).
//   With StackGuard::none no guard page can trigger that: the whole stack is committed.
//   So on Windows only the context running on a guarded stack may go below committed_low();
//   other code touching it there faults (the guard page once, then reserved memory).
// The kernel keeps the lowest committed address in the TEB as the stack grows; a Stack
// remembers it (committed_low, record_committed_low) so that the next context made on a
// reused, grown stack starts with the TEB telling the truth.
// Errors throw rt::OsError naming the failing call (mmap, mprotect, VirtualAlloc); a refusal for
// lack of memory or mappings throws StackRefused, which also names the limit and the way out.
// Movable, not copyable; the destructor returns the memory to the OS.
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

namespace detail {
// Stacks in one mapping (StackPool's slabs): one mmap, and one munmap once the last of them
// is freed. Linux and macOS only (stack_posix.cpp); on Windows a stack's VirtualAlloc carries
// its own commit and guard state, and new_slab makes none.
struct StackSlab;
}  // namespace detail

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
  // To run a context on them, pass the Stack itself to make_context: on Windows the span
  // alone cannot tell the context's TEB that only the top is committed, and a frame larger
  // than a page (MSVC's __chkstk trusts StackLimit) would then fault in reserved memory.
  std::span<std::byte> usable() const noexcept { return {usable_low_, usable_size_}; }
  std::byte* top() const noexcept { return usable_low_ + usable_size_; }
  // True if `address` lies below the usable bytes, in the guard pages: where a fault means
  // this stack overflowed.
  bool is_guard_address(const void* address) const noexcept;
  // Bytes of address space reserved in all, guard included: the reservation is
  // [top() - reserved_size(), top()).
  std::size_t reserved_size() const noexcept { return allocation_size_; }
  StackGuard guard() const noexcept { return guard_; }

  // The lowest committed address of the usable bytes, as last recorded: on Windows where a
  // context made on this stack starts its TEB's StackLimit (the kernel grows the stack from
  // the PAGE_GUARD page right below it). Elsewhere usable().data(): nothing to record.
  std::byte* committed_low() const noexcept { return committed_low_; }
  // Records how far the OS has committed this stack by now. Call it on the context that runs
  // on this stack, as the last thing before it exits (the Scheduler does, as a fiber
  // finishes), if another context may be made on the stack later: on Windows it reads the
  // TEB's StackLimit, which the kernel lowers as the stack grows, because a later context
  // whose StackLimit were left above the truth could not throw a C++ exception from the
  // pages between (unwinding refuses frames below StackLimit). Costs no system call. A
  // value that is not inside this stack (called on another one) is ignored. Elsewhere it
  // does nothing.
  void record_committed_low() noexcept;  // per OS: stack_posix.cpp, stack_win32.cpp

 private:
  friend class StackPool;
  void allocate(std::size_t usable_size);  // per OS: stack_posix.cpp, stack_win32.cpp
  void release() noexcept;
  // The next stack of `slab` (StackPool), which has one left (per OS; never on Windows).
  static Stack carve(detail::StackSlab& slab);

  std::byte* allocation_ = nullptr;  // what the OS returned: guard page(s) first
  std::size_t allocation_size_ = 0;
  std::byte* usable_low_ = nullptr;
  std::size_t usable_size_ = 0;
  std::byte* committed_low_ = nullptr;  // usable_low_ .. top(): committed (Windows)
  StackGuard guard_ = StackGuard::page;
  detail::StackSlab* slab_ = nullptr;  // the mapping this stack was carved from, if any
};

// Keeps freed stacks for reuse, so that a fiber's spawn costs no system call once the pool
// is warm (an mmap, an mprotect and an munmap otherwise: microseconds). A reused stack
// keeps the pages its last fiber touched resident (and on Windows committed): the pool
// trades memory for time, and `capacity` bounds the trade. Not thread-safe: one pool per Scheduler,
// on its thread; the stacks it hands out may be freed on any thread.
//
// With `slab` > 1 (Linux and macOS; ignored on Windows), a new stack comes from a slab of
// that many, mapped at once: one mmap per `slab` new stacks, and one munmap once the last
// of them is freed, wherever that happens. Each munmap of a process whose threads run on
// other CPUs interrupts those CPUs to flush their TLBs, so a program that frees many stacks
// while others run (chapter 6's workers) pays that once per slab instead of once per stack.
// The price: a slab's memory goes back to the OS only with its last stack, so the pages
// that freed stacks touched stay resident while any stack of their slab lives (and, with
// guard pages, so do its two mappings per stack, which count against vm.max_map_count).
class StackPool {
 public:
  explicit StackPool(std::size_t capacity = 1024, std::size_t slab = 1)
      : capacity_(capacity), slab_(slab) {}
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

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
  std::size_t slab_;
  std::size_t kept_ = 0;
  std::size_t reused_ = 0;
  // Kept stacks, one bucket per (page-rounded size, guard). A program uses a handful of
  // stack sizes, so a linear search of a few buckets beats a map's allocations and pointers.
  struct Bucket {
    std::size_t usable_size;
    StackGuard guard;
    std::vector<Stack> stacks;
    detail::StackSlab* slab = nullptr;  // where this bucket's next new stacks come from
  };
  Bucket& bucket(std::size_t usable_size, StackGuard guard);
  std::vector<Bucket> free_;
};

}  // namespace rt::fiber
