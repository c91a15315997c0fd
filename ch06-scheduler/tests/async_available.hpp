// For the tests that need asynchronous preemption: a skip, with the reason, in the builds that
// have none (rt::sched::async_preemption_available, runtime.hpp).
#pragma once

#include <gtest/gtest.h>

#include "rt/sched/runtime.hpp"

#define SKIP_UNLESS_ASYNC_PREEMPTION()                                                       \
  if (!rt::sched::async_preemption_available())                                              \
  GTEST_SKIP() << "no asynchronous preemption in this build (runtime.hpp): ThreadSanitizer " \
                  "runs a signal's handler late; clang links AddressSanitizer's allocator "  \
                  "into the executable, where it would count as the program's own code"
