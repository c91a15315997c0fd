// Endpoint kinds: who may wait on a channel, how it parks, and how it is woken.
//
// A channel is a template over two kinds, its sender's and its receiver's (channel.hpp). A
// kind is a type that satisfies EndpointKind: it says how its own party parks on a waiter
// word, and how a party of the same thread or of another thread unparks it. The channel picks
// one of those at compile time (mode.hpp): no virtual call, no run-time branch on the mode.
// Chapter 6 adds its M:N fiber as a third kind without touching the channel.
//
//   kind            parks                                  woken by
//   Thread          the OS address wait on the word        rt::os::wake_one (futex, WaitOnAddress)
//   Fiber           rt::fiber::this_fiber::park() on its   same loop: Scheduler::unpark, a push
//                   rt::net::Loop                          on the run queue, no system call;
//                                                          another thread: the loop's inbox, and
//                                                          Poller::wake only if the loop sleeps
//   FiberOnAnyLoop  as Fiber                               always the inbox (the two sides may
//                                                          be fibers of two loops)
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "rt/chan/waiter.hpp"
#include "rt/clock.hpp"
#include "rt/net/loop.hpp"

namespace rt::chan {

// When a wait gives up: a time point on the steady clock, or never (the default). Implicit from
// a time point, so `channel.receive(rt::Clock::now() + 2s)` reads as it should.
struct Deadline {
  rt::Clock::time_point at = rt::Clock::time_point::max();  // max(): never

  Deadline() = default;
  Deadline(rt::Clock::time_point when) : at(when) {}  // NOLINT: implicit by design
  static Deadline never() { return {}; }
  bool is_never() const noexcept { return at == rt::Clock::time_point::max(); }
  bool passed() const noexcept { return !is_never() && rt::Clock::now() >= at; }
};

// What a kind must provide. `word` is the waiter's word, `parker` the kind's per-wait state.
template <typename K>
concept EndpointKind = requires(typename K::Parker& parker, WaitWord& word, Deadline deadline) {
  // For messages ("thread", "fiber").
  { K::kName } -> std::convertible_to<const char*>;
  // The word's value while this kind waits.
  { K::kWaiting } -> std::convertible_to<WaitState>;
  // Whether the calling code runs as this kind (a channel checks every caller).
  { K::caller_is_this_kind() } -> std::same_as<bool>;
  // The waiting side, before it registers: note who will park.
  { K::prepare(parker) } -> std::same_as<void>;
  // The waiting side: returns once the word is no longer kWaiting. With a deadline, the kind
  // itself ends the wait as timed_out when it passes (if nobody ended it first). For a fiber,
  // consumes exactly the one unpark its wait's winner posted.
  { K::park(word, parker, deadline) } -> std::same_as<void>;
  // The waiting side, after its withdrawal lost (someone ended the wait first): a fiber must
  // take the winner's unpark, which is on its way, before it may wait again.
  { K::take_stale_unpark(parker) } -> std::same_as<void>;
  // The winner of the CAS, on the waiter's own thread (same loop): wakes it.
  { K::unpark_from_own_thread(word, parker) } -> std::same_as<bool>;
  // The winner, on another thread: wakes it. Returns true if that cost an OS wakeup (a system
  // call that makes a sleeping thread runnable).
  { K::unpark_from_other_thread(word, parker) } -> std::same_as<bool>;
  // The winner, on a thread it cannot know in advance (a stop request).
  { K::unpark_from_any_thread(word, parker) } -> std::same_as<bool>;
};

// Whether a party of kind K spins a little before it parks (wait.hpp, step 0): yes, unless the
// kind defines `static constexpr bool kSpinsBeforePark = false`. Chapter 6's M:N fiber does: its
// park is a switch to its worker, which runs other fibers meanwhile, so a spin only delays them
// (Go's channels do not spin either).
template <typename K>
constexpr bool spins_before_park() {
  if constexpr (requires { K::kSpinsBeforePark; }) {
    return K::kSpinsBeforePark;
  } else {
    return true;
  }
}

// A channel operation's first step, before it touches the channel: a kind whose scheduler
// preempts (chapter 6's M:N fiber) may yield there if its fiber was asked to, as Go's
// channel functions check for preemption in their prologue. Optional: `static void
// checkpoint()`; kinds without one pay nothing.
template <typename K>
void checkpoint() {
  if constexpr (requires { K::checkpoint(); }) K::checkpoint();
}

// A region its scheduler must not preempt asynchronously: chapter 6's M:N fiber may be stopped
// by a signal between any two instructions of its own code, but not inside a channel
// operation, which holds spin locks and registers waiters whose wakeup a preemption would
// lose. Optional: a default-constructible `K::NoPreemption` whose lifetime is the region (it
// must do nothing off its kind's parties: close() holds both kinds'). `NoPreemption<K>` is it,
// or an empty struct for kinds that have none.
namespace detail {
struct Preemptible {};
template <typename K>
auto no_preemption_of() {
  if constexpr (requires { typename K::NoPreemption; }) {
    return std::type_identity<typename K::NoPreemption>{};
  } else {
    return std::type_identity<Preemptible>{};
  }
}
}  // namespace detail
template <typename K>
using NoPreemption = typename decltype(detail::no_preemption_of<K>())::type;

struct Thread {
  static constexpr const char* kName = "thread";
  static constexpr WaitState kWaiting = WaitState::thread_waiting;
  struct Parker {};  // the word itself is what the OS waits on

