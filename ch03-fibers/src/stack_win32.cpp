// rt::fiber::Stack on Windows: one VirtualAlloc, then VirtualProtect shapes the bottom.
//
//   | no access (1 page) | reserve (3 pages, read/write) | PAGE_GUARD (1 page) | usable ...
//
// Windows delivers an exception on the stack of the code that faulted. A fiber that
// overflows into a plain no-access page has no stack left for that: the process would die
// without a word. So the first page below the usable stack is a PAGE_GUARD page, which
// faults once and then becomes ordinary memory, and three committed pages under it give
// the exception dispatcher and overflow_win32.cpp's handler room to report the overflow.
#include <windows.h>

#include "rt/error.hpp"
#include "rt/fiber/stack.hpp"
#include "rt/memory.hpp"

namespace rt::fiber {

namespace {
constexpr std::size_t kNoAccessPages = 1;
constexpr std::size_t kReservePages = 3;
constexpr std::size_t kGuardPages = 1;
constexpr std::size_t kBelowUsablePages = kNoAccessPages + kReservePages + kGuardPages;
}  // namespace

namespace detail {
bool is_refusal_for_lack_of_memory(const rt::OsError& error) noexcept {
  return error.domain() == ErrorDomain::win32 &&
         (error.code() == ERROR_NOT_ENOUGH_MEMORY || error.code() == ERROR_COMMITMENT_LIMIT);
}
}  // namespace detail

// Without a guard (StackGuard::none) the allocation is the usable stack and nothing else.
void Stack::allocate(std::size_t usable_size) {
  const std::size_t page = page_size();
  const std::size_t below = guard_ == StackGuard::page ? kBelowUsablePages * page : 0;
  usable_size_ = usable_size == 0 ? page : (usable_size + page - 1) / page * page;
  allocation_size_ = usable_size_ + below;
  // Committed up front: Windows charges commit against the page file, but a page becomes
  // resident only when it is touched, as on Linux.
  void* memory = VirtualAlloc(nullptr, allocation_size_, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
  if (memory == nullptr) throw_last_error("VirtualAlloc");
  allocation_ = static_cast<std::byte*>(memory);
  usable_low_ = allocation_ + below;
  if (below == 0) return;
  DWORD previous = 0;
  if (!VirtualProtect(allocation_, kNoAccessPages * page, PAGE_NOACCESS, &previous) ||
      !VirtualProtect(usable_low_ - kGuardPages * page, kGuardPages * page,
                      PAGE_READWRITE | PAGE_GUARD, &previous)) {
    DWORD error = GetLastError();
    release();
    SetLastError(error);
    throw_last_error("VirtualProtect");
  }
}

void Stack::release() noexcept {
  if (allocation_ != nullptr) VirtualFree(allocation_, 0, MEM_RELEASE);
  allocation_ = nullptr;
  allocation_size_ = 0;
  usable_low_ = nullptr;
  usable_size_ = 0;
}

}  // namespace rt::fiber
