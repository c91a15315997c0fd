// rt::net::Stream: a connected TCP socket whose blocking-looking calls park the calling
// fiber instead of the thread.
//
//   Stream stream = Stream::connect("127.0.0.1", port, Deadline::after(5s));
//   stream.write_all(request);
//   std::size_t n = stream.read_some(buffer);   // parks until data, the peer's FIN, or error
//
// Underneath is chapter 2's seam (rt/poll/io_operation.hpp): the socket is non-blocking and
// registered with the loop's Poller once; a call tries the operation, and only if it cannot
// finish at once does the fiber park until the loop hands it the result. On epoll/kqueue that
// is "try, EAGAIN, wait for readiness, try again"; on IOCP the kernel does the I/O into the
// caller's buffer while the fiber is parked.
//
// Contract:
// - Every call but close(), the move operations and the destructor must run on a fiber of
//   the Loop that created (connected or accepted) the Stream (checked: the process stops
//   with a message otherwise). TCP_NODELAY is set: writes go out at once.
// - At most one fiber reads and at most one fiber writes at a time; one fiber may read while
//   another writes. A second concurrent reader (or writer) is a checked error: the process
//   stops with a message naming the call.
// - Errors: rt::OsError naming the call (classify with rt/net/errors.hpp: a peer's reset is
//   is_connection_reset()); TimedOut when the deadline passed first; Cancelled when the loop
//   shuts down (Loop::cancel_all). Using a closed (or moved-from) Stream throws
//   std::logic_error.
// - Deadlines: see timer.hpp. After read_some times out, the Stream stays usable: no byte was
//   consumed (a read that finished while its deadline fired returns its data; the data wins).
//   After write_some/write_all time out, an unknown part of the data may have been sent: the
//   byte stream is no longer in a known state, so close the Stream.
// - Lifetime: a Stream must not outlive its Loop (it stays registered with the Loop's
//   Poller until it closes). close() and the destructor require that no fiber is parked on
//   the Stream (checked: the process stops with a message). Moving a Stream is fine even then: what
//   the parked call uses lives on the heap and does not move.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "rt/net/errors.hpp"
#include "rt/net/timer.hpp"

namespace rt::net {

class Stream {
 public:
  // Connects to `host` (numeric IPv4, e.g. "127.0.0.1", or "localhost") port `port`.
  // Throws std::invalid_argument for a host that is not an IPv4 address, rt::OsError
  // "connect 127.0.0.1:9: Connection refused (...)" when nobody listens (is_connection_refused),
  // TimedOut, Cancelled.
  static Stream connect(std::string_view host, std::uint16_t port,
                        Deadline deadline = Deadline::never());

  Stream() noexcept;  // not connected (is_open() is false)
  ~Stream();
  Stream(Stream&& other) noexcept;
  Stream& operator=(Stream&& other) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Reads what is available, at least 1 byte, at most buffer.size(); parks if nothing is.
  // Returns 0 when the peer closed its sending side (end of stream; later reads return 0
  // again) or when buffer is empty.
  std::size_t read_some(std::span<std::byte> buffer, Deadline deadline = Deadline::never());
  // Writes at least 1 byte and at most data.size() (0 only for empty data); parks while the
  // socket's send buffer is full. A peer that closed or reset gives rt::OsError
  // (is_connection_reset), never SIGPIPE.
  std::size_t write_some(std::span<const std::byte> data, Deadline deadline = Deadline::never());
  // Writes all of `data`, resuming after partial writes; one deadline for the whole call.
  void write_all(std::span<const std::byte> data, Deadline deadline = Deadline::never());

  // Half-close: sends FIN; the peer's reads return 0 once they drained the data. Reads on
  // this side still work. Throws rt::OsError (e.g. the connection already broke).
  void shutdown_send();
  // Closing will send a reset (RST) instead of FIN (SO_LINGER 0): for tests of peers that
  // reset, and for dropping a connection hard.
  void set_reset_on_close();
  // Closes the socket (FIN, or RST after set_reset_on_close). Idempotent; never throws.
  // Precondition: no fiber parked on this Stream (checked).
  void close() noexcept;

  bool is_open() const noexcept;
  // The port at this end and at the peer's end.
  std::uint16_t local_port() const;
  std::uint16_t peer_port() const;

  struct State;  // stream.cpp

 private:
  friend class Listener;
  explicit Stream(std::unique_ptr<State> state) noexcept;
  // The state, after checking the Stream is open (std::logic_error) and that the caller is
  // a fiber of its loop (stops the process otherwise).
  State& checked(const char* call) const;
  std::unique_ptr<State> state_;
};

}  // namespace rt::net
