// The Poller on Windows: an I/O completion port, with PostQueuedCompletionStatus as the
// Waker.
//
// A completion port is a kernel queue of *finished operations*: a socket is associated with
// the port once (io_operation_iocp.cpp), every overlapped operation started on it later
// queues one packet {completion key, OVERLAPPED*, bytes} when it finishes, and
// GetQueuedCompletionStatusEx dequeues packets. A plain completion port has no "socket is
// readable" packet. Two ways add one: ProcessSocketNotifications (documented, Windows 11 and
// Server 2022 on), and the AFD driver's undocumented ioctls (what wepoll and mio use). This
// repository targets Windows 10 and runs its tests under wine 8, which has neither the
// function nor its headers in MinGW-w64, and it uses no undocumented interface; so
// add/modify/remove throw, and poller.hpp's supports_readiness() is false.
//
// The Waker posts a packet with key kWakeToken. Packets do not coalesce by themselves, so
// a flag does: wake() posts only when no wake is pending, and wait() clears the flag when
// it dequeues the wake packet.
#include <windows.h>
#include <winsock2.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <vector>

#include "rt/clock.hpp"
#include "rt/poll/poller.hpp"

namespace rt::poll {

struct Poller::State {
  HANDLE port = nullptr;
  // True from a wake() that posted a packet until wait() dequeues that packet.
  std::atomic<bool> wake_pending{false};
  std::vector<OVERLAPPED_ENTRY> buffer;  // wait()'s kernel-side entries
};

Poller::Poller() : state_(std::make_unique<State>()) {
  // NumberOfConcurrentThreads 1: one thread waits on this port (poller.hpp).
  state_->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
  if (state_->port == nullptr) throw_last_error("CreateIoCompletionPort");
}

Poller::~Poller() {
  CloseHandle(state_->port);
}

const char* Poller::backend_name() noexcept {
  return "IOCP";
}
bool Poller::supports_readiness() noexcept {
  return false;
}
std::intptr_t Poller::native_handle() const noexcept {
  return reinterpret_cast<std::intptr_t>(state_->port);
}

void Poller::add(Handle, Interest, std::uint64_t, Trigger) {
  throw OsError("Poller::add (readiness on IOCP)", ERROR_NOT_SUPPORTED, ErrorDomain::win32);
}

void Poller::modify(Handle, Interest, std::uint64_t, Trigger) {
  throw OsError("Poller::modify (readiness on IOCP)", ERROR_NOT_SUPPORTED, ErrorDomain::win32);
}

void Poller::remove(Handle) {
  throw OsError("Poller::remove (readiness on IOCP)", ERROR_NOT_SUPPORTED, ErrorDomain::win32);
}

std::size_t Poller::wait(std::span<Event> events,
                         std::optional<std::chrono::milliseconds> timeout) {
  assert(!events.empty());
  state_->buffer.resize(events.size());
  const std::int64_t deadline_ns = timeout ? now_ns() + timeout->count() * 1'000'000 : 0;
  ULONG n = 0;
  for (;;) {
    DWORD timeout_ms = INFINITE;
    if (timeout) {
      std::int64_t left_ns = deadline_ns - now_ns();
      // INFINITE is 0xFFFFFFFF: longer bounded waits (49 days) go in several steps.
      timeout_ms = static_cast<DWORD>(
          std::clamp<std::int64_t>((left_ns + 999'999) / 1'000'000, 0, INFINITE - 1));
    }
    // fAlertable FALSE: APCs do not end the wait (the Windows analogue of EINTR is opt-in).
    if (GetQueuedCompletionStatusEx(state_->port, state_->buffer.data(),
                                    static_cast<ULONG>(state_->buffer.size()), &n, timeout_ms,
                                    FALSE)) {
      break;
    }
    if (GetLastError() != WAIT_TIMEOUT) throw_last_error("GetQueuedCompletionStatusEx");
    n = 0;
    // The timer's granularity (~15.6 ms by default) may end a wait before the deadline;
    // wait for the time left so that a zero-event return means the timeout passed.
    if (now_ns() >= deadline_ns) break;
  }
  for (ULONG i = 0; i < n; ++i) {
    const OVERLAPPED_ENTRY& entry = state_->buffer[i];
    Event& event = events[i];
    event = Event{};
    event.token = static_cast<std::uint64_t>(entry.lpCompletionKey);
    if (event.token == kWakeToken) {
      // The waker's writes become visible here; see wake() for why a wake is never lost.
      state_->wake_pending.exchange(false, std::memory_order_acq_rel);  // pairs with wake()'s
      continue;
    }
    event.completed_overlapped = entry.lpOverlapped;
    event.completed_bytes = entry.dwNumberOfBytesTransferred;
  }
  return n;
}

void Poller::wake() {
  // A wake that finds a packet pending needs no second one: the waiter that dequeues that
  // packet clears the flag afterwards, with an exchange that reads this one's write (the
  // two RMWs are ordered on the flag), so it also sees everything written before it.
  if (state_->wake_pending.exchange(true, std::memory_order_acq_rel)) {  // pairs with wait()'s
    return;
  }
  if (!PostQueuedCompletionStatus(state_->port, 0, static_cast<ULONG_PTR>(kWakeToken), nullptr)) {
    state_->wake_pending.store(false, std::memory_order_release);  // undo: no packet posted
    throw_last_error("PostQueuedCompletionStatus");
  }
}

}  // namespace rt::poll
