// The delay server: one thread accepting, one thread per connection.
#include "delay_server.hpp"

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
  }
  stopped_.notify_all();
  // The acceptor is blocked in accept(): one connection of our own wakes it, and it then
  // sees stopping_. (Closing the listener under a blocked accept() does not wake it on
  // Linux, and is a race on every OS.)
  try {
    rt::poll::connect_loopback(port_);
  } catch (const rt::OsError&) {
    // The acceptor already left (an accept error while stopping); join() below still works.
  }
  acceptor_.join();
  for (auto& connection : connections_) connection.thread.join();
}

void DelayServer::accept_loop() {
  for (;;) {
    rt::poll::Socket socket;
    try {
      socket = rt::poll::accept_connection(listener_);
    } catch (const rt::OsError& e) {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      if (log_ != nullptr) log_->print("delay-server: {}\n", e.what());
      // A failed accept (EMFILE, a reset before accept) ends one connection only. Back off a
      // little: a condition like EMFILE would otherwise turn this loop into a busy one.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    reap_finished();
    auto& connection = connections_.emplace_back();
    try {
      connection.thread = std::thread([this, &connection, s = std::move(socket)]() mutable {
        serve(std::move(s));
        connection.done.store(true, std::memory_order_release);  // pairs with reap_finished
      });
    } catch (const std::system_error& e) {
      // No thread for this connection (the machine's thread limit): the socket closes, and
      // the client sees the connection end without an answer. The server goes on.
      connections_.pop_back();
      if (log_ != nullptr) log_->print("delay-server: no thread for a connection: {}\n", e.what());
    }
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

void DelayServer::serve(rt::poll::Socket socket) {
  try {
    // Read the request head: up to an empty line, 1 KiB, or the peer's end of stream.
    std::string request;
    std::array<std::byte, 256> buffer;
    while (request.size() < 1024 && request.find("\r\n\r\n") == std::string::npos &&
           request.find("\n\n") == std::string::npos) {
      auto r = rt::poll::receive_some(socket, buffer);
      if (r.error != 0 || r.bytes <= 0) break;
      request.append(reinterpret_cast<const char*>(buffer.data()),
                     static_cast<std::size_t>(r.bytes));
    }
    std::optional<int> delay = parse_delay_request(request);
    if (!delay) {
      rt::poll::send_all(socket, "HTTP/1.0 400 Bad Request\r\n\r\nexpected GET /delay/<ms>\n");
      return;
    }
    {
      std::unique_lock lock(mutex_);
      stopped_.wait_for(lock, std::chrono::milliseconds(*delay), [this] { return stopping_; });
    }
    rt::poll::send_all(socket, fmt::format("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                                           "waited {} ms\n",
                                           *delay));
    if (log_ != nullptr) log_->print("  answered GET /delay/{}\n", *delay);
  } catch (const std::exception& e) {
    // A client that reset or vanished (rt::OsError), or anything else going wrong with one
    // connection, ends that connection only; an exception escaping a thread would end the
    // process.
    if (log_ != nullptr) log_->print("  connection ended: {}\n", e.what());
  }
}

}  // namespace ch02
