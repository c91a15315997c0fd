// rt::net::Stream (stream.hpp): chapter 2's IoSocket, with the calling fiber parked on it.
#include "rt/net/stream.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <utility>

#include "reactor.hpp"
#include "stream_state.hpp"

namespace rt::net {

using rt::poll::Operation;

namespace {

// One fiber per direction at a time (stream.hpp): the flag is up while a call is inside.
class Inside {
 public:
  Inside(bool& flag, const char* call) : flag_(flag) {
    if (flag_) {
      fail_misuse(
          fmt::format("Stream::{}: another fiber is already in {} on this Stream", call, call));
    }
    flag_ = true;
  }
  ~Inside() { flag_ = false; }
  Inside(const Inside&) = delete;
  Inside& operator=(const Inside&) = delete;

 private:
  bool& flag_;
};

}  // namespace

Stream Stream::connect(std::string_view host, std::uint16_t port, Deadline deadline) {
  Reactor& reactor = current_reactor("Stream::connect");
  const rt::poll::Ipv4Address address = rt::poll::parse_ipv4(host, port);
  const std::string call = fmt::format("connect {}", rt::poll::to_string(address));
  auto state = std::make_unique<State>(reactor, rt::poll::tcp_socket());
  try {
    Operation operation(address);
    reactor.await(state->io, operation, deadline, call, nullptr);
    if (operation.error() != 0) rt::poll::throw_socket_error(call, operation.error());
    rt::poll::set_nodelay(state->socket);
  } catch (...) {
    // Registered: only the reactor may end it (a poll on another thread may report it yet).
    reactor.retire(std::move(state));
    throw;
  }
  return Stream(std::move(state));
}

Stream::Stream() noexcept = default;
Stream::Stream(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
Stream::~Stream() {
  close();
}

Stream::Stream(Stream&& other) noexcept : state_(std::move(other.state_)) {}

Stream& Stream::operator=(Stream&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::move(other.state_);
  }
  return *this;
}

Stream::State& Stream::checked(const char* call) const {
  if (!state_) throw std::logic_error(fmt::format("Stream::{} on a closed Stream", call));
  state_->reactor.check_on_fiber(call);
  return *state_;
}

std::size_t Stream::read_some(std::span<std::byte> buffer, Deadline deadline) {
  State& state = checked("read_some");
  if (buffer.empty()) return 0;
  Inside inside(state.reading, "read_some");
  Operation operation(Operation::Kind::receive, buffer);
  state.reactor.await(state.io, operation, deadline, "read", nullptr);
  if (operation.error() != 0) rt::poll::throw_socket_error("read", operation.error());
  return operation.bytes();
}

std::size_t Stream::write_some(std::span<const std::byte> data, Deadline deadline) {
  State& state = checked("write_some");
  if (data.empty()) return 0;
  Inside inside(state.writing, "write_some");
  // A send only reads its buffer; Operation takes a mutable span for both directions.
  Operation operation(Operation::Kind::send, {const_cast<std::byte*>(data.data()), data.size()});
  state.reactor.await(state.io, operation, deadline, "write", nullptr);
  if (operation.error() != 0) rt::poll::throw_socket_error("write", operation.error());
  return operation.bytes();
}

void Stream::write_all(std::span<const std::byte> data, Deadline deadline) {
  while (!data.empty()) data = data.subspan(write_some(data, deadline));
}

void Stream::shutdown_send() {
  rt::poll::shutdown_send(checked("shutdown_send").socket);
}

void Stream::set_reset_on_close() {
  rt::poll::set_reset_on_close(checked("set_reset_on_close").socket);
}

void Stream::close() noexcept {
  if (!state_) return;
  if (state_->reading || state_->writing || state_->io.pending() != 0) {
    fail_misuse("Stream::close (or its destructor, or a move onto it) with a fiber parked on it");
  }
  Reactor& reactor = state_->reactor;
  reactor.retire(std::move(state_));  // deregister, then close (SocketState's member order)
}

bool Stream::is_open() const noexcept {
  return state_ != nullptr;
}

std::uint16_t Stream::local_port() const {
  return rt::poll::local_port(checked("local_port").socket);
}

std::uint16_t Stream::peer_port() const {
  return rt::poll::peer_port(checked("peer_port").socket);
}

}  // namespace rt::net
