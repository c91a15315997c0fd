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
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "rt/output.hpp"

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

// A short account of why a connection or an accept failed, for the log: "mmap: Cannot
// allocate memory (errno 12)" for an rt::OsError (a StackRefused's advice left out), "out of
// memory (bad_alloc)" for std::bad_alloc, else what(). Allocates nothing (it is called when
// memory has run out): the text is the exception's own, valid while `error` lives.
const char* describe_failure(const std::exception& error) noexcept;

// Failures a test can make a server meet where it asks the system for something a machine
// short of memory refuses, so the paths that handle running out can be provoked on purpose:
// an address-space limit is not deterministic (what fails first depends on the allocator)
// and does not work under sanitizers. Servers without one (every real run) never fail on
// purpose. Thread-safe: a test arms it while the server runs.
class FaultInjection {
 public:
  enum class Site : std::uint8_t {
    accept,  // right after an accept() succeeded: the connection is closed and the server
             // sees accept fail with the armed errno (ENOMEM, ENOBUFS, EPROTO, ...)
    buffer,  // a new connection's buffer (threads, events): std::bad_alloc
    stack,   // a new connection's fiber (fibers): rt::fiber::StackRefused, as from mmap
  };
  // The next `times` visits of `site` fail; for accept, with errno `error`.
  void fail_next(Site site, int times, int error = 0);
  // For the servers, at `site`: throws what the real failure there throws, if one is armed.
  void visit(Site site);

 private:
  std::mutex mutex_;
  int accept_failures_ = 0;  // guarded by mutex_, as the rest
  int accept_error_ = 0;
  int buffer_failures_ = 0;
  int stack_failures_ = 0;
};

// A connection's share of one turn (ServerOptions::budget's default): system calls that moved
// bytes, or finished at once, in a row. 32 calls move at most 512 KiB (16 KiB each), a few
// hundred microseconds on loopback, before the others get their turn; small enough to keep
// a probe's round trip short beside a greedy peer, large enough that a busy connection pays
// for the extra poll (one epoll_wait per 32 calls) with little (README, "A greedy client",
// measures both). The fibers model's loop has the same default (rt::net::kCooperativeBudget).
inline constexpr int kBudget = 32;

struct ServerOptions {
  Model model = Model::fibers;
  std::uint16_t port = 0;  // 0: an ephemeral port
  bool upper = false;
  std::chrono::milliseconds idle_timeout{0};  // 0: never; else close a connection that
                                              // moved no byte for this long
  std::chrono::milliseconds grace{2000};      // stop(): how long open connections may finish
  std::optional<int> cpu;                     // pin every server thread to this CPU (bench)
  // The cooperative budget of the events and fibers models (and chapter 6's): >= 1. The
  // threads model has none: the kernel preempts its threads.
  int budget = kBudget;
  Backoff backoff;
  // Where the server says, once per episode, that it is refusing connections or failing to
  // accept, and that it recovered (`serve`: stdout). nullptr: nowhere.
  rt::Output* log = nullptr;
  FaultInjection* faults = nullptr;  // tests only (see FaultInjection)
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
    std::size_t accept_failures = 0;  // accept() attempts that failed (descriptors, memory...)
    std::size_t closed_by_stop = 0;   // connections still open when the grace period ended
    std::size_t refused = 0;          // accepted, then closed: no thread, stack or buffer to be had
  };

  // Where the episodes below are told (ServerOptions::log); before the server starts.
  void set_log(rt::Output* log) noexcept { log_ = log; }

  void opened();
  // `how`: the end of a connection; exactly one of these per opened().
  enum class End : std::uint8_t { finished, reset, idle_timeout, stopped, refused };
  void closed(End how);
  // closed(End::refused) for a connection that could not get its thread, stack or buffer
  // (`why`). The first refusal of an episode is logged; the episode ends, with one more
  // line, at the next ready(). Never throws: a log line that cannot be formatted for lack
  // of memory is dropped, the counts are kept.
  void refuse(std::string_view why) noexcept;
  // A new connection has everything it needs: ends a refusal episode. Never throws.
  void ready() noexcept;
  // An accept() failed (`why`: out of descriptors, of memory, ...) and the acceptor backs
  // off. The first failure of an episode is logged; the episode ends, with one more line,
  // at the next opened(). Never throws, as refuse().
  void accept_failed(std::string_view why) noexcept;
  void echoed(std::size_t bytes) noexcept {
    // relaxed: a statistic; nothing is published with it.
    bytes_echoed_.fetch_add(bytes, std::memory_order_relaxed);
  }

  // A connection spent its share of a loop turn with work left, and let the others run
  // (events and fibers models: the cooperative budget).
  void yielded(std::uint64_t times = 1) noexcept {
    yields_.fetch_add(times, std::memory_order_relaxed);  // relaxed: a statistic
  }
  std::uint64_t yields() const noexcept {
    return yields_.load(std::memory_order_relaxed);  // relaxed: see yielded()
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
  // Episodes (guarded by mutex_): since when connections are refused, accepts failing.
  std::optional<std::size_t> refusing_since_;        // counts_.refused when it began
  std::optional<std::size_t> accept_failing_since_;  // counts_.accept_failures when it began
  // relaxed: a hint that lets ready() skip the mutex when no refusal episode runs; the
  // mutex decides (set and cleared under it).
  std::atomic<bool> refusing_hint_{false};
  rt::Output* log_ = nullptr;
  // Prints to log_, if any; a line that cannot be formatted (no memory) is dropped.
  template <class... Args>
  void log(fmt::format_string<Args...> format, Args&&... args) noexcept {
    if (log_ == nullptr) return;
    try {
      log_->print(format, std::forward<Args>(args)...);
    } catch (...) {
    }
  }
  std::atomic<std::uint64_t> bytes_echoed_{0};
  std::atomic<std::uint64_t> yields_{0};
};

}  // namespace ch04
