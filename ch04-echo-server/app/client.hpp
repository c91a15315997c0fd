// The load generator: `client` connects N times to an echo server, sends messages whose
// every byte is predictable (pattern.hpp), checks every byte that comes back, and measures
// throughput and latency. It runs on rt::net itself: one loop thread; per connection a
// reader fiber (which also connected) and a writer fiber, so that a message larger than the
// sockets' buffers can be written while its echo is read, and up to --pipeline messages
// are in flight.
//
// The clock starts when every connection is up, as in the Go load generator
// (compare/go/echo-load): connecting 10,000 sockets takes a while, and it is not echoing.
// Then a warm-up (--warmup seconds): messages are sent and verified but not counted, so
// that the first round of page faults, buffer growth and cold caches is not the result.
// Only messages sent after the warm-up are counted, in msgs/s and in the latencies.
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
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rt/clock.hpp"
#include "rt/output.hpp"
#include "rt/stats.hpp"

namespace ch04 {

// The command line's --warmup default (and the bench's): long enough for every connection
// to have echoed a few times at 10,000 connections.
inline constexpr double kDefaultWarmupSeconds = 0.5;

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int connections = 1;
  std::size_t size = 64;       // bytes per message
  double duration_s = 0;       // run this long (0: use messages)
  std::uint64_t messages = 0;  // per connection, counted ones (0: use duration_s)
  double warmup_s = 0;         // sent and verified, not counted, once every connection is up
  int pipeline = 1;            // messages in flight per connection
  bool upper = false;          // expect an --upper server's echo
  bool json = false;
  // Called on the loop's thread when the counted window opens (the warm-up ended) and when
  // it closes (the duration passed, Ctrl-C, or the last message was sent): the bench
  // samples the server's CPU there.
  std::function<void()> on_measure_start;
  std::function<void()> on_measure_stop;
};

struct ClientResult {
  std::size_t connections = 0;            // connections that were made
  std::uint64_t messages = 0;             // counted echoes, received and verified
  std::uint64_t bytes = 0;                // bytes of those echoes
  std::uint64_t warmup_messages = 0;      // echoes verified in the warm-up, not counted
  double connect_seconds = 0;             // from the first connect until every one ended
  double warmup_seconds = 0;              // then the warm-up
  double seconds = 0;                     // then the counted window, until its last echo
  rt::Clock::time_point last_connected;   // the last successful connect returned
  rt::Clock::time_point first_send;       // the first message (of any) was sent
  rt::Clock::time_point measured_from;    // the counted window opened
  rt::Summary latency_us;                 // of the counted: send -> the last byte of its echo
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

// A figure of `result` (msgs/s, a percentile...) as a table cell with `decimals` digits, or
// rt::kNotMeasured if no echo was counted: a rate of nothing is no result, not 0.
std::string figure_cell(const ClientResult& result, double value, int decimals);

}  // namespace ch04
