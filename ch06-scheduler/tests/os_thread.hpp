// The OS thread running the caller, read anew at every call, for tests of fibers that move
// between threads. std::this_thread::get_id() is pthread_self(), which glibc declares
// __attribute__((const)): an optimising compiler may reuse one call's result after a fiber
// switch, although the fiber may run on another thread by then (a TSan build did: a test of a
// fiber that had moved saw the thread it had left). The call through a volatile pointer cannot
// be reused.
#pragma once

#include <thread>

namespace rt::sched::testing {

inline std::thread::id os_thread() {
  static std::thread::id (*volatile const read)() noexcept = &std::this_thread::get_id;
  return read();
}

}  // namespace rt::sched::testing
