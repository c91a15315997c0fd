// rt::fiber::Stack on Windows: reserved whole, committed at the top, grown by the kernel.
//
//   | never committed | guarantee | overflow | usable: reserved ... | PAGE_GUARD | committed | top
//   |   (1 page)      | (2 pages) | (1 page) |                      |            | (1 page)  |
//   ^ allocation_: the TEB's DeallocationStack                committed_low_ ^
//
// One VirtualAlloc reserves the whole allocation; two more commit the top page read/write and
// the page below it read/write with PAGE_GUARD. A context made on this stack carries TEB
// words that describe it (first_frame_*_windows/win64.cpp: DeallocationStack = allocation_,
// StackLimit = committed_low_, StackBase = its top). So when it touches the guard page, the
// kernel finds the fault inside "the thread's stack" (between DeallocationStack and
// StackBase) and grows it, as for a thread's own stack: it commits that page, makes the
// page(s) below it the new guard (one under Wine, dlls/ntdll/unix/virtual.c; two on x64
// Windows, more under SetThreadStackGuarantee), lowers the TEB's StackLimit to the page just
// committed, and lets the context go on. A guard page outside those bounds would only raise
// STATUS_GUARD_PAGE_VIOLATION, once.
//
// The bottom is the kernel's too. It stops growing when the new guard would reach into the
// thread's guarantee, which lies above the lowest page: it commits the guarantee instead and
// raises STATUS_STACK_OVERFLOW on the overflowing stack, where the guarantee leaves room to
// dispatch it and for overflow_win32.cpp to report it (8 to 12 KiB: what Windows leaves a
// thread's own overflow, too). The lowest page stays reserved: the kernel never commits it.
// Where exactly the overflow fires differs by a page: Wine raises it at a touch of the page
// two above the bottom (1 + 2 guarantee pages), the x64 kernel at a touch of the page three
// above (its rule counts one page more). The "overflow" page makes both fire below the
// usable bytes, where is_guard_address looks, so a fiber gets all the stack usable()
// promises. GuaranteedStackBytes belongs to the thread (the switch does not swap it:
// x86_64_win64.S): a thread that raised it with SetThreadStackGuarantee gives its fibers
// that much less stack, and the overflow then arrives inside the usable bytes, where
// overflow_win32.cpp accepts it too. So does a stack the kernel could not grow because the
// system ran out of commit: that is reported as what it is.
#include <windows.h>

#include <cstdlib>

#include "rt/error.hpp"
#include "rt/fiber/stack.hpp"
#include "rt/memory.hpp"

namespace rt::fiber {

namespace {
constexpr std::size_t kNeverCommittedPages = 1;
constexpr std::size_t kGuaranteePages = 2;  // the kernel's minimum guarantee on 64-bit Windows
constexpr std::size_t kOverflowPages = 1;   // where x64 Windows raises the overflow (above)
constexpr std::size_t kBelowUsablePages = kNeverCommittedPages + kGuaranteePages + kOverflowPages;
// Committed up front: one page, as the linker's default commit for a thread's stack; a fiber
// that needs more pays one page fault per further page, once (a pooled stack stays grown).
// It holds the first frame that make_context writes, from outside the context.
constexpr std::size_t kCommittedTopPages = 1;
constexpr std::size_t kGuardPages = 1;
}  // namespace

namespace detail {
bool is_refusal_for_lack_of_memory(const rt::OsError& error) noexcept {
  return error.domain() == ErrorDomain::win32 &&
         (error.code() == ERROR_NOT_ENOUGH_MEMORY || error.code() == ERROR_COMMITMENT_LIMIT);
}
}  // namespace detail

namespace detail {
// No slabs on Windows (stack.hpp): a stack's reservation carries its own commit and guard
// state, and the TEB of a context made on it names that reservation. StackPool falls back to
// one VirtualAlloc per stack, and never carves.
struct StackSlab {};
StackSlab* new_slab(std::size_t, StackGuard, std::size_t) {
  return nullptr;
}
bool slab_has_room(const StackSlab&) noexcept {
  return false;
}
void unref_slab(StackSlab*) noexcept {}
}  // namespace detail

Stack Stack::carve(detail::StackSlab&) {
  std::abort();  // unreachable: new_slab makes no slab here
}

void Stack::allocate(std::size_t usable_size) {
  const std::size_t page = page_size();
  usable_size_ = usable_size == 0 ? page : (usable_size + page - 1) / page * page;
  if (guard_ == StackGuard::none) {
    // The allocation is the usable stack and nothing else. Without a guard page nothing
    // makes the kernel grow it (touching a reserved page is an access violation), so it is
    // committed whole: charged against the commit limit, resident only where touched.
    allocation_size_ = usable_size_;
    void* memory =
        VirtualAlloc(nullptr, allocation_size_, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (memory == nullptr) throw_last_error("VirtualAlloc");
    allocation_ = static_cast<std::byte*>(memory);
    usable_low_ = allocation_;
    committed_low_ = usable_low_;
    return;
  }
  allocation_size_ = usable_size_ + kBelowUsablePages * page;
  // Reserved read/write, as Windows reserves a thread's stack: a reserved page grants no
  // access until it is committed, and Wine's growth commits the next guard page with the
  // protection it was reserved with (reserved PAGE_NOACCESS, a fiber's second growth faulted
  // again at once, now as an access violation: seen under Wine 8 here).
  void* memory = VirtualAlloc(nullptr, allocation_size_, MEM_RESERVE, PAGE_READWRITE);
  if (memory == nullptr) throw_last_error("VirtualAlloc");
  allocation_ = static_cast<std::byte*>(memory);
  usable_low_ = allocation_ + kBelowUsablePages * page;
  committed_low_ = top() - kCommittedTopPages * page;  // a one-page stack: all of it
  std::byte* guard_low = committed_low_ - kGuardPages * page;
  if (VirtualAlloc(committed_low_, static_cast<std::size_t>(top() - committed_low_), MEM_COMMIT,
                   PAGE_READWRITE) == nullptr ||
      VirtualAlloc(guard_low, kGuardPages * page, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD) ==
          nullptr) {
    DWORD error = GetLastError();
    release();
    SetLastError(error);
    throw_last_error("VirtualAlloc");
  }
}

// The kernel keeps the TEB's StackLimit at the lowest committed page of the running stack
// (below it lies the guard page): reading it is a load from the TEB, not a system call.
// mingw-w64's NtCurrentTeb() is __readgsqword(0x30), an asm whose memory operand is the
// constant address 0x30; optimising, GCC 12 takes that for a pointer to a zero-length object
// and warns (-Warray-bounds). A false positive, silenced for this one read: the operand is
// relative to gs, where the TEB's Self field lies.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#endif
void Stack::record_committed_low() noexcept {
  auto* limit = static_cast<std::byte*>(reinterpret_cast<NT_TIB*>(NtCurrentTeb())->StackLimit);
  if (limit >= usable_low_ && limit < top()) committed_low_ = limit;
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

void Stack::release() noexcept {
  if (allocation_ != nullptr) VirtualFree(allocation_, 0, MEM_RELEASE);
  allocation_ = nullptr;
  allocation_size_ = 0;
  usable_low_ = nullptr;
  usable_size_ = 0;
  committed_low_ = nullptr;
}

}  // namespace rt::fiber
