// The delay server: one thread accepting, one thread per connection.
#include "delay_server.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <string>
#include <system_error>

#include "rt/error.hpp"

namespace ch02 {

std::optional<int> parse_delay_request(std::string_view request) {
  constexpr std::string_view kPrefix = "GET /delay/";
  if (request.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const char* first = request.data() + kPrefix.size();
  const char* last = request.data() + request.size();
  int ms = -1;
  auto [end, error] = std::from_chars(first, last, ms);
  if (error != std::errc{} || end == first || ms < 0 || ms > kMaxDelayMs) return std::nullopt;
  if (end != last && *end != ' ' && *end != '\r' && *end != '\n') return std::nullopt;
  return ms;
}

DelayServer::DelayServer(std::uint16_t port, rt::Output* log)
    : listener_(rt::poll::listen_loopback(port)),
      port_(rt::poll::local_port(listener_)),
      log_(log),
      acceptor_([this] { accept_loop(); }) {}

DelayServer::~DelayServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    // Connection threads blocked in recv() on a client that stays silent: end their reads.
    // Under the mutex, so no thread closes (and the OS reuses) a descriptor meanwhile, and
    // a thread about to read sees stopping_ instead (receive()).
    for (auto& connection : connections_) {
      if (connection.reading) rt::poll::shutdown_both(connection.handle);
    }
  }
  stopped_.notify_all();
  // The acceptor is blocked in accept(): one connection of our own wakes it, and it then
  // sees stopping_. (Closing the listener under a blocked accept() does not wake it on
  // Linux, and is a race on every OS.) If it is backing off, stopped_ woke it.
  try {
    rt::poll::connect_loopback(port_);
  } catch (const rt::OsError&) {
    // No descriptor for our connection (EMFILE): shut the listener down instead, which
    // ends a blocked accept() with an error on Linux; the acceptor then sees stopping_.
    rt::poll::shutdown_both(listener_.handle());
  }
  acceptor_.join();
  for (auto& connection : connections_) connection.thread.join();
}

bool DelayServer::wait_until(const std::function<bool(const Counts&)>& condition,
                             std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return counted_.wait_for(lock, timeout, [&] { return condition(counts_); });
}

rt::poll::IoResult DelayServer::receive(Connection& connection, const rt::poll::Socket& socket,
                                        std::span<std::byte> buffer) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return {.bytes = 0};
    connection.reading = true;
  }
  auto result = rt::poll::receive_some(socket, buffer);
  std::lock_guard lock(mutex_);
  connection.reading = false;
  return result;
}

void DelayServer::accept_loop() {
  auto backoff = kFirstBackoff;
  std::size_t failures_in_a_row = 0;
  for (;;) {
    rt::poll::Socket socket;
    try {
      socket = rt::poll::accept_connection(listener_);
    } catch (const rt::OsError& e) {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      ++counts_.accept_failures;
      counted_.notify_all();
      // Said once per run of failures: a condition like EMFILE lasts, and one line per
      // attempt would flood the log.
      if (failures_in_a_row++ == 0 && log_ != nullptr) {
        log_->print("delay-server: {}; retrying, less and less often\n", e.what());
      }
      // Retrying at once would spin: the pending connection stays in the backlog, so accept
      // fails the same way until a descriptor is free. Back off, doubling; a stop wakes it.
      stopped_.wait_for(lock, backoff, [this] { return stopping_; });
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    if (failures_in_a_row > 0 && log_ != nullptr) {
      log_->print("delay-server: accepting again after {} failed accepts\n", failures_in_a_row);
    }
    failures_in_a_row = 0;
    backoff = kFirstBackoff;
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    reap_finished();
    auto& connection = connections_.emplace_back();
    connection.handle = socket.handle();
    try {
      // Started under the mutex: the thread takes it before it closes its socket, so it
      // never finds its Connection half made.
      connection.thread = std::thread([this, &connection, s = std::move(socket)]() mutable {
        serve(connection, std::move(s));
        connection.done.store(true, std::memory_order_release);  // pairs with reap_finished
      });
    } catch (const std::system_error& e) {
      // No thread for this connection (the machine's thread limit): the socket closes, and
      // the client sees the connection end without an answer. The server goes on.
      connections_.pop_back();
      if (log_ != nullptr) log_->print("delay-server: no thread for a connection: {}\n", e.what());
      continue;
    }
    ++counts_.accepted;
    counted_.notify_all();
  }
}

void DelayServer::reap_finished() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->done.load(std::memory_order_acquire)) {  // pairs with the release at thread end
      it->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void DelayServer::serve(Connection& connection, rt::poll::Socket socket) {
  try {
    answer(connection, socket);
    // Half-close, then read until the client closes: closing with unread input (a request
    // over 1 KiB, bytes after the head) would make the kernel send a reset, and a client
    // may then lose the answer it has not read yet. A stop ends this read (shutdown). A
    // client that is gone already (ENOTCONN) needs neither.
    try {
      rt::poll::shutdown_send(socket);
    } catch (const rt::OsError&) {
      return close_connection(connection, socket);
    }
    std::array<std::byte, 4096> discard;
    for (;;) {
      auto r = receive(connection, socket, discard);
      if (r.error != 0 || r.bytes <= 0) break;
    }
  } catch (const std::exception& e) {
    // A client that reset or vanished (rt::OsError), or anything else going wrong with one
    // connection, ends that connection only; an exception escaping a thread would end the
    // process.
    if (log_ != nullptr) log_->print("  connection ended: {}\n", e.what());
  }
  close_connection(connection, socket);
}

void DelayServer::close_connection(Connection& connection, rt::poll::Socket& socket) {
  std::lock_guard lock(mutex_);
  socket.close();  // under the mutex: the destructor must not shut down a reused descriptor
  connection.handle = rt::poll::kInvalidHandle;
  ++counts_.closed;
  counted_.notify_all();
}

void DelayServer::answer(Connection& connection, const rt::poll::Socket& socket) {
  // Read the request head: up to an empty line, 1 KiB, or the peer's end of stream.
  std::string request;
  std::array<std::byte, 256> buffer;
  while (request.size() < 1024 && request.find("\r\n\r\n") == std::string::npos &&
         request.find("\n\n") == std::string::npos) {
    auto r = receive(connection, socket, buffer);
    if (r.error != 0 || r.bytes <= 0) break;
    request.append(reinterpret_cast<const char*>(buffer.data()), static_cast<std::size_t>(r.bytes));
  }
  std::optional<int> delay = parse_delay_request(request);
  if (!delay) {
    rt::poll::send_all(socket, "HTTP/1.0 400 Bad Request\r\n\r\nexpected GET /delay/<ms>\n");
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  bool cut_short;
  {
    std::unique_lock lock(mutex_);
    ++counts_.delaying;
    counted_.notify_all();
    cut_short =
        stopped_.wait_for(lock, std::chrono::milliseconds(*delay), [this] { return stopping_; });
    --counts_.delaying;
  }
  if (cut_short) {
    // Not "waited <ms> ms": the client must not take a cut delay for a full one.
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    rt::poll::send_all(socket, fmt::format("HTTP/1.0 503 Service Unavailable\r\n"
                                           "Content-Type: text/plain\r\n\r\n"
                                           "stopped after {} of {} ms\n",
                                           waited.count(), *delay));
    if (log_ != nullptr) log_->print("  cut short GET /delay/{} (stopping)\n", *delay);
    return;
  }
  rt::poll::send_all(socket, fmt::format("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                                         "waited {} ms\n",
                                         *delay));
  if (log_ != nullptr) log_->print("  answered GET /delay/{}\n", *delay);
}

}  // namespace ch02
