// A tiny HTTP-ish server for the demos: each request names how long to wait before the
// answer, "GET /delay/250 HTTP/1.0" -> after 250 ms, "HTTP/1.0 200 OK ... waited 250 ms".
//
// It is deliberately the chapter-1 design, one OS thread per connection, so that the
// `requests` demo can show the other side: one thread and one Poller for all connections.
//
// What a client gets: "200 OK ... waited <ms> ms" after the delay; "400 Bad Request" for
// anything but "GET /delay/<ms>" with 0 <= ms <= 60000, and for a request head over 1 KiB
// without its blank line; "503 Service Unavailable ... stopped after <n> of <ms> ms" when
// the server stops during the delay. After its answer the server half-closes, reads
// whatever the client still sends until the client closes, then closes: a connection
// closed with unread input would reach the client as a reset, not as the answer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "rt/output.hpp"
#include "rt/poll/socket.hpp"

namespace ch02 {

// The longest delay a request may ask for; longer ones get "400 Bad Request".
inline constexpr int kMaxDelayMs = 60'000;

// Parses "GET /delay/<ms> ..." into ms, or nullopt.
std::optional<int> parse_delay_request(std::string_view request);

class DelayServer {
 public:
  // Listens on 127.0.0.1:`port` (0: an ephemeral port) and serves on its own threads until
  // destroyed. Throws rt::OsError if the port is taken. `log`, if given, gets one line per
  // request and must outlive the server.
  explicit DelayServer(std::uint16_t port = 0, rt::Output* log = nullptr);
  // Stops: accepts no more connections, cuts the delays being waited short (503), ends the
  // reads of clients that stay silent (shutdown), and joins every thread. It does not wait
  // on any client.
  ~DelayServer();
  DelayServer(const DelayServer&) = delete;
  DelayServer& operator=(const DelayServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  // What the server has done so far, for tests to wait on (a handshake, not a sleep).
  struct Counts {
    std::size_t accepted = 0;         // connections that got their thread
    std::size_t accept_failures = 0;  // accept() calls that failed (EMFILE, ...)
    std::size_t delaying = 0;         // connections waiting out their delay now
    std::size_t closed = 0;           // connections whose socket the server closed
  };
  // Waits until `condition(counts)` holds or `timeout` passed; returns whether it holds.
  bool wait_until(const std::function<bool(const Counts&)>& condition,
                  std::chrono::milliseconds timeout);

  // accept() is retried after a failure (EMFILE...) after this long, doubling up to the max:
  // a failure that persists costs a few attempts a second, not a busy loop.
  static constexpr std::chrono::milliseconds kFirstBackoff{1};
  static constexpr std::chrono::milliseconds kMaxBackoff{1000};

 private:
  struct Connection {
    std::thread thread;
    rt::poll::Handle handle = rt::poll::kInvalidHandle;  // guarded by mutex_
    bool reading = false;           // guarded by mutex_: its thread is in (or entering) recv()
    std::atomic<bool> done{false};  // release by the thread at its end; acquire in reap()
  };
  void accept_loop();
  void serve(Connection& connection, rt::poll::Socket socket);
  void answer(Connection& connection, const rt::poll::Socket& socket);
  void close_connection(Connection& connection, rt::poll::Socket& socket);
  // recv(), unless the server is stopping (then: 0 bytes, end of stream). The stop shuts
  // down the socket of every connection found reading, which ends its recv().
  rt::poll::IoResult receive(Connection& connection, const rt::poll::Socket& socket,
                             std::span<std::byte> buffer);
  void reap_finished();  // joins connection threads that have ended (accept thread only)

  rt::poll::Socket listener_;
  std::uint16_t port_;
  rt::Output* log_;
  std::mutex mutex_;                 // guards the fields below it, and Connection::handle
  std::condition_variable stopped_;  // delays and the back-off wait on it; stop cuts them short
  std::condition_variable counted_;  // notified when counts_ change
  bool stopping_ = false;
  Counts counts_;
  std::list<Connection> connections_;
  std::thread acceptor_;  // last: starts after everything above is ready
};

}  // namespace ch02
