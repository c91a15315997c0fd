// rt::fiber::Stack on Linux and macOS: one mmap for guard page and stack, then mprotect
// takes every right away from the guard page.
#include <sys/mman.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <utility>

#include "rt/error.hpp"
#include "rt/fiber/context.hpp"  // and the sanitizer hooks
#include "rt/fiber/stack.hpp"
#include "rt/memory.hpp"

namespace rt::fiber {

namespace {
// One page: a frame that moves the stack pointer by more than a page at once can step
// over it (README, "Platform notes": -fstack-clash-protection makes compilers probe).
constexpr std::size_t kGuardPages = 1;
}  // namespace

namespace detail {
bool is_refusal_for_lack_of_memory(const rt::OsError& error) noexcept {
  return error.domain() == ErrorDomain::errno_value && error.code() == ENOMEM;
}
}  // namespace detail

namespace {
// Stacks of a slab whose top pages are asked for in one call (prefault_top_pages): at most
// this many pages resident ahead of the stacks carved so far.
constexpr std::size_t kPrefaultAhead = 16;

// The first switch to a new context writes its first frame at the top of the stack, so that
// page is always touched at once. Touching it takes a page fault; asking for it here takes a
// system call, MADV_POPULATE_WRITE (Linux 5.14), which maps it without the fault's trap. On
// the VM chapter 6 measured on, a new 16 KiB stack cost 12.1 us with the fault and 9.7 us with
// the call (a 20-line C loop: mmap, then touch the top page): the rest is the hypervisor's own
// first touch of the page, which no system call avoids. Best effort: an older kernel refuses
// the call (EINVAL) and the fault happens as before.
void prefault_top_page(std::byte* top_page, std::size_t page) noexcept {
#if defined(MADV_POPULATE_WRITE)
  (void)madvise(top_page, page, MADV_POPULATE_WRITE);
#else
  (void)top_page;
  (void)page;
#endif
}

// The top pages of several stacks of a slab in one system call: process_madvise takes a list
// of ranges, and since Linux 6.13 accepts MADV_POPULATE_WRITE for the calling process. Each
// page still costs the kernel its allocation and zeroing (0.5 us), but not a system call of
// its own (1.8 us; the same C loop, 2026-12-07: 2.3 us a page one call each, 0.65 us sixteen
// to a call). An older kernel refuses the advice (EINVAL), qemu-user the call (ENOSYS), a
// sandbox may (EPERM), macOS has neither: then each stack asks for its own page as before, and
// the batch is not tried again. Any other failure (no descriptor left for the pidfd, no
// memory) fails this batch only. True if the call went through; a partial success counts,
// since a page it did not reach is faulted in when first touched, as without it. The pidfd is
// opened per call: a cached one would name the parent in a forked child. It holds a
// descriptor for the moment of the call.
bool prefault_top_pages(std::span<std::byte* const> top_pages, std::size_t page) noexcept {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE) && defined(SYS_process_madvise) && \
    defined(SYS_pidfd_open)
  static std::atomic<bool> refused{false};  // the kernel will not: never asked again
  if (refused.load(std::memory_order_relaxed)) return false;
  const auto refuses = [](int error) {
    return error == ENOSYS || error == EINVAL || error == EPERM || error == EBADF;
  };
  std::array<iovec, kPrefaultAhead> ranges{};
  const std::size_t count = std::min(top_pages.size(), ranges.size());
  for (std::size_t i = 0; i < count; ++i) ranges[i] = {top_pages[i], page};
  const long pidfd = syscall(SYS_pidfd_open, getpid(), 0);
  if (pidfd < 0) {
    if (refuses(errno)) refused.store(true, std::memory_order_relaxed);
    return false;
  }
  const long done =
      syscall(SYS_process_madvise, pidfd, ranges.data(), count, MADV_POPULATE_WRITE, 0);
  const int error = errno;  // before close() may change it
  close(static_cast<int>(pidfd));
  if (done < 0) {
    if (refuses(error)) refused.store(true, std::memory_order_relaxed);
    return false;
  }
  return true;
#else
  (void)top_pages;
  (void)page;
  return false;
#endif
}

// MAP_NORESERVE: address space only; the kernel finds pages when they are first touched.
std::byte* map_address_space(std::size_t size) {
  void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) throw_errno("mmap");
  return static_cast<std::byte*>(memory);
}

std::size_t guard_size(StackGuard guard) noexcept {
  return guard == StackGuard::page ? kGuardPages * page_size() : 0;
}
}  // namespace

