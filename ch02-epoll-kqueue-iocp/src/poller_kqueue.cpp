// The Poller on macOS (and the BSDs): kqueue, with an EVFILT_USER event as the Waker.
//
// A kqueue holds "kevents", each a (descriptor, filter) pair: reading and writing are two
// filters, EVFILT_READ and EVFILT_WRITE, registered and reported separately, so one socket
// ready both ways comes back as two Events with the same token. Changes and waits both go
// through kevent(); changes are applied with EV_RECEIPT, so the kernel answers each change
// with an EV_ERROR entry whose data is 0 or the errno of that change, instead of reporting
// a failed change as an event of a later wait.
//
// Pitfalls handled here:
// - EV_EOF: set on EVFILT_READ/EVFILT_WRITE when the peer closed; the socket's pending
//   error, if any (a reset), is in fflags. Reported as hangup (+ error when fflags != 0).
// - EV_ERROR in a wait's output: the registration itself failed late (say, the descriptor
//   was closed); data holds the errno. Reported as error so the owner looks at the socket.
// - Closing a descriptor removes its kevents silently; remove() before close is the rule.
//
// This file cannot be compiled on Linux; it is built by the GitHub Actions macOS jobs.
#include <sys/event.h>
#include <sys/time.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include "rt/clock.hpp"
#include "rt/poll/poller.hpp"

