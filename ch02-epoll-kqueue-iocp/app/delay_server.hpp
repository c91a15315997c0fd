// A tiny HTTP-ish server for the demos: each request names how long to wait before the
// answer, "GET /delay/250 HTTP/1.0" -> after 250 ms, "HTTP/1.0 200 OK ... waited 250 ms".
//
// It is deliberately the chapter-1 design, one OS thread per connection, so that the
// `requests` demo can show the other side: one thread and one Poller for all connections.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
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
  // Stops: accepts no more connections, cuts the delays being waited short, and joins every
  // thread.
  ~DelayServer();
  DelayServer(const DelayServer&) = delete;
  DelayServer& operator=(const DelayServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }

 private:
  struct Connection {
    std::thread thread;
    std::atomic<bool> done{false};  // release by the thread at its end; acquire in reap()
  };
  void accept_loop();
  void serve(rt::poll::Socket socket);
  void reap_finished();  // joins connection threads that have ended (accept thread only)

  rt::poll::Socket listener_;
  std::uint16_t port_;
  rt::Output* log_;
  std::mutex mutex_;                 // guards stopping_ for the condition variable
  std::condition_variable stopped_;  // delays wait on it, so stop cuts them short
  bool stopping_ = false;
  std::list<Connection> connections_;  // accept thread only (and the destructor after it)
  std::thread acceptor_;               // last: starts after everything above is ready
};

}  // namespace ch02
