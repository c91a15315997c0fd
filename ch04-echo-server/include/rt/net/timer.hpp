// Time on the loop: sleeping fibers, and deadlines for socket operations.
//
// The loop keeps one binary min-heap of timers keyed by (deadline, sequence number): timers
// fire in deadline order, and timers with equal deadlines fire in the order they were set.
// The loop's Poller::wait sleeps exactly until the earliest one (no polling, no tick).
//
// Contract:
// - A timer never fires before its deadline by Clock (it may fire later: the OS timer's
//   granularity, ~1 ms on Linux and macOS, up to ~16 ms on Windows, and fibers that do not
//   yield delay everything on the loop).
// - Call sleep_for/sleep_until on a fiber of a Loop (checked: stops the process with a
//   message otherwise).
// - Both throw rt::net::Cancelled if the loop is shutting down (Loop::cancel_all), before or
//   during the sleep.
#pragma once

#include <optional>

#include "rt/net/loop.hpp"

namespace rt::net {

// Parks the calling fiber until Clock::now() >= now + d. d <= 0 yields instead: every other
// ready fiber runs once, and the call returns without touching the timer heap.
void sleep_for(Clock::duration d);
// Parks the calling fiber until Clock::now() >= t (t in the past: yields, as above).
void sleep_until(Clock::time_point t);

// When a socket operation gives up. A passed deadline (or a zero duration) still lets an
// operation that can finish at once succeed: only an operation that would park times out.
struct Deadline {
  std::optional<Clock::time_point> at;  // nullopt: never
  // The duration after() was given, for TimedOut's message ("timed out after 5 s"); zero
  // for a Deadline made from a time point (the message then counts from the call's start).
  Clock::duration budget{};

  static Deadline after(Clock::duration d) { return Deadline{Clock::now() + d, d}; }
  static Deadline never() { return Deadline{}; }
};

}  // namespace rt::net