namespace rt::poll {

struct Poller::State {
  int queue = -1;
  std::vector<struct kevent> buffer;  // wait()'s kernel-side events
};

namespace {

constexpr uintptr_t kWakeIdent = 0;  // EVFILT_USER idents are their own namespace

void* to_udata(std::uint64_t token) {
  return reinterpret_cast<void*>(token);
}

// Applies `count` changes with EV_RECEIPT and throws for the first one the kernel refused,
// unless it is a deletion of a filter that was not registered (`ignore_missing`). Returns
// how many such ENOENTs it ignored.
int apply(int queue, struct kevent* changes, int count, const char* call, bool ignore_missing) {
  for (int i = 0; i < count; ++i) changes[i].flags |= EV_RECEIPT;
  struct kevent results[2];
  assert(count <= 2);
  int n = ::kevent(queue, changes, count, results, count, nullptr);
  if (n < 0) throw_errno(call);
  int missing = 0;
  for (int i = 0; i < n; ++i) {
    if ((results[i].flags & EV_ERROR) == 0 || results[i].data == 0) continue;
    if (ignore_missing && results[i].data == ENOENT) {
      ++missing;
      continue;
    }
    throw_errno(call, static_cast<int>(results[i].data));
  }
  return missing;
}

void register_interest(int queue, Handle handle, Interest interest, std::uint64_t token,
                       Trigger trigger, const char* call, bool replacing) {
  if (token == kWakeToken) throw std::invalid_argument("kWakeToken is reserved for the Waker");
  const auto ident = static_cast<uintptr_t>(handle);
  const unsigned short clear = trigger == Trigger::edge ? EV_CLEAR : 0;
  const bool read = (static_cast<int>(interest) & static_cast<int>(Interest::read)) != 0;
  const bool write = (static_cast<int>(interest) & static_cast<int>(Interest::write)) != 0;
  struct kevent changes[2];
  EV_SET(&changes[0], ident, EVFILT_READ, read ? EV_ADD | clear : EV_DELETE, 0, 0, to_udata(token));
  EV_SET(&changes[1], ident, EVFILT_WRITE, write ? EV_ADD | clear : EV_DELETE, 0, 0,
         to_udata(token));
  if (!replacing) {
    // add(): only the wanted filters (deleting a filter never added would fail with ENOENT).
    int count = 0;
    struct kevent wanted[2];
    if (read) wanted[count++] = changes[0];
    if (write) wanted[count++] = changes[1];
    apply(queue, wanted, count, call, false);
  } else {
    apply(queue, changes, 2, call, true);  // modify(): drop the filter no longer wanted
  }
}

}  // namespace

Poller::Poller() : state_(std::make_unique<State>()) {
  state_->queue = ::kqueue();
  if (state_->queue < 0) throw_errno("kqueue");
  struct kevent wake;
  // EV_CLEAR: the user event resets when reported, so a reported wake is consumed.
  EV_SET(&wake, kWakeIdent, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, to_udata(kWakeToken));
  if (::kevent(state_->queue, &wake, 1, nullptr, 0, nullptr) != 0) {
    int error = errno;
    ::close(state_->queue);
    throw_errno("kevent EVFILT_USER", error);
  }
}

Poller::~Poller() {
  ::close(state_->queue);
}

const char* Poller::backend_name() noexcept {
  return "kqueue";
}
bool Poller::supports_readiness() noexcept {
  return true;
}
std::intptr_t Poller::native_handle() const noexcept {
  return state_->queue;
}

void Poller::add(Handle handle, Interest interest, std::uint64_t token, Trigger trigger) {
  register_interest(state_->queue, handle, interest, token, trigger, "kevent EV_ADD", false);
}

void Poller::modify(Handle handle, Interest interest, std::uint64_t token, Trigger trigger) {
  register_interest(state_->queue, handle, interest, token, trigger, "kevent EV_ADD", true);
}

void Poller::remove(Handle handle) {
  struct kevent changes[2];
  EV_SET(&changes[0], static_cast<uintptr_t>(handle), EVFILT_READ, EV_DELETE, 0, 0, nullptr);
  EV_SET(&changes[1], static_cast<uintptr_t>(handle), EVFILT_WRITE, EV_DELETE, 0, 0, nullptr);
  // A handle registered for one direction only has one filter to delete; a handle with
  // neither was never added (or already removed), which poller.hpp makes an error.
  if (apply(state_->queue, changes, 2, "kevent EV_DELETE", true) == 2) {
    throw_errno("kevent EV_DELETE", ENOENT);
  }
}

std::size_t Poller::wait(std::span<Event> events,
                         std::optional<std::chrono::milliseconds> timeout) {
  assert(!events.empty());
  state_->buffer.resize(events.size());
  const std::int64_t deadline_ns = timeout ? now_ns() + timeout->count() * 1'000'000 : 0;
  int n;
  for (;;) {
    timespec time_left{};
    if (timeout) {
      std::int64_t left_ns = deadline_ns - now_ns();
      if (left_ns < 0) left_ns = 0;
      time_left.tv_sec = static_cast<time_t>(left_ns / 1'000'000'000);
      time_left.tv_nsec = static_cast<long>(left_ns % 1'000'000'000);
    }
    n = ::kevent(state_->queue, nullptr, 0, state_->buffer.data(),
                 static_cast<int>(state_->buffer.size()), timeout ? &time_left : nullptr);
    if (n > 0 || (n == 0 && (!timeout || now_ns() >= deadline_ns))) break;
    if (n < 0 && errno != EINTR) throw_errno("kevent wait");
  }
  for (int i = 0; i < n; ++i) {
    const struct kevent& raw = state_->buffer[static_cast<std::size_t>(i)];
    Event& event = events[static_cast<std::size_t>(i)];
    event = Event{};
    event.token = reinterpret_cast<std::uint64_t>(raw.udata);
    if (raw.filter == EVFILT_USER) continue;  // the wake, consumed by EV_CLEAR
    if ((raw.flags & EV_ERROR) != 0) {
      event.error = true;
      continue;
    }
    event.readable = raw.filter == EVFILT_READ;
    event.writable = raw.filter == EVFILT_WRITE;
    if ((raw.flags & EV_EOF) != 0) {
      event.hangup = true;
      event.readable = true;  // a read now returns 0 (or the error), never blocks
      event.error = raw.fflags != 0;
    }
  }
  return static_cast<std::size_t>(n);
}

void Poller::wake() {
  struct kevent trigger;
  EV_SET(&trigger, kWakeIdent, EVFILT_USER, 0, NOTE_TRIGGER, 0, to_udata(kWakeToken));
  // The kevent() call is the release and the waiter's kevent() the acquire: the kqueue's
  // own lock orders them (poller.hpp, "the Waker").
  if (::kevent(state_->queue, &trigger, 1, nullptr, 0, nullptr) != 0) {
    throw_errno("kevent NOTE_TRIGGER");
  }
}

}  // namespace rt::poll
