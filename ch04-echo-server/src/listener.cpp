// rt::net::Listener (listener.hpp): an accept Operation with the calling fiber parked on it.
#include "rt/net/listener.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>
#include <utility>

#include "loop_impl.hpp"
#include "stream_state.hpp"

namespace rt::net {

using rt::poll::Operation;

struct Listener::State {
  State(Loop::Impl& loop_impl, rt::poll::Socket listening)
      : loop(loop_impl),
        socket(std::move(listening)),
        io(loop_impl.poller, socket),
        port(rt::poll::local_port(socket)) {}

  Loop::Impl& loop;
  rt::poll::Socket socket;  // declared before io: destroyed after it
  rt::poll::IoSocket io;
  std::uint16_t port;
  // While a fiber is parked in accept(): its Waiter, so that close() can end the wait.
  Waiter* accepting = nullptr;
  bool in_accept = false;  // a fiber is inside accept()
  bool closing = false;    // close() was called while a fiber was inside accept()
  // AcceptEx writes both addresses here (io_operation.hpp); readiness backends ignore it.
  std::array<std::byte, Operation::kAcceptBufferBytes> addresses{};
};

Listener Listener::bind(std::string_view host, std::uint16_t port, int backlog) {
  Loop::Impl& loop = Loop::current().impl();
  rt::poll::Socket socket = rt::poll::listen_tcp(rt::poll::parse_ipv4(host, port), backlog);
  return Listener(std::make_unique<State>(loop, std::move(socket)));
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
  return state_ != nullptr && !state_->closing;
}

Stream Listener::accept(Deadline deadline) {
  if (!is_open()) throw std::logic_error("Listener::accept on a closed Listener");
  State& state = *state_;
  state.loop.check_on_fiber("Listener::accept");
  if (state.in_accept) fail_misuse("Listener::accept: another fiber is already accepting");
  state.in_accept = true;
  Operation operation(Operation::Kind::accept, state.addresses);
  try {
    state.loop.await(state.io, operation, deadline, "accept", &state.accepting);
  } catch (...) {
    state.in_accept = false;
    if (state.closing) state_.reset();  // close() left the closing to us (listener.hpp)
    throw;
  }
  state.in_accept = false;
  if (operation.error() != 0) rt::poll::throw_socket_error("accept", operation.error());
  rt::poll::Socket accepted = operation.take_accepted();
  rt::poll::set_nodelay(accepted);
  return Stream(std::make_unique<Stream::State>(state.loop, std::move(accepted)));
}

void Listener::close() noexcept {
  if (!state_ || state_->closing) return;
  if (state_->in_accept) {
    // A fiber is parked in accept() (nobody else runs while we do, so it is parked): end its
    // wait; it closes the socket when it resumes, once the operation is no longer pending.
    state_->closing = true;
    if (state_->accepting != nullptr) {
      state_->loop.request_cancel(*state_->accepting, Waiter::Reason::closed);
    }
    return;
  }
  state_.reset();
}

}  // namespace rt::net
