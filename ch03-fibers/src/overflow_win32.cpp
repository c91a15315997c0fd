// Overflow reporting on Windows: a vectored exception handler, which Windows calls before
// any frame-based (SEH, C++ catch) handler. A fiber's stack grows like a thread's
// (stack_win32.cpp), so its overflow arrives as the thread's would: the kernel, refusing to
// grow the stack into the guarantee, commits the guarantee and raises STATUS_STACK_OVERFLOW
// on the fiber's stack, with the guarantee's pages to run this handler on. The kernel raises
// it only for the stack the TEB describes, the running fiber's, and where that is depends on
// the thread's guarantee: so it is accepted anywhere in the running fiber's reservation. A
// guard-page or access violation (a guard page touched while the TEB described another
// stack; the never-committed bottom page reached) counts only below the usable bytes.
#include <windows.h>

#include <mutex>

#include "overflow.hpp"
#include "rt/error.hpp"
#include "rt/fiber/scheduler.hpp"

namespace rt::fiber::detail {

namespace {

const Fiber* fiber_whose_reservation_holds(const void* address) {
  const Fiber* fiber = running_fiber();
  if (fiber == nullptr) return nullptr;
  auto* byte = static_cast<const std::byte*>(address);
  const Stack& stack = fiber->stack();
  return byte >= stack.top() - stack.reserved_size() && byte < stack.top() ? fiber : nullptr;
}

LONG CALLBACK on_exception(EXCEPTION_POINTERS* pointers) {
  const EXCEPTION_RECORD& record = *pointers->ExceptionRecord;
  switch (record.ExceptionCode) {
    case STATUS_GUARD_PAGE_VIOLATION:
    case STATUS_ACCESS_VIOLATION:
    case STATUS_STACK_OVERFLOW:
      break;
    default:
      return EXCEPTION_CONTINUE_SEARCH;
  }
  // For all three, ExceptionInformation[1] is the address whose access faulted.
  if (record.NumberParameters < 2) return EXCEPTION_CONTINUE_SEARCH;
  const void* address = reinterpret_cast<const void*>(record.ExceptionInformation[1]);
  const Fiber* fiber = record.ExceptionCode == STATUS_STACK_OVERFLOW
                           ? fiber_whose_reservation_holds(address)
                           : fiber_overflowing_at(address);
  if (fiber == nullptr) return EXCEPTION_CONTINUE_SEARCH;
  char message[512];
  DWORD length =
      static_cast<DWORD>(format_overflow_message(message, sizeof message, *fiber, address));
  DWORD written = 0;
  WriteFile(GetStdHandle(STD_ERROR_HANDLE), message, length, &written, nullptr);
  // Continuing would let the fiber go on into the guarantee and then fault where nothing
  // is committed, with no stack left to report on. End the process with the status Windows
  // uses for a stack overflow.
  TerminateProcess(GetCurrentProcess(), static_cast<UINT>(STATUS_STACK_OVERFLOW));
  return EXCEPTION_CONTINUE_SEARCH;  // not reached
}

std::once_flag handler_installed;

}  // namespace

void install_overflow_reporting() {
  std::call_once(handler_installed, [] {
    if (AddVectoredExceptionHandler(1, &on_exception) == nullptr) {
      throw_last_error("AddVectoredExceptionHandler");
    }
  });
}

}  // namespace rt::fiber::detail
