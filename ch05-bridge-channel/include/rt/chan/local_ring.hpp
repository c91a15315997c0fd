// Storage for a channel whose two sides are fibers of one loop (C2C): both run on one thread,
// one at a time, so the ring needs no atomic instruction and no fence at all. The mode is known
// at compile time, so the channel picks this storage for C2C and the lock-free ring (ring.hpp)
// for every other mode: the cost of sharing is paid only where something is shared.
//
// Same interface and semantics as Ring (PutResult, TakeResult, the closed flag, any capacity).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <new>
#include <optional>
#include <utility>

#include "rt/chan/ring.hpp"

namespace rt::chan {

template <typename T>
class LocalRing {
 public:
  explicit LocalRing(std::size_t capacity)
      : capacity_(capacity), slots_(std::make_unique<std::optional<T>[]>(capacity)) {}

  std::size_t capacity() const noexcept { return capacity_; }

  PutResult try_put(T& value) {
    if (closed_) return PutResult::closed;
    if (count_ == capacity_) return PutResult::full;
    slots_[(first_ + count_) % capacity_].emplace(std::move(value));
    ++count_;
    return PutResult::ok;
  }
  TakeResult try_take(std::optional<T>& out) {
    if (count_ == 0) return closed_ ? TakeResult::closed : TakeResult::empty;
    std::optional<T>& slot = slots_[first_];
    out.emplace(std::move(*slot));
    slot.reset();
    first_ = first_ + 1 == capacity_ ? 0 : first_ + 1;
    --count_;
    return TakeResult::ok;
  }
  bool has_room_or_closed() const noexcept { return count_ < capacity_ || closed_; }
  bool has_value_or_closed() const noexcept { return count_ > 0 || closed_; }
  bool close() noexcept { return !std::exchange(closed_, true); }
  bool closed() const noexcept { return closed_; }

 private:
  const std::size_t capacity_;
  std::unique_ptr<std::optional<T>[]> slots_;
  std::size_t first_ = 0;  // the oldest value's slot
  std::size_t count_ = 0;
  bool closed_ = false;
};

// The unbounded variant for C2C: a deque, no lock.
template <typename T>
class LocalQueue {
 public:
  explicit LocalQueue(std::size_t /*capacity: unbounded*/) {}
  std::size_t capacity() const noexcept { return 0; }
  PutResult try_put(T& value) {
    if (closed_) return PutResult::closed;
    values_.push_back(std::move(value));
    return PutResult::ok;
  }
  TakeResult try_take(std::optional<T>& out) {
    if (values_.empty()) return closed_ ? TakeResult::closed : TakeResult::empty;
    out.emplace(std::move(values_.front()));
    values_.pop_front();
    return TakeResult::ok;
  }
  bool has_room_or_closed() const noexcept { return true; }
  bool has_value_or_closed() const noexcept { return !values_.empty() || closed_; }
  bool close() noexcept { return !std::exchange(closed_, true); }
  bool closed() const noexcept { return closed_; }

 private:
  std::deque<T> values_;
  bool closed_ = false;
};

// The rendezvous cell for C2C (rendezvous.hpp has the shared one and its state diagram): on
// one thread no receiver is ever half-way through a take, so the cell is empty, full or taken.
template <typename T>
class LocalRendezvousCell {
 public:
  static constexpr bool kRendezvous = true;
  explicit LocalRendezvousCell(std::size_t /*capacity: 0*/) {}

  std::size_t capacity() const noexcept { return 0; }
  PutResult try_occupy(T& value) {
    if (closed_) return PutResult::closed;
    if (state_ != State::empty) return PutResult::full;
    value_.emplace(std::move(value));
    state_ = State::full;
    return PutResult::ok;
  }
  bool taken() const noexcept { return state_ == State::taken; }
  void reset() noexcept { state_ = State::empty; }
  bool retract() noexcept {
    if (state_ != State::full) return false;  // taken: delivered
    value_.reset();
    state_ = State::empty;
    return true;
  }
  TakeResult try_take(std::optional<T>& out) {
    if (state_ == State::full) {
      out.emplace(std::move(*value_));
      value_.reset();
      state_ = State::taken;
      return TakeResult::ok;
    }
    return closed_ ? TakeResult::closed : TakeResult::empty;
  }
  bool has_room_or_closed() const noexcept { return state_ == State::empty || closed_; }
  bool has_value_or_closed() const noexcept { return state_ == State::full || closed_; }
  bool close() noexcept { return !std::exchange(closed_, true); }
  bool closed() const noexcept { return closed_; }

 private:
  enum class State { empty, full, taken };
  State state_ = State::empty;
  std::optional<T> value_;
  bool closed_ = false;
};

}  // namespace rt::chan
