// What a Stream owns (stream.hpp): the socket and its registration with the loop's Poller.
// On the heap, so that a Stream can move while the State's address, which the Poller and
// any pending Operation know, stays put.
#pragma once

#include "loop_impl.hpp"
#include "rt/net/stream.hpp"
#include "rt/poll/io_operation.hpp"
#include "rt/poll/socket.hpp"

namespace rt::net {

struct Stream::State {
  State(Loop::Impl& loop, rt::poll::Socket connected);

  Loop::Impl& loop;
  rt::poll::Socket socket;  // declared before io: destroyed after it (deregister, then close)
  rt::poll::IoSocket io;
  bool reading = false;  // a fiber is inside read_some
  bool writing = false;  // a fiber is inside write_some
};

}  // namespace rt::net
