// The four modes, and which wake path each pair of kinds takes (chosen at compile time).
//
//   mode  sender  receiver  a parked receiver is woken by        a parked sender is woken by
//   T2T   Thread  Thread    futex / WaitOnAddress wake           the same
//   T2C   Thread  Fiber     the loop's inbox (+ Poller::wake     futex / WaitOnAddress wake
//                           if the loop sleeps: eventfd,
//                           EVFILT_USER, PostQueuedCompletionStatus)
//   C2T   Fiber   Thread    futex / WaitOnAddress wake           the loop's inbox (+ wake)
//   C2C   Fiber   Fiber     Scheduler::unpark: a push on the     the same
//                           run queue, no system call
// FiberOnAnyLoop on either side makes every wake of a fiber go through its loop's inbox.
#pragma once

#include <type_traits>

#include "rt/chan/endpoint.hpp"

namespace rt::chan {

template <typename SenderKind, typename ReceiverKind>
constexpr const char* mode_name() {
  constexpr bool sender_is_thread = std::is_same_v<SenderKind, Thread>;
  constexpr bool receiver_is_thread = std::is_same_v<ReceiverKind, Thread>;
  if constexpr (sender_is_thread && receiver_is_thread) return "T2T";
  if constexpr (sender_is_thread && !receiver_is_thread) return "T2C";
  if constexpr (!sender_is_thread && receiver_is_thread) return "C2T";
  return "C2C";
}

// Whether the party of kind Waker always runs on the thread of the waiter of kind Waiter, so
// that it may unpark it directly: only two plain Fibers (one loop, one thread).
template <typename Waiter, typename Waker>
constexpr bool same_thread_wake() {
  return std::is_same_v<Waiter, Fiber> && std::is_same_v<Waker, Fiber>;
}

// Stops the process: `call` was made by the wrong kind of party.
[[noreturn]] void fail_wrong_caller(const char* call, const char* mode, const char* expected);

}  // namespace rt::chan
