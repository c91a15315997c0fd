// What a Stream owns (stream.hpp): a socket and its registration (reactor.hpp), and which
// directions a fiber is inside.
#pragma once

#include "reactor.hpp"
#include "rt/net/stream.hpp"

namespace rt::net {

struct Stream::State final : SocketState {
  using SocketState::SocketState;

  bool reading = false;  // a fiber is inside read_some
  bool writing = false;  // a fiber is inside write_some
};

}  // namespace rt::net
