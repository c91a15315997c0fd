// ThreadExceptionState on the Microsoft C++ runtime (MSVC, clang-cl): vcruntime keeps the
// thread's exception facts in its per-thread data (__vcrt_getptd(), private) and exports an
// accessor for each of the three that std::current_exception, `throw;` and
// std::uncaught_exceptions read; every MSVC-built program imports the first two already:
//   __current_exception()          the exception record being handled (_curexception)
//   __current_exception_context()  the CPU context it was raised in (_curcontext)
//   __processing_throw()           throws in progress (_ProcessingThrow): what
//                                  std::uncaught_exceptions returns
// The addresses are the thread's for its whole life, so they are asked for once.
//
// Not carried, because vcruntime keeps them private: the chain of active catch frames
// (_pFrameInfoChain, which is searched, not popped, so fibers' frames may interleave in it)
// and the words one dispatch uses from the throw until its handler starts (the rethrow flag,
// the thrower's image base, a foreign exception, FH4's catch state). The README's platform
// notes turn that into the rule: on MSVC, never park in a destructor that runs during
// unwinding. Not run here (no MSVC on this machine): compiled by ch03.cross.* and built and
// tested by the users' CI matrix.
#include "rt/fiber/exception_state.hpp"

extern "C" {
void** __current_exception() noexcept;
void** __current_exception_context() noexcept;
int* __processing_throw() noexcept;
}

namespace rt::fiber {

ThreadExceptionState::ThreadExceptionState() noexcept
    : where_{__current_exception(), __current_exception_context(), __processing_throw()} {}

void ThreadExceptionState::exchange(ExceptionState& save,
                                    const ExceptionState& load) const noexcept {
  auto* record = static_cast<void**>(where_[0]);
  auto* context = static_cast<void**>(where_[1]);
  auto* in_flight = static_cast<int*>(where_[2]);
  save.handled = *record;
  save.handled_context = *context;
  save.in_flight = static_cast<unsigned>(*in_flight);
  *record = load.handled;
  *context = load.handled_context;
  *in_flight = static_cast<int>(load.in_flight);
}

}  // namespace rt::fiber
