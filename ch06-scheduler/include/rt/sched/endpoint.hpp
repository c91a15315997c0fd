// The M:N fiber as a chapter 5 endpoint kind: chapter 5's channel connects it with an OS thread,
// a fiber of a chapter 4 loop, or another M:N fiber, without a change to the channel.
//
//   rt::chan::Channel<int, rt::chan::Thread, rt::sched::MnFiber> requests(64);  // T2C
//   rt::chan::Channel<int, rt::sched::MnFiber, rt::sched::MnFiber> pipe(0);     // C2C, M:N
//
// A parked M:N fiber is woken by rt::sched::unpark from any thread: a push on a run queue (the
// waker's runnext if the waker is a worker of the same runtime, else the global queue), and an
// OS wakeup of a sleeping worker only if no worker is spinning (runtime.hpp). It does not spin
// before parking (kSpinsBeforePark): parking costs one switch, and its worker then runs others.
// Each operation starts with a preemption check point (checkpoint).
#pragma once

#include "rt/chan/endpoint.hpp"
#include "rt/sched/runtime.hpp"

namespace rt::sched {

struct MnFiber {
  static constexpr const char* kName = "M:N fiber";
  static constexpr rt::chan::WaitState kWaiting = rt::chan::WaitState::fiber_waiting;
  static constexpr bool kSpinsBeforePark = false;
  struct Parker {
    Fiber* fiber = nullptr;
  };

  static bool caller_is_this_kind() noexcept { return this_fiber::on_fiber(); }
  // Every channel operation is a preemption check point (runtime.hpp, Options::preempt_after).
  static void checkpoint() { this_fiber::preemption_point(); }
  // And a region asynchronous preemption leaves alone (Options::async_preempt).
  using NoPreemption = this_fiber::NoPreemption;
  static void prepare(Parker& parker) noexcept { parker.fiber = &this_fiber::current(); }
  static void park(rt::chan::WaitWord& word, Parker& parker, rt::chan::Deadline deadline);
  static void take_stale_unpark(Parker&) { this_fiber::park(); }
  static bool unpark_from_own_thread(rt::chan::WaitWord&, Parker& parker) noexcept {
    return unpark(*parker.fiber);
  }
  static bool unpark_from_other_thread(rt::chan::WaitWord&, Parker& parker) noexcept {
    return unpark(*parker.fiber);
  }
  static bool unpark_from_any_thread(rt::chan::WaitWord&, Parker& parker) noexcept {
    return unpark(*parker.fiber);
  }
};

static_assert(rt::chan::EndpointKind<MnFiber>);

}  // namespace rt::sched
