// The Poller on Linux: epoll, with an eventfd as the Waker.
//
// epoll keeps an interest list (epoll_ctl) and a ready list inside the kernel; epoll_wait
// copies the ready list out, so one wait costs O(ready), not O(registered) as poll() and
// select() do. The Waker is an eventfd (an 8-byte kernel counter): write(1) makes it
// readable, read() resets it to 0, which is exactly "wakes coalesce; a reported wake is
// consumed" from poller.hpp.
//
// Pitfall: struct epoll_event is declared __attribute__((packed)) on x86-64 only (for
// 32-bit compatibility of the syscall ABI): 12 bytes there, 16 on ARM64 where the 64-bit
// data field is 8-aligned. Code that declares its own copy of the struct, or takes the
// address of .data.u64 on x86-64, breaks on one of them. tests/epoll_event_test.cpp shows
// both layouts; here the token is always copied by value.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "rt/clock.hpp"
#include "rt/poll/poller.hpp"

namespace rt::poll {

struct Poller::State {
  int epoll = -1;
  int wake_event = -1;              // eventfd, registered level-triggered with kWakeToken
  std::vector<epoll_event> buffer;  // wait()'s kernel-side events; sized to the caller's span
};

namespace {

std::uint32_t epoll_flags(Interest interest, Trigger trigger) {
  std::uint32_t flags = EPOLLRDHUP;  // report a peer's FIN as hangup, not only as readable
  if ((static_cast<int>(interest) & static_cast<int>(Interest::read)) != 0) flags |= EPOLLIN;
  if ((static_cast<int>(interest) & static_cast<int>(Interest::write)) != 0) flags |= EPOLLOUT;
  if (trigger == Trigger::edge) flags |= EPOLLET;
  return flags;
}

void control(int epoll, int operation, Handle handle, std::uint32_t flags, std::uint64_t token,
             const char* call) {
  if (token == kWakeToken) throw std::invalid_argument("kWakeToken is reserved for the Waker");
  epoll_event event{};
  event.events = flags;
  event.data.u64 = token;
  if (::epoll_ctl(epoll, operation, static_cast<int>(handle), &event) != 0) throw_errno(call);
}

}  // namespace

Poller::Poller() : state_(std::make_unique<State>()) {
  state_->epoll = ::epoll_create1(EPOLL_CLOEXEC);
  if (state_->epoll < 0) throw_errno("epoll_create1");
  state_->wake_event = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (state_->wake_event < 0) {
    ::close(state_->epoll);
    throw_errno("eventfd");
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeToken;
  if (::epoll_ctl(state_->epoll, EPOLL_CTL_ADD, state_->wake_event, &event) != 0) {
    int error = errno;
    ::close(state_->wake_event);
    ::close(state_->epoll);
    throw_errno("epoll_ctl ADD eventfd", error);
  }
}

Poller::~Poller() {
  ::close(state_->wake_event);
  ::close(state_->epoll);
}

const char* Poller::backend_name() noexcept {
  return "epoll";
}
bool Poller::supports_readiness() noexcept {
  return true;
}
std::intptr_t Poller::native_handle() const noexcept {
  return state_->epoll;
}

void Poller::add(Handle handle, Interest interest, std::uint64_t token, Trigger trigger) {
  control(state_->epoll, EPOLL_CTL_ADD, handle, epoll_flags(interest, trigger), token,
          "epoll_ctl ADD");
}

void Poller::modify(Handle handle, Interest interest, std::uint64_t token, Trigger trigger) {
  control(state_->epoll, EPOLL_CTL_MOD, handle, epoll_flags(interest, trigger), token,
          "epoll_ctl MOD");
}

void Poller::remove(Handle handle) {
  // The event argument is ignored for DEL, but kernels before 2.6.9 required non-null.
  epoll_event unused{};
  if (::epoll_ctl(state_->epoll, EPOLL_CTL_DEL, static_cast<int>(handle), &unused) != 0) {
    throw_errno("epoll_ctl DEL");
  }
}

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

void Poller::wake() {
  std::uint64_t one = 1;
  // The eventfd write is the release; the waiter's epoll_wait/read is the acquire: the
  // kernel's own locking orders them (poller.hpp, "the Waker").
  if (::write(state_->wake_event, &one, sizeof one) < 0 && errno != EAGAIN) {
    // EAGAIN: the counter is at its maximum, so a wake is pending anyway.
    throw_errno("write eventfd");
  }
}

}  // namespace rt::poll
