// The threads model: one OS thread per connection (chapter 1), blocking sockets. The code
// reads top to bottom: receive, echo, repeat. Every connection costs a thread: a stack
// (64 KiB reserved here), a kernel task, and a switch through the kernel whenever data
// arrives for it.
//
// Threads of this model and what they own:
// - the server thread (EchoServer's): the listener, accepting, and joining the others;
// - one thread per connection: its socket, until it closes it.
// Stopping: request_stop() sets stopping_ and connects to the listener itself, which wakes
// the blocked accept(). If descriptors are exhausted at that moment, the acceptor is backing
// off, and the back-off wait is woken through stop_requested_ instead.
#include <array>
#include <atomic>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <vector>

#include "host.hpp"
#include "rt/error.hpp"
#include "rt/os/thread.hpp"
#include "server.hpp"

namespace ch04 {

namespace {

constexpr std::size_t kStackSize = 64 * 1024;  // the echo loop needs a few KiB of it
constexpr std::size_t kBufferSize = 16 * 1024;

class ThreadsServer final : public ModelServer {
 public:
  ThreadsServer(const ServerOptions& options, ServerStats& stats)
      : options_(options), stats_(stats) {}

  void run(const std::function<void(std::uint16_t)>& listening) override {
    listener_ = rt::poll::listen_loopback(options_.port, 1024);
    port_ = rt::poll::local_port(listener_);
    listening(port_);
    accept_loop();
    listener_.close();
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
      // Out of descriptors: the acceptor is backing off and woke on stop_requested_.
    }
  }

 private:
  struct Connection {
    rt::poll::Handle handle = rt::poll::kInvalidHandle;  // guarded by mutex_
    bool done = false;                                   // guarded by mutex_
    // The server thread only. optional: rt::os::Thread's default constructor cannot be
    // instantiated outside ch01 (its Handle is incomplete here).
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
      } catch (const rt::OsError& error) {
        if (rt::poll::is_connection_reset(error.code())) continue;  // gone before accept
        if (!rt::poll::is_out_of_descriptors(error.code())) throw;
        stats_.accept_failed();
        std::unique_lock lock(mutex_);
        stop_requested_.wait_for(lock, wait, [this] { return stopping_; });
        wait = options_.backoff.next(wait);
        continue;
      }
      wait = options_.backoff.first;
      if (stopping()) break;  // request_stop's own connection, or a client too late
      reap_finished();
      start_connection(std::move(socket));
    }
  }

  void start_connection(rt::poll::Socket socket) {
    if (options_.idle_timeout.count() > 0)
      host::set_blocking_timeouts(socket, options_.idle_timeout);
    Connection* connection;
    {
      std::lock_guard lock(mutex_);
      connection = &connections_.emplace_back();
      connection->handle = socket.handle();
    }
    stats_.opened();
    // The thread gets the bare handle and owns it from its first line (std::function needs a
    // copyable body, and a Socket moves only).
    rt::poll::Handle handle = socket.release();
    try {
      connection->thread.emplace(
          rt::os::ThreadOptions{.stack_size = kStackSize, .name = "echo-conn", .cpu = options_.cpu},
          [this, connection, handle] { serve(*connection, rt::poll::Socket(handle)); });
    } catch (const rt::OsError&) {
      // No thread to be had (too many threads, no memory for a stack): refuse this one
      // connection, keep serving the others. The body never ran, so the handle is ours.
      rt::poll::Socket(handle).close();
      std::lock_guard lock(mutex_);
      connection->done = true;
      stats_.closed(ServerStats::End::reset);
    }
  }

  void serve(Connection& connection, rt::poll::Socket socket) {
    std::vector<std::byte> buffer(kBufferSize);
    auto end = ServerStats::End::finished;
    for (;;) {
      auto received = rt::poll::receive_some(socket, buffer);
      if (host::timed_out(received)) {
        end = ServerStats::End::idle_timeout;
        break;
      }
      if (received.error != 0) {
        end = ServerStats::End::reset;
        break;
      }
      if (received.bytes == 0) break;  // the client half-closed, and all of it was echoed
      std::span<std::byte> data(buffer.data(), static_cast<std::size_t>(received.bytes));
      if (options_.upper) to_upper_ascii(data);
      end = send_all(socket, data);
      if (end != ServerStats::End::finished) break;
      stats_.echoed(data.size());
    }
    std::lock_guard lock(mutex_);
    if (forced_) end = ServerStats::End::stopped;
    // Counted before the close, so a client that saw the close also sees the count.
    stats_.closed(end);
    socket.close();  // under the mutex: finish() must not shut down a reused descriptor
    connection.handle = rt::poll::kInvalidHandle;
    connection.done = true;
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

  // Joins the threads of connections that ended (the server thread only).
  void reap_finished() {
    std::list<Connection> finished;
    {
      std::lock_guard lock(mutex_);
      for (auto it = connections_.begin(); it != connections_.end();) {
        auto next = std::next(it);
        if (it->done) finished.splice(finished.end(), connections_, it);
        it = next;
      }
    }
    for (auto& connection : finished) {
      if (connection.thread && connection.thread->joinable()) connection.thread->join();
    }
  }

  // After accepting stopped: the grace period, then the rest are cut off and joined.
  void finish() {
    stats_.wait_until([](const ServerStats::Counts& c) { return c.open == 0; }, options_.grace);
    {
      std::lock_guard lock(mutex_);
      forced_ = true;
      for (auto& connection : connections_) {
        if (!connection.done) host::shutdown_both(connection.handle);
      }
    }
    // A shut-down socket's blocked receive or send returns at once, so this does not wait
    // on the peers.
    stats_.wait_until([](const ServerStats::Counts& c) { return c.open == 0; },
                      std::chrono::hours(1));
    reap_finished();
  }

  const ServerOptions options_;
  ServerStats& stats_;
  rt::poll::Socket listener_;  // the server thread only
  std::uint16_t port_ = 0;     // set before listening(), read-only after

  std::mutex mutex_;
  std::condition_variable stop_requested_;  // wakes the acceptor's back-off wait
  bool stopping_ = false;                   // guarded by mutex_
  bool forced_ = false;                     // guarded by mutex_: the grace period ended
  std::list<Connection> connections_;       // guarded by mutex_ (see Connection)
};

}  // namespace

std::unique_ptr<ModelServer> make_threads_server(const ServerOptions& options, ServerStats& stats) {
  return std::make_unique<ThreadsServer>(options, stats);
}

}  // namespace ch04
