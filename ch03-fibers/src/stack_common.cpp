// The platform-independent half of rt::fiber::Stack: moves and the guard check. The
// allocation itself is per OS (stack_posix.cpp, stack_win32.cpp).
#include <fmt/format.h>

#include <utility>

#include "rt/fiber/context.hpp"  // and the sanitizer hooks
#include "rt/fiber/stack.hpp"
#include "rt/memory.hpp"

namespace rt::fiber {

namespace detail {
// Per OS (stack_posix.cpp, stack_win32.cpp): did the OS refuse for lack of memory or
// mappings, rather than for a bad argument?
bool is_refusal_for_lack_of_memory(const rt::OsError& error) noexcept;
// Per OS, for StackPool's slabs (stack.hpp): maps a slab of `count` stacks of `usable_size`
// bytes (page-rounded) with `guard`, holding one reference for the caller (nullptr where
// slabs are not made: Windows); whether it has a stack left to carve; drops one reference
// (the last unmaps it).
StackSlab* new_slab(std::size_t usable_size, StackGuard guard, std::size_t count);
bool slab_has_room(const StackSlab& slab) noexcept;
void unref_slab(StackSlab* slab) noexcept;
}  // namespace detail

namespace {
std::size_t round_to_pages(std::size_t size) {
  const std::size_t page = page_size();
  return size == 0 ? page : (size + page - 1) / page * page;
}
}  // namespace

StackRefused::StackRefused(const rt::OsError& cause, std::size_t usable_size, StackGuard guard)
    : rt::OsError(cause),
      message_(fmt::format(
          "{}: the OS refused memory for a {} KiB fiber stack. With many fibers the usual "
          "cause is the number of memory mappings a process may have, not memory: on Linux "
          "vm.max_map_count (see /proc/sys/vm/max_map_count, 65530 by default) and each "
          "guarded stack takes {}. Raise the limit, use fewer or smaller stacks, or turn "
          "guard pages off (FiberOptions::guard = StackGuard::none; `many --no-guard`) at "
          "the price of overflow detection",
          cause.what(), usable_size / 1024, guard == StackGuard::page ? "two" : "one")) {}

namespace {
// Runs `get_memory`, turning the OS's refusal for lack of memory or mappings into StackRefused.
template <typename GetMemory>
auto refusal_explained(std::size_t usable_size, StackGuard guard, GetMemory get_memory) {
  try {
    return get_memory();
  } catch (const rt::OsError& error) {
    if (!detail::is_refusal_for_lack_of_memory(error)) throw;
    throw StackRefused(error, round_to_pages(usable_size), guard);
  }
}
}  // namespace

Stack::Stack(std::size_t usable_size, StackGuard guard) : guard_(guard) {
  refusal_explained(usable_size, guard, [&] { allocate(usable_size); });
}

StackPool::Bucket& StackPool::bucket(std::size_t usable_size, StackGuard guard) {
  for (Bucket& bucket : free_) {
    if (bucket.usable_size == usable_size && bucket.guard == guard) return bucket;
  }
  return free_.emplace_back(Bucket{usable_size, guard, {}});
}

Stack StackPool::acquire(std::size_t usable_size, StackGuard guard) {
  Bucket& kept = bucket(round_to_pages(usable_size), guard);
  if (!kept.stacks.empty()) {
    Stack stack = std::move(kept.stacks.back());
    kept.stacks.pop_back();
    --kept_;
    ++reused_;
    // Poisoned while kept (release): usable again, with no redzone of its last context left.
    detail::sanitizer_on_stack_free(stack.usable().data(), stack.usable().size());
    return stack;
  }
  if (slab_ <= 1) return Stack(usable_size, guard);
  if (kept.slab == nullptr || !detail::slab_has_room(*kept.slab)) {
    if (kept.slab != nullptr) detail::unref_slab(std::exchange(kept.slab, nullptr));
    kept.slab = refusal_explained(kept.usable_size, guard,
                                  [&] { return detail::new_slab(kept.usable_size, guard, slab_); });
    if (kept.slab == nullptr) return Stack(usable_size, guard);  // no slabs on this OS
  }
  return refusal_explained(kept.usable_size, guard, [&] { return Stack::carve(*kept.slab); });
}

StackPool::~StackPool() {
  // The kept stacks still hold their slabs: the last of them to go unmaps each.
  for (Bucket& bucket : free_) {
    if (bucket.slab != nullptr) detail::unref_slab(bucket.slab);
  }
}

void StackPool::release(Stack stack) {
  if (kept_ >= capacity_ || stack.usable().empty()) return;  // ~Stack frees it
  // Kept for reuse: poisoned while it waits (a use of a finished fiber's stack, or of a record
  // kept there, is reported), and unpoisoned whole when handed out (acquire), so that it does
  // not carry an exited context's redzones to its next user.
  detail::sanitizer_on_stack_kept(stack.usable().data(), stack.usable().size());
  bucket(stack.usable().size(), stack.guard()).stacks.push_back(std::move(stack));
  ++kept_;
}

Stack::~Stack() {
  detail::sanitizer_on_stack_free(usable_low_, usable_size_);
  release();
}

Stack::Stack(Stack&& other) noexcept
    : allocation_(std::exchange(other.allocation_, nullptr)),
      allocation_size_(std::exchange(other.allocation_size_, 0)),
      usable_low_(std::exchange(other.usable_low_, nullptr)),
      usable_size_(std::exchange(other.usable_size_, 0)),
      committed_low_(std::exchange(other.committed_low_, nullptr)),
      guard_(other.guard_),
      slab_(std::exchange(other.slab_, nullptr)) {}

Stack& Stack::operator=(Stack&& other) noexcept {
  if (this != &other) {
    detail::sanitizer_on_stack_free(usable_low_, usable_size_);
    release();
    allocation_ = std::exchange(other.allocation_, nullptr);
    allocation_size_ = std::exchange(other.allocation_size_, 0);
    usable_low_ = std::exchange(other.usable_low_, nullptr);
    usable_size_ = std::exchange(other.usable_size_, 0);
    committed_low_ = std::exchange(other.committed_low_, nullptr);
    guard_ = other.guard_;
    slab_ = std::exchange(other.slab_, nullptr);
  }
  return *this;
}

bool Stack::is_guard_address(const void* address) const noexcept {
  auto* byte = static_cast<const std::byte*>(address);
  return allocation_ != nullptr && byte >= allocation_ && byte < usable_low_;
}

}  // namespace rt::fiber
