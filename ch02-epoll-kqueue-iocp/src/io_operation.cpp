// Operation's state machine, the same on every backend.
#include <cassert>

#include "rt/poll/io_operation.hpp"

namespace rt::poll {

void Operation::reset() noexcept {
  assert(state_ != State::pending && "the buffer still belongs to the IoSocket");
  state_ = State::idle;
  bytes_ = 0;
  error_ = 0;
}

void Operation::reset(std::span<std::byte> buffer) noexcept {
  reset();
  buffer_ = buffer;
}

void Operation::mark_pending() noexcept {
  assert(state_ == State::idle && "start() needs an idle operation");
  state_ = State::pending;
}

void Operation::finish(std::size_t bytes, int error) noexcept {
  assert(state_ == State::pending);
  bytes_ = bytes;
  error_ = error;
  state_ = State::finished;
}

}  // namespace rt::poll
