// Storage for a channel of capacity 0 (a rendezvous, Go's unbuffered channel): one cell, in
// which a sender's value waits for a receiver. The send completes only when a receiver has
// taken the value, so the sender waits twice: for the cell (another sender's value may be
// in it), then for its value to be taken (channel.hpp).
//
//   empty --sender CAS--> writing --value constructed--> full --receiver CAS--> taking
//     ^                                                    |                      |
//     |                                    sender's retract CAS (a deadline, a    | value moved
//     +-------------------------------------- stop, close: it takes it back)      v
//     +----------------------------- the sender resets it once it saw ------- taken
//
// Only the sender that wrote the value moves the cell out of `taken` or retracts it, so a
// sender whose deadline passes either takes its value back (send returns timed_out, nothing
// was delivered) or finds it taken (send returns ok): never both, never neither. `taking`
// lasts a move: a sender that finds it waits for `taken`, spinning.
#pragma once

#include <atomic>
#include <cstdint>
#include <new>
#include <optional>
#include <utility>

#include "rt/chan/ring.hpp"
#include "rt/chan/spin.hpp"

namespace rt::chan {

template <typename T>
class RendezvousCell {
 public:
  static constexpr bool kRendezvous = true;

  explicit RendezvousCell(std::size_t /*capacity: 0*/) {}
  RendezvousCell(const RendezvousCell&) = delete;
  RendezvousCell& operator=(const RendezvousCell&) = delete;
  ~RendezvousCell() {
    if (state_.load(std::memory_order_relaxed) == kFull) value()->~T();
  }

  std::size_t capacity() const noexcept { return 0; }

  // The sender: puts `value` in the cell if it is empty (then the caller owns the cell until
  // it resets or retracts it). Moves from `value` only on ok.
  PutResult try_occupy(T& value) {
    if (closed()) return PutResult::closed;
    std::uint32_t expected = kEmpty;
    // acquire: the previous owner's reset (release) is done with the cell.
    if (!state_.compare_exchange_strong(expected, kWriting, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      return PutResult::full;
    }
    ::new (storage_) T(std::move(value));
    state_.store(kFull, std::memory_order_release);  // publishes the value to try_take
    return PutResult::ok;
  }
  // The owner: whether its value was taken.
  bool taken() const noexcept { return state_.load(std::memory_order_acquire) == kTaken; }
  // The owner, once taken(): frees the cell for the next sender.
  void reset() noexcept { state_.store(kEmpty, std::memory_order_release); }
  // The owner, giving up: takes its value back if no receiver has started to take it (true;
  // the value is destroyed and the cell free), else waits until the receiver finished (false:
  // the value was delivered; the caller resets the cell).
  bool retract() noexcept {
    std::uint32_t expected = kFull;
    if (state_.compare_exchange_strong(expected, kWriting, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      value()->~T();
      state_.store(kEmpty, std::memory_order_release);
      return true;
    }
    while (!taken()) cpu_relax();  // a receiver is moving the value out: a few instructions
    return false;
  }

  // A receiver.
  TakeResult try_take(std::optional<T>& out) {
    std::uint32_t expected = kFull;
    // acquire: pairs with the sender's release of kFull (the value is constructed).
    if (state_.compare_exchange_strong(expected, kTaking, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      out.emplace(std::move(*value()));
      value()->~T();
      state_.store(kTaken, std::memory_order_release);  // tells the owner (pairs: taken())
      return TakeResult::ok;
    }
    // A value may be on its way (writing); a sender that occupied before a close retracts it.
    return closed() && expected != kWriting ? TakeResult::closed : TakeResult::empty;
  }

  bool has_room_or_closed() const noexcept {
    return state_.load(std::memory_order_relaxed) == kEmpty || closed();
  }
  bool has_value_or_closed() const noexcept {
    return state_.load(std::memory_order_relaxed) == kFull || closed();
  }
  bool close() noexcept { return !closed_.exchange(true, std::memory_order_acq_rel); }
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

 private:
  enum : std::uint32_t { kEmpty, kWriting, kFull, kTaking, kTaken };
  T* value() noexcept { return std::launder(reinterpret_cast<T*>(storage_)); }

  std::atomic<std::uint32_t> state_{kEmpty};
  std::atomic<bool> closed_{false};
  alignas(T) unsigned char storage_[sizeof(T)];
};

}  // namespace rt::chan
