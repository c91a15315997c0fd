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

// The listening socket is the part close() ends (`socket`, retired through the reactor); the
// rest lives as long as the Listener, so that a close() on another thread than accept() (under
// chapter 6's runtime) never frees what the accepting fiber is using. `socket`, `in_accept` and
// `accepting` are read and written under reactor.guard(key) (a SocketGuard).
struct Listener::State {
  State(Reactor& owner, rt::poll::Socket listening)
      : reactor(owner),
        socket(std::make_unique<SocketState>(owner, std::move(listening))),
        key(&socket->io),
        port(rt::poll::local_port(socket->socket)) {}

  Reactor& reactor;
  std::unique_ptr<SocketState> socket;  // null once closed
  const void* key;                      // the IoSocket's address: the guard's key, for life
  std::uint16_t port;
  bool in_accept = false;  // a fiber is inside accept()
  // The fiber parked in accept(); `closed`: close() was called.
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
  const SocketGuard guard(state_->reactor, state_->key);
  return !state_->accepting.closed;
}

Stream Listener::accept(Deadline deadline) {
  if (state_ == nullptr)
    throw std::logic_error("Listener::accept on a Listener that never listened");
  State& state = *state_;
  Reactor& reactor = state.reactor;
  reactor.check_on_fiber("Listener::accept");
  rt::poll::IoSocket* io = nullptr;
  {
    const SocketGuard guard(reactor, state.key);
    // Closed before this accept began: the same end as a close during it. Under chapter 6's
    // runtime the two are one race (a close on another worker), so they cannot differ.
    if (state.accepting.closed) throw Cancelled("accept", "the listener was closed");
    if (state.in_accept) fail_misuse("Listener::accept: another fiber is already accepting");
    state.in_accept = true;
    io = &state.socket->io;
  }
  Operation operation(Operation::Kind::accept, state.addresses);
  // Leaves accept(): and if close() came meanwhile, the socket is ours to close.
  auto leave = [&state, &reactor] {
    std::unique_ptr<SocketState> closing;
    {
      const SocketGuard guard(reactor, state.key);
      state.in_accept = false;
      if (state.accepting.closed) closing = std::move(state.socket);
    }
    if (closing) reactor.retire(std::move(closing));
  };
  try {
    reactor.await(*io, operation, deadline, "accept", &state.accepting);
  } catch (...) {
    leave();
    throw;
  }
  leave();
  // A close() that came after the accept had finished: the connection is ours (the data wins).
  if (operation.error() != 0) rt::poll::throw_socket_error("accept", operation.error());
  rt::poll::Socket accepted = operation.take_accepted();
  rt::poll::set_nodelay(accepted);
  return Stream(std::make_unique<Stream::State>(reactor, std::move(accepted)));
}

void Listener::close() noexcept {
  if (state_ == nullptr) return;
  State& state = *state_;
  std::unique_ptr<SocketState> closing;
  {
    const SocketGuard guard(state.reactor, state.key);
    if (state.accepting.closed) return;
    state.accepting.closed = true;
    if (state.in_accept) {
      // A fiber is inside accept(): end its wait (now, or as it parks); it closes the socket
      // as it leaves, once the operation is no longer pending.
      state.reactor.cancel_closed(state.accepting);
      return;
    }
    closing = std::move(state.socket);
  }
  state.reactor.retire(std::move(closing));
}

}  // namespace rt::net
