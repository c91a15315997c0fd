// Operation's state machine, the same on every backend.
#include <cassert>
#include <utility>

#include "rt/poll/io_operation.hpp"

namespace rt::poll {

Operation::~Operation() {
  assert(state_ != State::pending && "an Operation must outlive its pending state");
  Socket unclaimed(accepted_);  // closes an accepted socket nobody took
}

Socket Operation::take_accepted() noexcept {
  return Socket(std::exchange(accepted_, kInvalidHandle));
}

void Operation::reset() noexcept {
  assert(state_ != State::pending && "the buffer still belongs to the IoSocket");
  Socket unclaimed(std::exchange(accepted_, kInvalidHandle));
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
  assert((kind_ != Kind::accept || buffer_.size() >= kAcceptBufferBytes) &&
         "an accept needs kAcceptBufferBytes of buffer");
  state_ = State::pending;
}

void Operation::finish(std::size_t bytes, int error) noexcept {
  assert(state_ == State::pending);
  bytes_ = bytes;
  error_ = error;
  state_ = State::finished;
}

}  // namespace rt::poll
