// What chapter 6's socket tests share: two connected streams.
#pragma once

#include <utility>

#include "rt/net/listener.hpp"
#include "rt/net/stream.hpp"

namespace rt::sched::testing {

// Two connected streams, made on the calling fiber.
struct ConnectedPair {
  rt::net::Stream client;
  rt::net::Stream server;
};
inline ConnectedPair connected_pair() {
  auto listener = rt::net::Listener::bind("127.0.0.1", 0);
  auto client = rt::net::Stream::connect("127.0.0.1", listener.port());
  return {std::move(client), listener.accept()};
}

}  // namespace rt::sched::testing
