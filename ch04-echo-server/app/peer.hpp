// A peer: an echo server that runs outside this process (a Go or libuv server, or our own
// `serve` started by hand) and that `bench --peer NAME=PORT` drives with the same client
// as its own models. The bench neither starts nor pins a peer: whoever starts it does
// (compare/run.sh pins each to CPU 1 with taskset).
#pragma once

#include <cstdint>
#include <string>

namespace ch04 {

struct Peer {
  std::string name;        // the table's model column for the peer's rows
  std::uint16_t port = 0;  // on 127.0.0.1
};

// Parses "NAME=PORT": a non-empty NAME, then a port from 1 to 65535. Throws
// std::invalid_argument whose message says what is wrong with `text` (no '=', an empty
// name, a port that is not a number or out of range).
Peer parse_peer(const std::string& text);

}  // namespace ch04
