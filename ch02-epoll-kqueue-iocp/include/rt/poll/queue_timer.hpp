// A timer that the event queue reports like a socket: armed for a time (and optionally a
// period), it becomes readable when it expires, so one Poller::wait covers sockets and
// timers alike, without computing a timeout from a timer heap.
//
// Linux only: a timerfd (timerfd_create(2)), a descriptor that epoll watches like any other.
// kqueue has timers too (EVFILT_TIMER), but as a filter of the queue rather than a
// descriptor, and IOCP has none (a thread-pool timer posts a completion instead): a portable
// Poller would grow a timer operation of its own, which chapter 4's Loop does by keeping a
// heap and passing its nearest deadline to wait() (rt::net::Timer).
//
// Contract: readable (level-triggered: on every wait) from the first expiration until
// take_expirations() reads the count, which is then zero again; a periodic timer keeps
// counting expirations that nobody has taken, so a late reader learns how many it missed.
// One thread at a time (like the Poller).
#pragma once

#include <chrono>
#include <cstdint>

#include "rt/poll/socket.hpp"

namespace rt::poll {

class QueueTimer {
 public:
  // A disarmed timer on the monotonic clock. Throws rt::OsError if the OS refuses one.
  QueueTimer();
  ~QueueTimer();
  QueueTimer(const QueueTimer&) = delete;
  QueueTimer& operator=(const QueueTimer&) = delete;

  // Expires `first` from now, then every `period` (zero: once). Re-arming replaces the
  // previous setting. Throws std::invalid_argument unless first > 0 and period >= 0.
  void arm(std::chrono::nanoseconds first,
           std::chrono::nanoseconds period = std::chrono::nanoseconds::zero());

  // Stops it; expirations not yet taken are dropped, so it is no longer readable.
  void disarm();

  // How many times it expired since the last call (0 if none; never blocks).
  std::uint64_t take_expirations();

  // Register this with Poller::add(handle(), Interest::read, token).
  Handle handle() const noexcept { return descriptor_; }

 private:
  Handle descriptor_ = kInvalidHandle;
};

}  // namespace rt::poll
