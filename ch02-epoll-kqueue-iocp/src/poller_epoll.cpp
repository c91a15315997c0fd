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
//
// wait(), which turns the kernel's events into the contract's Events, is in
// poller_epoll_wait.cpp (the ch02-epoll-wait lab rebuilds that file).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>

#include "poller_epoll_state.hpp"
#include "rt/error.hpp"

namespace rt::poll {

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
