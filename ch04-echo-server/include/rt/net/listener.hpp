// rt::net::Listener: a listening TCP socket whose accept() parks the calling fiber until a
// connection arrives.
//
//   Listener listener = Listener::bind("127.0.0.1", 0);   // port 0: the OS picks one
//   std::uint16_t port = listener.port();
//   for (;;) {
//     Stream stream = listener.accept();                   // parks the fiber, not the thread
//     Loop::current().spawn({.name = "connection"}, [s = std::move(stream)]() mutable {...});
//   }
//
// On epoll/kqueue accept is "accept4, EAGAIN, wait for readability, accept4 again"; on IOCP
// it is AcceptEx into a socket created beforehand (rt/poll/io_operation.hpp).
//
// Contract:
// - bind() and accept() run on a fiber of a Loop, or of chapter 6's Runtime (checked); the
//   Listener belongs to it and must not outlive it. close() may also run off-fiber on the
//   loop's thread (a task given to Loop::post, which is how another thread stops a server),
//   and, on a Runtime, on any of its fibers while another is inside accept().
// - One fiber accepts at a time (a second concurrent accept is a checked error).
// - accept() throws rt::OsError when the OS refuses the new connection's descriptor
//   (is_out_of_descriptors: EMFILE, ENFILE, WSAEMFILE): the pending connection stays in the
//   backlog, and the caller should back off (sleep_for) before accepting again, or it spins.
//   It throws TimedOut after its deadline and Cancelled when the loop shuts down.
// - close() while another fiber is parked in accept(): that accept() ends by throwing
//   rt::net::Cancelled ("accept: the listener was closed"), and the socket is closed as it
//   returns (on IOCP only once the cancelled AcceptEx completed: the kernel owns it until
//   then). An accept that had already finished when close() came returns its connection (the
//   data wins), and the socket is closed as it returns. close() is idempotent and never throws.
//   accept() on a Listener already closed throws the same Cancelled (under chapter 6's runtime
//   "before" and "during" are one race, between two workers); on a Listener that never listened
//   (default-constructed, moved from) it throws std::logic_error.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "rt/net/stream.hpp"

namespace rt::net {

class Listener {
 public:
  // Binds `host` (numeric IPv4, or "localhost"; "0.0.0.0" for every interface) and listens.
  // Port 0 picks an ephemeral port (see port()). A port in use throws rt::OsError
  // "bind 127.0.0.1:8080: Address already in use (errno 98)"; a bad host std::invalid_argument.
  static Listener bind(std::string_view host, std::uint16_t port, int backlog = 1024);

  Listener() noexcept;  // not listening
  ~Listener();
  Listener(Listener&& other) noexcept;
  Listener& operator=(Listener&& other) noexcept;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // The port it listens on (the chosen one after binding port 0).
  std::uint16_t port() const noexcept;
  // Parks until a connection arrives and returns it as a Stream of this loop.
  Stream accept(Deadline deadline = Deadline::never());
  // See the contract above.
  void close() noexcept;
  bool is_open() const noexcept;

  struct State;  // listener.cpp

 private:
  explicit Listener(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

}  // namespace rt::net
