// The load generator: `client` connects N times to an echo server, sends messages whose
// every byte is predictable (pattern.hpp), checks every byte that comes back, and measures
// throughput and latency. It runs on rt::net itself: one loop thread; per connection a
// reader fiber (which also connected) and a writer fiber, so that a message larger than the
// sockets' buffers can be written while its echo is read, and up to --pipeline messages
// are in flight.
//
// A connection ends when its messages are done (or the duration passed, or Ctrl-C): the
// writer half-closes, the reader reads the outstanding echoes, then must see end-of-stream:
// an extra byte is an error too, and so is an echo still missing 2 s after the run ended
// (a server that accepts and never answers). A run that measured no echo fails. After the first
// wrong byte on a connection the reader only drains it (the stream is out of step), and the error
// is counted once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rt/output.hpp"
#include "rt/stats.hpp"

namespace ch04 {

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int connections = 1;
  std::size_t size = 64;       // bytes per message
  double duration_s = 0;       // run this long (0: use messages)
  std::uint64_t messages = 0;  // per connection (0: use duration_s)
  int pipeline = 1;            // messages in flight per connection
  bool upper = false;          // expect an --upper server's echo
  bool json = false;
};

struct ClientResult {
  std::size_t connections = 0;            // connections that were made
  std::uint64_t messages = 0;             // echoes received and verified
  std::uint64_t bytes = 0;                // bytes of those echoes
  double seconds = 0;                     // from the first connect to the last echo
  rt::Summary latency_us;                 // send of a message -> the last byte of its echo
  std::uint64_t errors = 0;               // connections that failed (connect, wrong byte, reset...)
  std::vector<std::string> first_errors;  // the first few error messages
  bool interrupted = false;               // Ctrl-C ended the run early

  double messages_per_second() const { return seconds > 0 ? double(messages) / seconds : 0; }
  double megabytes_per_second() const { return seconds > 0 ? double(bytes) / seconds / 1e6 : 0; }
};

// Runs the load on the calling thread (a new rt::net::Loop; precondition: this thread has
// none). A progress line on stderr while it runs (terminals only). Errors are counted in
// the result, not thrown.
ClientResult run_load(const ClientOptions& options);

// The `client` command: run_load, then the table (or JSON), and the first errors.
void client(const ClientOptions& options, rt::Output& out);

}  // namespace ch04
