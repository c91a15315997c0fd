// The threads model: one OS thread per connection (chapter 1), blocking sockets. The code
// reads top to bottom: receive, echo, repeat. Every connection costs a thread: a stack
// (64 KiB reserved here), a kernel task, and a switch through the kernel whenever data
// arrives for it.
//
// Threads of this model and what they own:
// - the server thread (EchoServer's): the listener, accepting, and at the end joining the
//   last connection thread;
// - one thread per connection: its socket, until it closes it; as it ends, it joins the
//   connection thread that ended before it (finish_connection).
// Running out: a connection that cannot get its thread or its buffer is closed and counted
// as refused, and a failing accept() backs off; the server goes on either way.
// Stopping: request_stop() sets stopping_ and connects to the listener itself, which wakes
// the blocked accept(). If descriptors are exhausted at that moment, the acceptor is backing
// off, and the back-off wait is woken through stop_requested_ instead.
#include <array>
#include <atomic>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host.hpp"
#include "rt/error.hpp"
#include "rt/os/thread.hpp"
#include "server.hpp"

namespace ch04 {

namespace {

constexpr std::size_t kThreadStackSize = 64 * 1024;  // the echo loop needs a few KiB of it

class ThreadsServer final : public ModelServer {
 public:
  ThreadsServer(const ServerOptions& options, ServerStats& stats)
      : options_(options), stats_(stats) {}

  void run(const std::function<void(std::uint16_t)>& listening) override {
    listener_ = rt::poll::listen_loopback(options_.port, 1024);
    port_ = rt::poll::local_port(listener_);
    listening(port_);
    accept_loop();
    {
      std::lock_guard lock(mutex_);  // request_stop() may shut it down meanwhile
      listener_.close();
    }
    finish();
  }

  void request_stop() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    stop_requested_.notify_all();
    try {
      rt::poll::connect_loopback(port_);  // wakes accept(); closed at once
    } catch (const rt::OsError&) {
      // Out of descriptors: the acceptor is backing off and woke on stop_requested_, or
      // blocked in accept() with no connection pending: shutting the listener down ends
      // that accept() with an error on Linux. Under the mutex: run() closes the listener
      // under it, so this never reaches a reused descriptor.
      std::lock_guard lock(mutex_);
      if (listener_.valid()) host::shutdown_both(listener_.handle());
    }
  }

 private:
  // A connection whose thread runs; it leaves connections_ as its thread ends. All fields
  // guarded by mutex_.
  struct Connection {
    rt::poll::Handle handle = rt::poll::kInvalidHandle;
    std::list<Connection>::iterator self;  // where it is in connections_
    // optional: rt::os::Thread's default constructor cannot be instantiated outside ch01
    // (its Handle is incomplete here).
    std::optional<rt::os::Thread> thread;
  };

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  void accept_loop() {
    auto wait = options_.backoff.first;
    while (!stopping()) {
      rt::poll::Socket socket;
      try {
        socket = rt::poll::accept_connection(listener_);
        if (options_.faults != nullptr) options_.faults->visit(FaultInjection::Site::accept);
      } catch (const std::exception& error) {
        if (stopping()) break;  // request_stop() shut the listener down
        // Out of descriptors, of memory (ENOMEM, ENOBUFS, bad_alloc), or a connection that
        // failed on its way in (EPROTO): back off and try again. No accept error ends the
        // server; a reset one is simply gone.
        auto* os = dynamic_cast<const rt::OsError*>(&error);
        if (os != nullptr && rt::poll::is_connection_reset(os->code())) continue;
        stats_.accept_failed(describe_failure(error));
        std::unique_lock lock(mutex_);
        stop_requested_.wait_for(lock, wait, [this] { return stopping_; });
        wait = options_.backoff.next(wait);
        continue;
      }
      wait = options_.backoff.first;
      if (stopping()) break;  // request_stop's own connection, or a client too late
      start_connection(std::move(socket));
    }
  }

  void start_connection(rt::poll::Socket socket) {
    stats_.opened();
    try {
      if (options_.idle_timeout.count() > 0) {
        host::set_blocking_timeouts(socket, options_.idle_timeout);
      }
      std::lock_guard lock(mutex_);
      Connection& connection = connections_.emplace_back();
      connection.handle = socket.handle();
      connection.self = std::prev(connections_.end());
      // Created under the mutex, so the thread, which takes the mutex at its end, never
      // finds its Connection half made. The thread gets the bare handle and owns it from
      // its first line (std::function needs a copyable body, and a Socket moves only).
      rt::poll::Handle handle = socket.handle();
      try {
        connection.thread.emplace(
            rt::os::ThreadOptions{
                .stack_size = kThreadStackSize, .name = "echo-conn", .cpu = options_.cpu},
            [this, &connection, handle] { serve(connection, rt::poll::Socket(handle)); });
      } catch (...) {
        connections_.pop_back();
        throw;
      }
      socket.release();  // the thread's now
    } catch (const std::exception& error) {
      // No thread to be had (too many threads, no memory for a stack or for the thread's
      // bookkeeping): refuse this one connection, keep serving the others. The body never
      // ran, so `socket` still owns the handle and closes it.
      socket.close();
      stats_.refuse(describe_failure(error));
    }
  }

