// Reporting a fiber's stack overflow by name. A fault in a stack's guard pages means that
// stack overflowed; the handler (overflow_posix.cpp: SIGSEGV/SIGBUS on an alternate signal
// stack; overflow_win32.cpp: a vectored exception handler) asks which fiber runs on this
// thread, prints
//   rt::fiber: fiber "deep" overflowed its stack (64 KiB): fault at 0x7f..., in its guard page
// and lets the process die of the fault. Faults that are not a fiber's overflow go on to
// whatever handled them before.
#pragma once

#include <cstddef>

namespace rt::fiber {
class Fiber;
}

namespace rt::fiber::detail {

// Once per process: the fault handler. Once per calling thread: what the handler needs on
// that thread (POSIX: an alternate signal stack, since the fiber's own stack is full).
void install_overflow_reporting();

// The scheduler calls this around every switch: the fiber now running on this thread
// (nullptr: none, the thread's own stack).
void set_running_fiber(const Fiber* fiber) noexcept;

// For the handlers (async-signal-safe): the fiber running on this thread if `address` lies
// in its guard pages, else nullptr.
const Fiber* fiber_overflowing_at(const void* address) noexcept;
const Fiber* running_fiber() noexcept;

// For the handlers (async-signal-safe: no allocation, no locks): writes the message above
// into `buffer` and returns its length.
std::size_t format_overflow_message(char* buffer, std::size_t size, const Fiber& fiber,
                                    const void* address) noexcept;

}  // namespace rt::fiber::detail
