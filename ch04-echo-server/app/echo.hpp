// The echo protocol and the bookkeeping every server model shares, so that the three
// servers (server_threads.cpp, server_events.cpp, server_fibers.cpp) differ only in how they
// wait.
//
// The protocol: the server writes back every byte it reads, in order (ASCII letters
// upper-cased with --upper). When the client half-closes (shuts down its sending side), the
// server finishes echoing what it got, then closes. There are no messages on the wire: the
// client decides what a message is (client.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>

namespace ch04 {

enum class Model : std::uint8_t {
  threads,  // a thread per connection, blocking sockets (chapter 1)
  events,   // one thread, a hand-written readiness state machine (chapter 2's Poller)
  fibers,   // one thread, a fiber per connection on rt::net::Loop (chapters 2 + 3)
};
const char* to_string(Model model) noexcept;

// Upper-cases the ASCII letters a-z in place; every other byte is left alone.
void to_upper_ascii(std::span<std::byte> bytes) noexcept;

// How long the acceptor waits after accept() failed for lack of descriptors (EMFILE,
// ENFILE): `first`, doubling after each further failure up to `max`; a successful accept
// starts over. Retrying at once would spin: the pending connection stays in the backlog, so
// the listener stays readable and every retry fails the same way.
struct Backoff {
  std::chrono::milliseconds first{1};
  std::chrono::milliseconds max{1000};

  std::chrono::milliseconds next(std::chrono::milliseconds current) const noexcept;
  // The most accept attempts this schedule allows while descriptors stay exhausted for
  // `elapsed` (one attempt, then one after each wait): what "no busy loop" means in numbers.
  std::size_t max_attempts(std::chrono::milliseconds elapsed) const noexcept;
};

struct ServerOptions {
  Model model = Model::fibers;
  std::uint16_t port = 0;  // 0: an ephemeral port
  bool upper = false;
  std::chrono::milliseconds idle_timeout{0};  // 0: never; else close a connection that
                                              // moved no byte for this long
  std::chrono::milliseconds grace{2000};      // stop(): how long open connections may finish
  std::optional<int> cpu;                     // pin every server thread to this CPU (bench)
  Backoff backoff;
};

// What a server counts. Connection events go through a mutex and wake wait_until(), so tests
// can wait for the server to have acted (a handshake, not a sleep); the byte count is a
// relaxed atomic because it changes on every echo.
class ServerStats {
 public:
  struct Counts {
    std::size_t accepted = 0;         // connections accepted
    std::size_t open = 0;             // connections open now
    std::size_t resets = 0;           // connections the peer reset or broke
    std::size_t idle_timeouts = 0;    // connections closed by the idle timeout
    std::size_t accept_failures = 0;  // accept() attempts that failed for lack of descriptors
    std::size_t closed_by_stop = 0;   // connections still open when the grace period ended
  };

  void opened();
  // `how`: the end of a connection; exactly one of these per opened().
  enum class End : std::uint8_t { finished, reset, idle_timeout, stopped };
  void closed(End how);
  void accept_failed();  // an accept() failed for lack of descriptors
  void echoed(std::size_t bytes) noexcept {
    // relaxed: a statistic; nothing is published with it.
    bytes_echoed_.fetch_add(bytes, std::memory_order_relaxed);
  }

  Counts counts() const;
  std::uint64_t bytes_echoed() const noexcept {
    return bytes_echoed_.load(std::memory_order_relaxed);  // relaxed: see echoed()
  }
  // Waits until `condition(counts())` holds or `timeout` passed; returns whether it holds.
  bool wait_until(const std::function<bool(const Counts&)>& condition,
                  std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;  // notified after every change of counts_
  Counts counts_;                            // guarded by mutex_
  std::atomic<std::uint64_t> bytes_echoed_{0};
};

}  // namespace ch04
