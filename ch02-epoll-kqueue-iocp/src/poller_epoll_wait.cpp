// Poller::wait on Linux: epoll_wait, then each kernel event translated into the contract's
// Event (poller.hpp), the Waker's event consumed on the way.
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <climits>
#include <cstdint>

#include "poller_epoll_state.hpp"
#include "rt/clock.hpp"
#include "rt/error.hpp"

namespace rt::poll {

std::size_t Poller::wait(std::span<Event> events,
                         std::optional<std::chrono::milliseconds> timeout) {
  assert(!events.empty());
  state_->buffer.resize(events.size());
  const std::int64_t deadline_ns = timeout ? now_ns() + timeout->count() * 1'000'000 : 0;
  int n;
  for (;;) {
    int timeout_ms = -1;  // block
    if (timeout) {
      // Round the time left up to whole milliseconds: rounding down would return early.
      std::int64_t left_ns = deadline_ns - now_ns();
      // Longer than INT_MAX ms (24 days) waits in several steps.
      timeout_ms =
          static_cast<int>(std::clamp<std::int64_t>((left_ns + 999'999) / 1'000'000, 0, INT_MAX));
    }
    n = ::epoll_wait(state_->epoll, state_->buffer.data(), static_cast<int>(state_->buffer.size()),
                     timeout_ms);
    if (n > 0 || (n == 0 && (!timeout || now_ns() >= deadline_ns))) break;
    if (n < 0 && errno != EINTR) throw_errno("epoll_wait");
    // EINTR (a signal), or a timer that fired before the deadline: wait for the time left.
  }
  for (int i = 0; i < n; ++i) {
    const epoll_event& raw = state_->buffer[static_cast<std::size_t>(i)];
    Event& event = events[static_cast<std::size_t>(i)];
    event = Event{};
    event.token = raw.data.u64;  // copied by value: the field may be unaligned (packed struct)
    if (event.token == kWakeToken) {
      // Consume the wake: reset the counter so the next wait blocks again. A wake() landing
      // after this read leaves the counter non-zero, so the next wait reports it: not lost.
      std::uint64_t count;
      [[maybe_unused]] ssize_t r = ::read(state_->wake_event, &count, sizeof count);
      continue;
    }
    std::uint32_t flags = raw.events;
    event.readable = (flags & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR)) != 0;
    event.writable = (flags & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0;
    event.hangup = (flags & (EPOLLHUP | EPOLLRDHUP)) != 0;
    event.error = (flags & EPOLLERR) != 0;
  }
  return static_cast<std::size_t>(n);
}

}  // namespace rt::poll
