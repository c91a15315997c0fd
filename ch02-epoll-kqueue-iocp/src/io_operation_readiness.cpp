// Operations on a readiness queue (epoll, kqueue): try the call, and if it would block, wait
// for the queue to say "ready" and try again. What this costs is in io_operation.hpp.
//
// Why edge-triggered: the socket is registered once for both directions. Level-triggered,
// an idle socket with room to send would be reported writable on every wait, forever; edge-
// triggered, it is reported when something changes. The price of edge triggering is the
// rule "after an event, call until EAGAIN", which start() and on_event() keep: an operation
// only ever waits after its own call returned EAGAIN, so no edge can be missed. (Nothing
// that handles events runs between that EAGAIN and the registration of the waiting
// operation: on one thread, because that thread also dequeues the events; on several
// (chapter 6), because start() and on_event() for one socket hold the same lock. An edge
// that arrives meanwhile is handled after the registration, and finds the operation.)
//
// One exception saves a system call per message: a receive that came back short took
// everything the socket had, so the next one waits for the next edge without calling recv()
// first. The rule and its two guards (an event clears the mark; a hangup ends it for good)
// are DrainMark's (drain_mark.hpp), shared with chapter 4's events model.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cassert>
#include <cerrno>

#include "rt/poll/io_operation.hpp"

namespace rt::poll {

namespace {

struct Attempt {
  bool finished = false;  // false: it would block; wait for the next edge
  std::size_t bytes = 0;
  int error = 0;
  Socket accepted;  // an accept's new connection
};

Attempt finished_with(IoResult r) {
  return {.finished = true,
          .bytes = r.error == 0 ? static_cast<std::size_t>(r.bytes) : 0,
          .error = r.error};
}

// The first step of a connect: the non-blocking connect() itself.
Attempt start_connect(Handle handle, const Ipv4Address& to) {
  sockaddr_in raw{};
  raw.sin_family = AF_INET;
  raw.sin_port = htons(to.port);
  raw.sin_addr.s_addr = htonl(to.host);
  if (::connect(static_cast<int>(handle), reinterpret_cast<sockaddr*>(&raw), sizeof raw) == 0) {
    return {.finished = true};  // loopback may connect at once
  }
  // EINTR: the handshake goes on in the kernel, as with EINPROGRESS (calling connect() again
  // would say EALREADY); both end with an event.
  if (errno == EINPROGRESS || errno == EINTR) return {};
  return {.finished = true, .error = errno};
}

// After an event: has the handshake ended, and how? SO_ERROR holds a failure (reading it
// clears it); no failure and a peer address means connected; no peer yet means the event was
// not about the handshake (ENOTCONN: keep waiting).
Attempt finish_connect(Handle handle) {
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(static_cast<int>(handle), SOL_SOCKET, SO_ERROR, &error, &size) != 0) {
    return {.finished = true, .error = errno};
  }
  if (error != 0) return {.finished = true, .error = error};
  sockaddr_in peer{};
  socklen_t peer_size = sizeof peer;
  if (::getpeername(static_cast<int>(handle), reinterpret_cast<sockaddr*>(&peer), &peer_size) ==
      0) {
    return {.finished = true};
  }
  if (errno == ENOTCONN) return {};
  return {.finished = true, .error = errno};
}

// One non-blocking attempt. `first`: called from start() (a connect then calls connect()).
Attempt attempt(Handle handle, Operation& operation, bool first) {
  switch (operation.kind()) {
    case Operation::Kind::receive: {
      IoResult r = receive_some(handle, operation.buffer());
      return r.would_block ? Attempt{} : finished_with(r);
    }
    case Operation::Kind::send: {
      IoResult r = send_some(handle, operation.buffer());
      return r.would_block ? Attempt{} : finished_with(r);
    }
    case Operation::Kind::accept: {
      Attempt result;
      IoResult r = accept_some(handle, result.accepted);
      if (r.would_block) return {};
      result.finished = true;
      result.error = r.error;
      return result;
    }
    case Operation::Kind::connect:
      return first ? start_connect(handle, operation.address()) : finish_connect(handle);
  }
  return {.finished = true, .error = EINVAL};  // unreachable: every Kind is handled above
}

}  // namespace

IoSocket::IoSocket(Poller& poller, const Socket& socket)
    : poller_(poller), handle_(socket.handle()) {
  poller_.add(handle_, Interest::read_write, token(), Trigger::edge);
}

IoSocket::~IoSocket() {
  assert(pending_ == 0 && "an IoSocket must outlive its pending operations");
  try {
    poller_.remove(handle_);
  } catch (const OsError&) {
    // The socket was closed first, which already removed the registration (poller.hpp).
  }
}

bool IoSocket::start(Operation& operation) {
  Operation*& slot = slot_of(operation);
  assert(slot == nullptr && "one receive and one send at a time per socket");
  operation.mark_pending();
  const bool receive = operation.kind() == Operation::Kind::receive;
  if (!(receive && drain_mark_.drained())) {
    Attempt result = attempt(handle_, operation, /*first=*/true);
    if (result.finished) {
      operation.accepted_ = result.accepted.release();
      operation.finish(result.bytes, result.error);
      if (receive) note_receive(operation);
      return true;
    }
  }
  slot = &operation;  // EAGAIN (or drained): wait for the next edge in this direction
  ++pending_;
  return false;
}

void IoSocket::note_receive(const Operation& operation) noexcept {
  drain_mark_.on_receive(operation.bytes(), operation.buffer().size(), operation.error());
}

FinishedOperations IoSocket::on_event(const Event& event) {
  FinishedOperations finished;
  // A hangup or error concerns both directions: each pending call now returns at once.
  const bool any = event.hangup || event.error;
  drain_mark_.on_event(event);
  for (Operation** slot : {&receiving_, &sending_}) {
    Operation* operation = *slot;
    if (operation == nullptr) continue;
    bool concerned = any || (slot == &receiving_ ? event.readable : event.writable);
    if (!concerned) continue;
    Attempt result = attempt(handle_, *operation, /*first=*/false);
    if (!result.finished) continue;  // spurious: keep waiting
    operation->accepted_ = result.accepted.release();
    operation->finish(result.bytes, result.error);
    if (operation->kind() == Operation::Kind::receive) note_receive(*operation);
    *slot = nullptr;
    --pending_;
    finished.items[finished.count++] = operation;
  }
  return finished;
}

bool IoSocket::cancel(Operation& operation) {
  Operation*& slot = slot_of(operation);
  assert(slot == &operation && "cancel() of an operation not pending here");
  // Nothing is in the kernel: the operation was only waiting for an edge.
  operation.finish(0, ECANCELED);
  slot = nullptr;
  --pending_;
  return true;
}

bool is_cancelled(int error) noexcept {
  return error == ECANCELED;
}

}  // namespace rt::poll
