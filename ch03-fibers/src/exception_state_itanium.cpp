// ThreadExceptionState on the Itanium C++ ABI (libstdc++, libc++abi: Linux, macOS, MinGW):
// the thread's facts are one struct, __cxa_eh_globals (cxa_eh_globals.hpp), whose address
// __cxa_get_globals() returns; it is the same for the thread's whole life.
//
// Copying both fields moves the whole list of handled exceptions with the fiber: the list is
// linked through the exception objects themselves (on the heap), so the head is all there
// is to carry.
#include "cxa_eh_globals.hpp"
#include "rt/fiber/exception_state.hpp"

namespace rt::fiber {

ThreadExceptionState::ThreadExceptionState() noexcept
    : where_{detail::cxa_eh_globals(), nullptr, nullptr} {}

void ThreadExceptionState::exchange(ExceptionState& save,
                                    const ExceptionState& load) const noexcept {
  auto* globals = static_cast<detail::CxaEhGlobals*>(where_[0]);
  save.handled = globals->caught_exceptions;
  save.in_flight = globals->uncaught_exceptions;
  globals->caught_exceptions = load.handled;
  globals->uncaught_exceptions = load.in_flight;
}

}  // namespace rt::fiber
