// The seam between a socket and whoever runs the fibers that use it.
//
// Stream, Listener and sleep_for do not know who parks their fiber and who watches the Poller:
// they ask a Reactor. This chapter has one, the Loop (loop_impl.hpp: one thread, its fibers,
// one Poller). Chapter 6's M:N runtime is the second (many workers share one Poller, and a
// fiber may park on one worker and resume on another); it includes this header, as it
// includes timer_queue.hpp, so the socket code is written once.
//
// What changes when polls run on other threads than the parked fibers, and the hook each
// change has here:
// - An event may be handled on one thread while a fiber starts an operation on the same
//   IoSocket on another: the reactor orders the two (the Loop needs nothing: one thread).
// - Listener::close() may run on another thread than its accept(): guard() orders them.
// - A poll that began before a socket was closed may still report it: retire() keeps the
//   socket's state alive until no such poll is running (the Loop destroys it at once: its
//   polls and its fibers take turns on one thread).
#pragma once

#include <memory>
#include <mutex>
#include <string_view>

#include "rt/net/loop.hpp"
#include "rt/net/timer.hpp"
#include "rt/poll/io_operation.hpp"
#include "rt/poll/poller.hpp"
#include "rt/poll/socket.hpp"

namespace rt::net {

class Reactor;

// Misuse the contract calls a checked error: prints "rt::net: <message>" and aborts.
[[noreturn]] void fail_misuse(std::string_view message);

// A fiber parked on one socket operation. Each reactor derives its own (the Loop's Waiter);
// Listener only keeps a pointer to it, to end the wait from close().
struct ParkedIo {};

// Where await() shows its parked fiber to a closer (Listener::close()). Both fields are read
// and written under the reactor's guard() of the socket.
struct Publication {
  ParkedIo* parked = nullptr;  // while a fiber is parked in await()
  bool closed = false;         // set by the closer: the wait ends (now, or as it parks)
};

// What a Stream and a Listener own: a socket and its registration with the reactor's Poller.
// On the heap, so that the Stream can move while the address the Poller and any pending
// Operation know stays put.
struct SocketState {
  SocketState(Reactor& reactor, rt::poll::Socket socket);
  virtual ~SocketState() = default;
  SocketState(const SocketState&) = delete;
  SocketState& operator=(const SocketState&) = delete;

  Reactor& reactor;
  rt::poll::Socket socket;  // declared before io: destroyed after it (deregister, then close)
  rt::poll::IoSocket io;
};

class Reactor {
 public:
  virtual rt::poll::Poller& poller() noexcept = 0;
  // Stops the process with a message naming `call` unless the caller runs on a fiber of this
  // reactor.
  virtual void check_on_fiber(const char* call) const = 0;
  // On a fiber of this reactor: starts `operation` on `io`; if it did not finish at once,
  // parks until it finished. Returns when it finished (its error() tells how); throws
  // TimedOut if the deadline cancelled it, Cancelled if a shutdown or a close did.
  // `published`, if given, shows the parked fiber while it is parked; if its `closed` is set
  // (now, or while it parks), the wait ends as cancel_closed() ends it.
  virtual void await(rt::poll::IoSocket& io, rt::poll::Operation& operation, Deadline deadline,
                     std::string_view call, Publication* published) = 0;
  // On a fiber of this reactor: parks until `deadline`; throws Cancelled on a shutdown.
  virtual void sleep_until(Clock::time_point deadline) = 0;
  // Called under guard() of the socket, with `published.closed` set: ends the wait of the fiber
  // published there, if any; its await() throws Cancelled("the listener was closed").
  virtual void cancel_closed(Publication& published) = 0;
  // A lock that orders calls about one socket made on different threads (Listener::close()
  // against its accept()), the one await() holds while it starts an operation and publishes
  // its fiber. `socket` is the IoSocket's address, used as a key only: it may be gone. The
  // Loop, whose fibers all run on one thread, returns no lock.
  virtual std::unique_lock<std::mutex> guard(const void* socket) = 0;
  // Chapter 6's runtime may preempt a fiber between any two instructions of its own code
  // (asynchronous preemption): a fiber that holds guard() must not be, or another fiber of its
  // worker that wants the lock would stop that worker's thread. Raises and lowers that
  // region, around guard() (SocketGuard). The Loop preempts nothing: nothing to do.
  virtual void hold_still(bool) noexcept {}
  // Destroys a socket's state (deregisters, then closes the socket): at once, or, when polls
  // run on other threads, once no poll that began before this call is still running.
  virtual void retire(std::unique_ptr<SocketState> state) noexcept = 0;

 protected:
  Reactor() = default;
  ~Reactor() = default;
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;
};

// guard() held for this object's life, inside the reactor's region that must not be
// preempted.
class SocketGuard {
 public:
  SocketGuard(Reactor& reactor, const void* socket) : reactor_(reactor) {
    reactor_.hold_still(true);
    lock_ = reactor_.guard(socket);
  }
  ~SocketGuard() {
    if (lock_.owns_lock()) lock_.unlock();
    reactor_.hold_still(false);
  }
  SocketGuard(const SocketGuard&) = delete;
  SocketGuard& operator=(const SocketGuard&) = delete;

 private:
  Reactor& reactor_;
  std::unique_lock<std::mutex> lock_;
};

// The reactor of the calling fiber: its thread's Loop, or the one the lookup below finds.
// Called off any such fiber, stops the process with "<call> called outside a fiber of a Loop
// or a Runtime".
Reactor& current_reactor(const char* call);

// Chapter 6 installs a lookup that returns its runtime's reactor when the caller runs on one of
// its fibers (null otherwise). One lookup for the process; set before any fiber uses sockets.
using ReactorLookup = Reactor* (*)() noexcept;
void set_reactor_lookup(ReactorLookup lookup) noexcept;

}  // namespace rt::net