namespace detail {
struct StackSlab {
  StackSlab(std::byte* base_, std::size_t usable_size_, std::size_t stride_, std::size_t count_)
      : base(base_), usable_size(usable_size_), stride(stride_), count(count_) {}
  std::byte* base;
  std::size_t usable_size;  // page-rounded, of each stack
  std::size_t stride;       // guard and usable bytes of each stack
  std::size_t count;
  std::size_t next = 0;              // the next stack to carve (the pool's thread only)
  std::size_t prefaulted = 0;        // stacks below this one have their top page asked for
  std::atomic<std::size_t> refs{1};  // the pool's, and one per carved stack alive
};

StackSlab* new_slab(std::size_t usable_size, StackGuard guard, std::size_t count) {
  const std::size_t stride = guard_size(guard) + usable_size;
  if (count > std::numeric_limits<std::size_t>::max() / stride) {
    throw std::length_error("rt::fiber::StackPool: a slab of that many stacks is too large");
  }
  auto slab = std::make_unique<StackSlab>(nullptr, usable_size, stride, count);
  slab->base = map_address_space(stride * count);
  return slab.release();
}

bool slab_has_room(const StackSlab& slab) noexcept {
  return slab.next < slab.count;
}

void unref_slab(StackSlab* slab) noexcept {
  // acq_rel: the last reference sees every other stack's last use before it unmaps them all.
  if (slab->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  sanitizer_on_stack_free(slab->base, slab->stride * slab->count);  // its freed stacks' poison
  munmap(slab->base, slab->stride * slab->count);
  delete slab;
}
}  // namespace detail

namespace {
// Takes every right from the guard page(s) below `usable_low`, and asks for the top page
// unless that was done already.
void finish_stack(std::byte* usable_low, std::size_t usable_size, StackGuard guard,
                  bool top_page_asked = false) {
  const std::size_t guard_bytes = guard_size(guard);
  if (guard_bytes > 0 && mprotect(usable_low - guard_bytes, guard_bytes, PROT_NONE) != 0) {
    throw_errno("mprotect");
  }
  if (!top_page_asked) prefault_top_page(usable_low + usable_size - page_size(), page_size());
}

// Asks for the top pages of the slab's next kPrefaultAhead stacks (or fewer, at its end) at
// once; slab.prefaulted says how far that got.
void prefault_ahead(detail::StackSlab& slab) noexcept {
  std::array<std::byte*, kPrefaultAhead> top_pages{};
  const std::size_t count = std::min(kPrefaultAhead, slab.count - slab.next);
  for (std::size_t i = 0; i < count; ++i) {
    top_pages[i] = slab.base + slab.stride * (slab.next + i + 1) - page_size();
  }
  if (prefault_top_pages({top_pages.data(), count}, page_size())) {
    slab.prefaulted = slab.next + count;
  }
}
}  // namespace

// Without a guard, the stack is one read-write mapping, which the kernel merges with its
// neighbours of the same kind: no mapping per stack at all, so vm.max_map_count no longer
// bounds how many fibers can exist.
void Stack::allocate(std::size_t usable_size) {
  const std::size_t page = page_size();
  usable_size_ = usable_size == 0 ? page : (usable_size + page - 1) / page * page;
  allocation_size_ = usable_size_ + guard_size(guard_);
  allocation_ = map_address_space(allocation_size_);
  usable_low_ = allocation_ + guard_size(guard_);
  committed_low_ = usable_low_;  // no TEB to tell: the kernel commits what is touched
  try {
    finish_stack(usable_low_, usable_size_, guard_);
  } catch (...) {
    release();
    throw;
  }
}

Stack Stack::carve(detail::StackSlab& slab) {
  if (slab.next >= slab.prefaulted) prefault_ahead(slab);
  const bool top_page_asked = slab.next < slab.prefaulted;
  std::byte* allocation = slab.base + slab.stride * slab.next++;  // a failure wastes this one
  const std::size_t guard_bytes = slab.stride - slab.usable_size;
  const StackGuard guard = guard_bytes > 0 ? StackGuard::page : StackGuard::none;
  finish_stack(allocation + guard_bytes, slab.usable_size, guard, top_page_asked);
  Stack stack;
  stack.allocation_ = allocation;
  stack.allocation_size_ = slab.stride;
  stack.usable_low_ = allocation + guard_bytes;
  stack.usable_size_ = slab.usable_size;
  stack.committed_low_ = stack.usable_low_;
  stack.guard_ = guard;
  slab.refs.fetch_add(1, std::memory_order_relaxed);  // the pool's reference keeps it alive
  stack.slab_ = &slab;
  return stack;
}

// Nothing to record: no context on Linux or macOS carries a committed bound of its stack.
void Stack::record_committed_low() noexcept {}

void Stack::release() noexcept {
  if (slab_ != nullptr) {
    detail::sanitizer_on_slab_stack_free(usable_low_, usable_size_);  // never carved again
    detail::unref_slab(std::exchange(slab_, nullptr));
  } else if (allocation_ != nullptr) {
    munmap(allocation_, allocation_size_);
  }
  allocation_ = nullptr;
  allocation_size_ = 0;
  usable_low_ = nullptr;
  usable_size_ = 0;
  committed_low_ = nullptr;
}

}  // namespace rt::fiber
