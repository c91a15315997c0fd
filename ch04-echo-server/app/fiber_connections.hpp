// The fibers model's connections, written once for every runtime that runs rt::net on fibers:
// this chapter's Loop (server_fibers.cpp: one thread) and chapter 6's M:N Runtime (its echo
// server: many workers, so the state below is atomic or under a mutex, and a connection's fiber
// may move between threads while it waits). What differs between the two is given as hooks.
//
// A connection's code is the threads model's loop (read, then write) and its state lives on
// the fiber's stack, as it would on a thread's; but a call that would block parks only the
// fiber, and the runtime runs another one.
//
// Running out: a connection whose fiber cannot be had (StackRefused: no memory or no mapping
// left for its stack) is closed and counted as refused, and a failing accept() backs off; the
// acceptor, whose end would close the listener for good, never ends on either.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

#include "echo.hpp"
#include "rt/fiber/scheduler.hpp"
#include "rt/net/net.hpp"

namespace ch04 {

// What a runtime supplies. Each is called on one of its fibers.
struct FiberRuntimeHooks {
  // Starts a detached fiber for one connection (throws StackRefused, bad_alloc).
  std::function<void(rt::fiber::FiberOptions, std::function<void()>)> spawn;
  // Ends every parked rt::net call with Cancelled (the runtime's cancel_all).
  std::function<void()> cancel_all;
  // The cooperative budget's deferrals so far, reported as ServerStats::yielded; empty: the
  // runtime does not count them.
  std::function<std::uint64_t()> deferrals;
};

class FiberConnections {
 public:
  FiberConnections(const ServerOptions& options, ServerStats& stats, FiberRuntimeHooks hooks);

  // On a fiber (the acceptor): binds 127.0.0.1:options.port (its error escapes), calls
  // `bound()` (where the caller records what request_stop() will need) and `listening(port)`;
  // then accepts until stop(), a fiber per connection, backing off when accept() fails; then
  // gives the open connections options.grace to finish and cancels the rest
  // (hooks.cancel_all). Returns when the last connection ended or the grace period did; the
  // fibers cancelled then end on their own.
  void listen_and_serve(const std::function<void()>& bound,
                        const std::function<void(std::uint16_t)>& listening);

  // On a fiber of the runtime, or off-fiber on the Loop's thread (a posted task): no more
  // accepts. The listener is closed, so a parked accept() ends; an acceptor backing off sees it
  // when its wait ends. Idempotent.
  void stop() noexcept;

 private:
  void serve(rt::net::Listener& listener);
  void accept_loop(rt::net::Listener& listener);
  void start_connection(rt::net::Stream stream);
  void echo(rt::net::Stream stream);
  void report_yields();
  rt::net::Deadline deadline() const;
  void wait_for_connections();

  const ServerOptions options_;
  ServerStats& stats_;
  const FiberRuntimeHooks hooks_;
  std::mutex listener_mutex_;               // orders stop() against the acceptor's exit
  rt::net::Listener* listener_ = nullptr;   // guarded: the acceptor's, while it accepts
  bool stopping_ = false;                   // guarded too
  std::atomic<bool> grace_running_{false};  // seq_cst, as open_: see wait_for_connections()
  std::atomic<std::size_t> open_{0};        // connections whose fiber has not ended
  std::atomic<std::uint64_t> reported_deferrals_{0};
};

}  // namespace ch04
