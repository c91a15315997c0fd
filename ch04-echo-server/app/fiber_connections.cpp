// FiberConnections (fiber_connections.hpp): the fibers model's accept loop, connection loop and
// graceful stop, for chapter 4's Loop and chapter 6's Runtime alike.
#include "fiber_connections.hpp"

#include <array>
#include <span>
#include <utility>

#include "server.hpp"

namespace ch04 {

namespace {
constexpr std::size_t kFiberStackSize = 64 * 1024;  // the 16 KiB buffer lives on it
}  // namespace

FiberConnections::FiberConnections(const ServerOptions& options, ServerStats& stats,
                                   FiberRuntimeHooks hooks)
    : options_(options), stats_(stats), hooks_(std::move(hooks)) {}

void FiberConnections::listen_and_serve(const std::function<void()>& bound,
                                        const std::function<void(std::uint16_t)>& listening) {
  rt::net::Listener listener = rt::net::Listener::bind("127.0.0.1", options_.port);
  bound();
  listening(listener.port());
  serve(listener);
}

void FiberConnections::serve(rt::net::Listener& listener) {
  bool stopped = false;
  {
    std::lock_guard lock(listener_mutex_);
    listener_ = &listener;
    stopped = stopping_;
  }
  auto unpublish = [this] {
    std::lock_guard lock(listener_mutex_);
    listener_ = nullptr;  // the caller's Listener may go now: stop() no longer touches it
  };
  try {
    if (!stopped) accept_loop(listener);
  } catch (...) {
    // Nothing the acceptor expects escapes accept_loop; if something does, the server must
    // still end: the open connections are cancelled, so the runtime runs out of fibers.
    unpublish();
    hooks_.cancel_all();
    throw;
  }
  unpublish();
  wait_for_connections();
}

void FiberConnections::stop() noexcept {
  std::lock_guard lock(listener_mutex_);
  stopping_ = true;
  // A parked accept() throws Cancelled; one that begins later too (listener.hpp).
  if (listener_ != nullptr) listener_->close();
}

void FiberConnections::accept_loop(rt::net::Listener& listener) {
  auto wait = options_.backoff.first;
  for (;;) {
    rt::net::Stream stream;
    bool failed = false;
    try {
      stream = listener.accept();
      if (options_.faults != nullptr) options_.faults->visit(FaultInjection::Site::accept);
    } catch (const rt::net::Cancelled&) {
      return;  // stop() closed the listener
    } catch (const std::exception& error) {
      // Out of descriptors, of memory (ENOMEM, ENOBUFS, bad_alloc), or a connection that
      // failed on its way in (EPROTO): back off and try again. No accept error ends the
      // acceptor (its end would close the listener for good); a reset one is simply gone.
      auto* os = dynamic_cast<const rt::OsError*>(&error);
      if (os != nullptr && rt::net::is_connection_reset(*os)) continue;
      stats_.accept_failed(describe_failure(error));
      failed = true;
    }
    if (failed) {
      try {
        rt::net::sleep_for(wait);  // a stop during the wait: the next accept() says Cancelled
      } catch (const rt::net::Cancelled&) {
        return;  // the runtime is shutting down
      }
      wait = options_.backoff.next(wait);
      continue;
    }
    wait = options_.backoff.first;
    start_connection(std::move(stream));
  }
}

// A fiber for the connection; if none can be had (no memory or no mapping for its stack:
// StackRefused; bad_alloc), the connection is closed, and the acceptor goes on.
void FiberConnections::start_connection(rt::net::Stream stream) {
  open_.fetch_add(1);
  stats_.opened();
  try {
    if (options_.faults != nullptr) options_.faults->visit(FaultInjection::Site::stack);
    hooks_.spawn(
        {.name = "echo", .stack_size = kFiberStackSize},
        rt::fiber::to_function([this, s = std::move(stream)]() mutable { echo(std::move(s)); }));
  } catch (const std::exception& error) {
    stream.close();  // still ours if spawn threw before taking it; else closed already
    open_.fetch_sub(1);
    stats_.refuse(describe_failure(error));
  }
}

void FiberConnections::echo(rt::net::Stream stream) {
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
  // The last connection during the grace period ends it early (wait_for_connections()).
  if (open_.fetch_sub(1) == 1 && grace_running_.load()) hooks_.cancel_all();
}

// ServerStats::yields() for this model: the runtime's deferrals (rt::net's cooperative
// budget), passed on as the connections see them.
void FiberConnections::report_yields() {
  if (!hooks_.deferrals) return;
  const std::uint64_t now = hooks_.deferrals();
  // Only ever forward: two fibers may report at once, and one may have read an older count.
  std::uint64_t before = reported_deferrals_.load();
  while (now > before && !reported_deferrals_.compare_exchange_weak(before, now)) {
  }
  if (now > before) stats_.yielded(now - before);
}

rt::net::Deadline FiberConnections::deadline() const {
  if (options_.idle_timeout.count() == 0) return rt::net::Deadline::never();
  return rt::net::Deadline::after(options_.idle_timeout);
}

// After accepting stopped: sleeps through the grace period unless the last connection ends
// first (it cancels the sleep); then cancels every fiber still parked, whose calls throw
// Cancelled, so each connection closes and the runtime runs out of fibers. On many workers the
// last connection may end while this starts: grace_running_ and open_ are both seq_cst, so of
// "set grace_running_, read open_" here and "decrement open_, read grace_running_" there, one
// sees the other; a cancel_all() that comes before the sleep parks makes it throw at once.
void FiberConnections::wait_for_connections() {
  grace_running_.store(true);
  if (open_.load() == 0) return;
  try {
    rt::net::sleep_for(options_.grace);
  } catch (const rt::net::Cancelled&) {
    return;  // the last connection ended
  }
  hooks_.cancel_all();
}

}  // namespace ch04
