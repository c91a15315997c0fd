// Operations on a readiness queue (epoll, kqueue): try the call, and if it would block, wait
// for the queue to say "ready" and try again. What this costs is in io_operation.hpp.
//
// Why edge-triggered: the socket is registered once for both directions. Level-triggered,
// an idle socket with room to send would be reported writable on every wait, forever; edge-
// triggered, it is reported when something changes. The price of edge triggering is the
// rule "after an event, call until EAGAIN", which start() and on_event() keep: an operation
// only ever waits after its own call returned EAGAIN, so no edge can be missed. (Nothing
// runs between that EAGAIN and the registration of the waiting operation but this thread,
// and this thread is also the one that dequeues events: an edge that arrives meanwhile is
// simply queued until the next wait.)
#include <cassert>
#include <cerrno>

#include "rt/poll/io_operation.hpp"

namespace rt::poll {

namespace {

// One non-blocking attempt; true if the operation finished (successfully or not).
bool attempt(Handle handle, Operation& operation, std::size_t& bytes, int& error) {
  IoResult r = operation.kind() == Operation::Kind::receive
                   ? receive_some(handle, operation.buffer())
                   : send_some(handle, operation.buffer());
  if (r.would_block) return false;
  bytes = r.error == 0 ? static_cast<std::size_t>(r.bytes) : 0;
  error = r.error;
  return true;
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
  Operation*& slot = operation.kind() == Operation::Kind::receive ? receiving_ : sending_;
  assert(slot == nullptr && "one receive and one send at a time per socket");
  operation.mark_pending();
  std::size_t bytes = 0;
  int error = 0;
  if (attempt(handle_, operation, bytes, error)) {
    operation.finish(bytes, error);
    return true;
  }
  slot = &operation;  // EAGAIN: wait for the next edge in this direction
  ++pending_;
  return false;
}

FinishedOperations IoSocket::on_event(const Event& event) {
  FinishedOperations finished;
  // A hangup or error concerns both directions: each pending call now returns at once.
  const bool any = event.hangup || event.error;
  for (Operation** slot : {&receiving_, &sending_}) {
    Operation* operation = *slot;
    if (operation == nullptr) continue;
    bool concerned = any || (slot == &receiving_ ? event.readable : event.writable);
    if (!concerned) continue;
    std::size_t bytes = 0;
    int error = 0;
    if (!attempt(handle_, *operation, bytes, error)) continue;  // spurious: keep waiting
    operation->finish(bytes, error);
    *slot = nullptr;
    --pending_;
    finished.items[finished.count++] = operation;
  }
  return finished;
}

bool IoSocket::cancel(Operation& operation) {
  Operation*& slot = operation.kind() == Operation::Kind::receive ? receiving_ : sending_;
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
