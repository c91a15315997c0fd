// The fibers model: one thread, one fiber per connection on rt::net::Loop. The connection's
// code is the threads model's loop (read, then write) and its state lives on the fiber's
// stack, as it would on a thread's; but a call that would block parks only the fiber, and
// the loop runs another one. Compare serve() here with server_events.cpp's advance().
//
// Everything here runs on the server thread, except request_stop(), which post()s.
// Running out: a connection whose fiber cannot be had (StackRefused: no memory or no mapping
// left for its stack) is closed and counted as refused, and a failing accept() backs off;
// the acceptor, whose end would close the listener for good, never ends on either.
#include <array>
#include <mutex>

#include "rt/net/net.hpp"
#include "server.hpp"

namespace ch04 {

namespace {

constexpr std::size_t kFiberStackSize = 64 * 1024;  // the 16 KiB buffer lives on it

class FibersServer final : public ModelServer {
 public:
  FibersServer(const ServerOptions& options, ServerStats& stats)
      : options_(options), stats_(stats) {}

  void run(const std::function<void(std::uint16_t)>& listening) override {
    rt::net::Loop loop;
    auto acceptor = loop.spawn({.name = "acceptor"}, [&] {
      rt::net::Listener listener = rt::net::Listener::bind("127.0.0.1", options_.port);
      listener_ = &listener;
      {
        std::lock_guard lock(loop_mutex_);
        loop_ = &loop;
      }
      listening(listener.port());
      accept_loop(listener);
      listener_ = nullptr;
      wait_for_connections(loop);
    });
    loop.run();
    {
      std::lock_guard lock(loop_mutex_);
      loop_ = nullptr;  // request_stop() must not post to a Loop about to be destroyed
    }
    acceptor.join();  // rethrows what escaped the acceptor (a failed bind)
  }

  void request_stop() override {
    std::lock_guard lock(loop_mutex_);
    if (loop_ == nullptr) return;  // run() already ended (it failed)
    loop_->post([this] {
      stopping_ = true;
      if (listener_ != nullptr) listener_->close();  // the parked accept() throws Cancelled
    });
  }

 private:
  void accept_loop(rt::net::Listener& listener) {
    auto wait = options_.backoff.first;
    while (!stopping_) {
      rt::net::Stream stream;
      try {
        stream = listener.accept();
        if (options_.faults != nullptr) options_.faults->visit(FaultInjection::Site::accept);
      } catch (const rt::net::Cancelled&) {
        break;  // request_stop closed the listener
      } catch (const std::exception& error) {
        // Out of descriptors, of memory (ENOMEM, ENOBUFS, bad_alloc), or a connection that
        // failed on its way in (EPROTO): back off and try again. No accept error ends the
        // acceptor (its end would close the listener for good); a reset one is simply gone.
        auto* os = dynamic_cast<const rt::OsError*>(&error);
        if (os != nullptr && rt::net::is_connection_reset(*os)) continue;
        stats_.accept_failed(describe_failure(error));
        rt::net::sleep_for(wait);  // a stop during the wait is seen when it ends
        wait = options_.backoff.next(wait);
        continue;
      }
      wait = options_.backoff.first;
      start_connection(std::move(stream));
    }
  }

  // A fiber for the connection; if none can be had (no memory or no mapping for its stack:
  // StackRefused; bad_alloc), the connection is closed, and the acceptor goes on.
  void start_connection(rt::net::Stream stream) {
    ++open_;
    stats_.opened();
    try {
      if (options_.faults != nullptr) options_.faults->visit(FaultInjection::Site::stack);
      rt::net::Loop::current().spawn(
          {.name = "echo", .stack_size = kFiberStackSize},
          [this, s = std::move(stream)]() mutable { serve(std::move(s)); });
    } catch (const std::exception& error) {
      stream.close();  // still ours if spawn threw before taking it; else closed already
      --open_;
      stats_.refuse(describe_failure(error));
    }
  }

  void serve(rt::net::Stream stream) {
    stats_.ready();
    std::array<std::byte, kEchoBufferSize> buffer;
    auto end = ServerStats::End::finished;
    try {
      while (std::size_t n = stream.read_some(buffer, deadline())) {
        std::span<std::byte> data(buffer.data(), n);
        if (options_.upper) to_upper_ascii(data);
        stream.write_all(data, deadline());
        stats_.echoed(n);
        report_yields();
      }
      // read_some returned 0: the client half-closed, and everything it sent was echoed.
    } catch (const rt::net::TimedOut&) {
      end = ServerStats::End::idle_timeout;
    } catch (const rt::net::Cancelled&) {
      end = ServerStats::End::stopped;
    } catch (const rt::OsError&) {
      end = ServerStats::End::reset;  // reset, broken pipe, or another socket error
    } catch (const std::exception&) {
      // Out of memory (bad_alloc) on the way: a detached fiber's escaping exception would
      // stop the process, so this connection ends instead.
      end = ServerStats::End::refused;
    }
    stats_.closed(end);  // before the close: a client that saw the close sees the count
    stream.close();
    if (--open_ == 0 && grace_running_) rt::net::Loop::current().cancel_all();
  }

  // ServerStats::yields() for this model: the loop's deferrals (rt::net's cooperative
  // budget), passed on as the connections see them.
  void report_yields() {
    const std::size_t deferrals = rt::net::Loop::current().stats().deferrals;
    if (deferrals != reported_deferrals_) {
      stats_.yielded(deferrals - reported_deferrals_);
      reported_deferrals_ = deferrals;
    }
  }

  rt::net::Deadline deadline() const {
    if (options_.idle_timeout.count() == 0) return rt::net::Deadline::never();
    return rt::net::Deadline::after(options_.idle_timeout);
  }

  // After accepting stopped: sleeps through the grace period unless the last connection
  // ends first (it cancels the sleep); then cancels every fiber still parked, whose calls
  // throw Cancelled, so each connection closes and the loop runs out of fibers.
  void wait_for_connections(rt::net::Loop& loop) {
    if (open_ == 0) return;
    grace_running_ = true;
    try {
      rt::net::sleep_for(options_.grace);
    } catch (const rt::net::Cancelled&) {
      return;  // the last connection ended
    }
    loop.cancel_all();
  }

  const ServerOptions options_;
  ServerStats& stats_;
  std::mutex loop_mutex_;
  rt::net::Loop* loop_ = nullptr;  // guarded by loop_mutex_: the Loop while run() runs it
  // The rest belong to the server thread (the loop's).
  rt::net::Listener* listener_ = nullptr;  // the acceptor's, while it accepts
  bool stopping_ = false;
  bool grace_running_ = false;
  std::size_t open_ = 0;
  std::size_t reported_deferrals_ = 0;
};

}  // namespace

std::unique_ptr<ModelServer> make_fibers_server(const ServerOptions& options, ServerStats& stats) {
  return std::make_unique<FibersServer>(options, stats);
}

}  // namespace ch04
