// What a fiber costs, measured: the figures the demos, `bench` and `tour` print.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "rt/fiber/stack.hpp"

namespace ch03 {

// Two bare contexts (no scheduler) switch back and forth: mean ns per round trip, which
// is two switch_context calls.
double context_round_trip_ns(std::uint64_t round_trips);

// The same, with each switch also exchanging the C++ exception state the way switch_context
// would have to if the lowest layer owned it: a bare context does not know which thread it
// runs on, so each switch asks the runtime where the thread's state is, then exchanges it.
// The Scheduler asks once and exchanges per handoff (rt/fiber/exception_state.hpp).
double context_round_trip_with_exception_state_ns(std::uint64_t round_trips);

// Two fibers yield to each other through the Scheduler: mean ns per round trip, which is
// four switch_context calls (fiber -> scheduler -> other fiber, and back).
double yield_round_trip_ns(std::uint64_t round_trips);

// Spawns, runs (a short body) and joins `count` fibers one at a time on one Scheduler, so
// every spawn after the first takes its stack from the pool: mean ns per fiber.
double spawn_run_join_ns(std::size_t count, std::size_t stack_size);

// Chapter 1's thread ping-pong (futex / WaitOnAddress), set beside the fibers' round trip.
// Both threads are pinned to one CPU where the OS can pin, as a fiber switch never leaves
// its CPU: that compares the switches themselves. Unpinned, an idle second CPU would add the
// cost of waking it to every handoff (chapter 1's `switch` shows both).
struct ThreadRoundTrip {
  double ns = 0;
  std::uint64_t round_trips = 0;
  const char* placement = "";  // "on one CPU" or "unpinned (this OS cannot pin)"
};
ThreadRoundTrip thread_round_trip(std::uint64_t round_trips);

struct MemoryPerFiber {
  std::size_t fibers = 0;
  std::size_t stack_reserved = 0;  // address space per fiber, guard included
  std::optional<double> resident;  // process resident-set growth per parked fiber
  double create_ns = 0;            // mean time to spawn one (stack allocation included)
};

// Spawns `count` fibers that each run until they park (all alive at once), measures,
// then unparks them and lets them finish.
MemoryPerFiber memory_per_fiber(std::size_t count, std::size_t stack_size,
                                rt::fiber::StackGuard guard = rt::fiber::StackGuard::page);

}  // namespace ch03
