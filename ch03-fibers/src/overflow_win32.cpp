// Overflow reporting on Windows: a vectored exception handler, which Windows calls before
// any frame-based (SEH, C++ catch) handler. The stack layout in stack_win32.cpp leaves it
// room to run: the first touch of the PAGE_GUARD page raises STATUS_GUARD_PAGE_VIOLATION
// with committed pages below for the dispatcher. If the kernel instead treats the page as
// stack growth, the fault comes as STATUS_STACK_OVERFLOW or an access violation in the
// no-access page; all three are checked against the running fiber's guard pages.
#include <windows.h>

#include <mutex>

#include "overflow.hpp"
#include "rt/error.hpp"

namespace rt::fiber::detail {

namespace {

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
  const Fiber* fiber = fiber_overflowing_at(address);
  if (fiber == nullptr) return EXCEPTION_CONTINUE_SEARCH;
  char message[512];
  DWORD length =
      static_cast<DWORD>(format_overflow_message(message, sizeof message, *fiber, address));
  DWORD written = 0;
  WriteFile(GetStdHandle(STD_ERROR_HANDLE), message, length, &written, nullptr);
  // A guard page faults only once: continuing would let the fiber write on into the
  // reserve pages. End the process with the status Windows uses for a stack overflow.
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
