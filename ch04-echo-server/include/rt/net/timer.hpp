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

#include <cstddef>
#include <cstdint>
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

struct Waiter;  // a fiber parked on the loop (the loop's own, private)

// One entry of the loop's timer heap. Intrusive: it lives where its owner lives (a parked
// fiber's frame, an Alarm), and must leave the heap before it is destroyed.
struct Timer {
  static constexpr std::size_t kNotQueued = ~std::size_t{0};

  Clock::time_point deadline{};
  std::uint64_t sequence = 0;                // set when queued
  std::size_t index = kNotQueued;            // position in the heap, or kNotQueued
  Waiter* waiter = nullptr;                  // the loop's sleeps and deadlines: whom it tells
  void (*on_fire)(void* context) = nullptr;  // an Alarm: what it calls instead
  void* context = nullptr;

  bool queued() const noexcept { return index != kNotQueued; }
};

// A call at a time, on the loop's thread: for code that parks fibers on something of its own
// (chapter 5's channels time out a receive with one). Loop thread only. The callback runs
// between fibers, at most once, never before `at`, and never after cancel() or the Alarm's
// destruction; it must not throw, and may unpark fibers.
class Alarm {
 public:
  Alarm() = default;
  Alarm(const Alarm&) = delete;
  Alarm& operator=(const Alarm&) = delete;
  ~Alarm() { cancel(); }

  // Arms the alarm (precondition: not armed). On the loop's thread (checked).
  void set(Loop& loop, Clock::time_point at, void (*on_fire)(void* context), void* context);
  // Disarms it if it has not fired; a no-op otherwise. On the loop's thread.
  void cancel() noexcept;
  bool armed() const noexcept { return timer_.queued(); }

 private:
  Loop* loop_ = nullptr;
  Timer timer_;
};

}  // namespace rt::net