  static bool caller_is_this_kind() noexcept;
  static void prepare(Parker&) noexcept {}
  static void park(WaitWord& word, Parker&, Deadline deadline);
  static void take_stale_unpark(Parker&) noexcept {}  // the word wait has no queued unpark
  static bool unpark_from_own_thread(WaitWord& word, Parker& parker) noexcept {
    return unpark_from_other_thread(word, parker);
  }
  static bool unpark_from_other_thread(WaitWord& word, Parker&) noexcept;
  static bool unpark_from_any_thread(WaitWord& word, Parker& parker) noexcept {
    return unpark_from_other_thread(word, parker);
  }
};

struct Fiber {
  static constexpr const char* kName = "fiber";
  static constexpr WaitState kWaiting = WaitState::fiber_waiting;
  struct Parker {
    rt::net::Loop* loop = nullptr;
    rt::fiber::Fiber* fiber = nullptr;
    rt::net::Loop::RemoteUnpark request{};  // for unparks from another thread
  };

  // Inline: every operation asks (rt::net::Loop::of_running_fiber says why that is safe).
  static bool caller_is_this_kind() noexcept {
    return rt::net::Loop::of_running_fiber() != nullptr;
  }
  static void prepare(Parker& parker) noexcept {  // after caller_is_this_kind() said true
    parker.loop = rt::net::Loop::of_running_fiber();
    parker.fiber = &parker.loop->running_fiber();
    parker.request.fiber = parker.fiber;
  }
  static void park(WaitWord& word, Parker& parker, Deadline deadline);
  static void take_stale_unpark(Parker& parker);
  // Precondition (checked): the caller runs on the waiter's loop's thread.
  static bool unpark_from_own_thread(WaitWord& word, Parker& parker) noexcept;
  static bool unpark_from_other_thread(WaitWord& word, Parker& parker) noexcept;
  static bool unpark_from_any_thread(WaitWord& word, Parker& parker) noexcept;
};

// A fiber whose channel's other side may be a fiber of another loop: it parks as a Fiber,
// and every wake goes through its loop's inbox (one atomic push; a Poller::wake only if that
// loop sleeps), since the winner may run on any thread.
struct FiberOnAnyLoop : Fiber {
  static constexpr const char* kName = "fiber (any loop)";
  static bool unpark_from_own_thread(WaitWord& word, Parker& parker) noexcept {
    return unpark_from_other_thread(word, parker);
  }
};

static_assert(EndpointKind<Thread>);
static_assert(EndpointKind<Fiber>);
static_assert(EndpointKind<FiberOnAnyLoop>);

// Stops the process with "rt::chan: <message>" (misuse the contract calls a checked error).
[[noreturn]] void fail_misuse(const char* message, const char* detail = "");

}  // namespace rt::chan
