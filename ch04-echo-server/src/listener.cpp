// rt::net::Listener (listener.hpp): an accept Operation with the calling fiber parked on it.
#include "rt/net/listener.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>
#include <utility>

#include "reactor.hpp"
#include "stream_state.hpp"

namespace rt::net {

using rt::poll::Operation;

// The fields below `port` are read and written under reactor.guard(io): close() may run on
// another thread than accept() under chapter 6's runtime.
struct Listener::State final : SocketState {
  State(Reactor& reactor, rt::poll::Socket listening)
      : SocketState(reactor, std::move(listening)), port(rt::poll::local_port(socket)) {}

  std::uint16_t port;
  bool in_accept = false;  // a fiber is inside accept()
  // The fiber parked in accept(), and whether close() was called while one was inside it.
  Publication accepting;
  // AcceptEx writes both addresses here (io_operation.hpp); readiness backends ignore it.
  std::array<std::byte, Operation::kAcceptBufferBytes> addresses{};
};

Listener Listener::bind(std::string_view host, std::uint16_t port, int backlog) {
  Reactor& reactor = current_reactor("Listener::bind");
  rt::poll::Socket socket = rt::poll::listen_tcp(rt::poll::parse_ipv4(host, port), backlog);
  return Listener(std::make_unique<State>(reactor, std::move(socket)));
}

Listener::Listener() noexcept = default;
Listener::Listener(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
Listener::~Listener() {
  close();
}
Listener::Listener(Listener&& other) noexcept : state_(std::move(other.state_)) {}
Listener& Listener::operator=(Listener&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::move(other.state_);
  }
  return *this;
}

std::uint16_t Listener::port() const noexcept {
  return state_ ? state_->port : 0;
}

bool Listener::is_open() const noexcept {
  if (state_ == nullptr) return false;
  auto guard = state_->reactor.guard(state_->io);
  return !state_->accepting.closed;
}

Stream Listener::accept(Deadline deadline) {
  if (!is_open()) throw std::logic_error("Listener::accept on a closed Listener");
  State& state = *state_;
  Reactor& reactor = state.reactor;
  reactor.check_on_fiber("Listener::accept");
  {
    auto guard = reactor.guard(state.io);
    if (state.in_accept) fail_misuse("Listener::accept: another fiber is already accepting");
    state.in_accept = true;
  }
  Operation operation(Operation::Kind::accept, state.addresses);
  bool closed = false;
  try {
    reactor.await(state.io, operation, deadline, "accept", &state.accepting);
  } catch (...) {
    {
      auto guard = reactor.guard(state.io);
      state.in_accept = false;
      closed = state.accepting.closed;
    }
    if (closed) reactor.retire(std::move(state_));  // close() left the closing to us
    throw;
  }
  {
    auto guard = reactor.guard(state.io);
    state.in_accept = false;
    closed = state.accepting.closed;
  }
  // A close() that came after the accept had finished: the connection is ours (the data
  // wins), and the listening socket closes now, as close() promised.
  rt::poll::Socket accepted = operation.take_accepted();
  const int error = operation.error();
  if (closed) reactor.retire(std::move(state_));
  if (error != 0) rt::poll::throw_socket_error("accept", error);
  rt::poll::set_nodelay(accepted);
  return Stream(std::make_unique<Stream::State>(reactor, std::move(accepted)));
}

void Listener::close() noexcept {
  if (!state_) return;
  Reactor& reactor = state_->reactor;
  {
    auto guard = reactor.guard(state_->io);
    if (state_->accepting.closed) return;
    if (state_->in_accept) {
      // A fiber is inside accept(): end its wait (now, or as it parks); it closes the socket
      // when it resumes, once the operation is no longer pending.
      state_->accepting.closed = true;
      reactor.cancel_closed(state_->accepting);
      return;
    }
  }
  reactor.retire(std::move(state_));
}

}  // namespace rt::net