  void serve(Connection& connection, rt::poll::Socket socket) {
    auto end = ServerStats::End::finished;
    try {
      end = echo(socket);
    } catch (const std::exception& error) {
      // Out of memory for the buffer (a bad_alloc escaping a thread would abort the whole
      // process): this connection is refused, the others go on.
      const char* why = describe_failure(error);
      finish_connection(connection, socket, [&] { stats_.refuse(why); });
      return;
    }
    finish_connection(connection, socket,
                      [&] { stats_.closed(forced_ ? ServerStats::End::stopped : end); });
  }

  // Receive, echo, repeat, until the client half-closes, resets or times out.
  ServerStats::End echo(const rt::poll::Socket& socket) {
    if (options_.faults != nullptr) options_.faults->visit(FaultInjection::Site::buffer);
    std::vector<std::byte> buffer(kEchoBufferSize);
    stats_.ready();
    for (;;) {
      auto received = rt::poll::receive_some(socket, buffer);
      if (host::timed_out(received)) return ServerStats::End::idle_timeout;
      if (received.error != 0) return ServerStats::End::reset;
      if (received.bytes == 0) return ServerStats::End::finished;  // half-closed, all echoed
      std::span<std::byte> data(buffer.data(), static_cast<std::size_t>(received.bytes));
      if (options_.upper) to_upper_ascii(data);
      auto end = send_all(socket, data);
      if (end != ServerStats::End::finished) return end;
      stats_.echoed(data.size());
    }
  }

  // The end of a connection's thread. Under mutex_: count it (`count`) before the close,
  // so a client that saw the close also sees the count; close the socket, because finish()
  // must not shut down a reused descriptor; leave the list. Then reap: this thread cannot
  // join itself, so it leaves its handle in exited_ and joins the thread that left one
  // there before it (which has ended, or is about to). At most one ended thread's stack
  // is kept at a time, however long the acceptor waits for the next connection.
  template <class Count>
  void finish_connection(Connection& connection, rt::poll::Socket& socket, Count count) {
    std::optional<rt::os::Thread> previous;
    {
      std::lock_guard lock(mutex_);
      count();
      socket.close();
      previous = std::exchange(exited_, std::move(connection.thread));
      connections_.erase(connection.self);  // `connection` is gone from here on
    }
    if (previous && previous->joinable()) previous->join();
  }

  ServerStats::End send_all(const rt::poll::Socket& socket, std::span<const std::byte> data) {
    while (!data.empty()) {
      auto sent = rt::poll::send_some(socket, data);
      if (host::timed_out(sent)) return ServerStats::End::idle_timeout;  // reader stalled
      if (sent.error != 0) return ServerStats::End::reset;
      data = data.subspan(static_cast<std::size_t>(sent.bytes));
    }
    return ServerStats::End::finished;
  }

  // After accepting stopped: the grace period, then the rest are cut off and joined.
  void finish() {
    stats_.wait_until([](const ServerStats::Counts& c) { return c.open == 0; }, options_.grace);
    {
      std::lock_guard lock(mutex_);
      forced_ = true;
      for (auto& connection : connections_) host::shutdown_both(connection.handle);
    }
    // A shut-down socket's blocked receive or send returns at once, so this does not wait
    // on the peers.
    stats_.wait_until([](const ServerStats::Counts& c) { return c.open == 0; },
                      std::chrono::hours(1));
    // Every connection thread has left the list and its handle in exited_ (the count and
    // the handoff happen under one lock); the last one joins its predecessor, and so on.
    std::optional<rt::os::Thread> last;
    {
      std::lock_guard lock(mutex_);
      last = std::move(exited_);
    }
    if (last && last->joinable()) last->join();
  }

  const ServerOptions options_;
  ServerStats& stats_;
  rt::poll::Socket listener_;  // the server thread; closed under mutex_ (request_stop)
  std::uint16_t port_ = 0;     // set before listening(), read-only after

  std::mutex mutex_;
  std::condition_variable stop_requested_;  // wakes the acceptor's back-off wait
  bool stopping_ = false;                   // guarded by mutex_
  bool forced_ = false;                     // guarded by mutex_: the grace period ended
  std::list<Connection> connections_;       // guarded by mutex_ (see Connection)
  std::optional<rt::os::Thread> exited_;    // guarded by mutex_: the last ended thread
};

}  // namespace

std::unique_ptr<ModelServer> make_threads_server(const ServerOptions& options, ServerStats& stats) {
  return std::make_unique<ThreadsServer>(options, stats);
}

}  // namespace ch04
