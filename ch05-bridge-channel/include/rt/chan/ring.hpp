// Storage for a channel of capacity >= 1: a bounded multi-producer, multi-consumer ring,
// lock-free (Dmitry Vyukov's bounded MPMC queue), with the channel's closed bit in the word a
// producer claims its slot with.
//
// Each slot has a sequence number that says whose turn it is:
//   sequence == 2 * position          the slot is free for the producer of `position`
//   sequence == 2 * position + 1      it holds the value of `position`, for that consumer
//   (then 2 * (position + capacity): free again, for the producer one lap later)
// (Vyukov's original uses position and position + 1, which coincide for a ring of one slot:
// "published at p" would read as "free for p + 1". Doubling keeps capacity 1 correct.)
// A producer claims `position` by a CAS on put_position_, writes the value, then publishes
// it with a release store of the sequence; a consumer claims by a CAS on take_position_,
// moves the value out, then frees the slot the same way. A claim and its publication are two
// steps: a consumer that finds its slot claimed but not yet published treats the ring as
// empty for now (the producer will publish and then notify), and a closed ring counts as
// drained only when every claimed put was taken (take_position_ == put position).
//
// The closed bit has a copy, closed_flag_, on the line of the fields nobody writes: a party
// spinning on has_value_or_closed() reads it there, not in put_position_, which the producer
// writes for every value (each look would take that line away from it).
//
// Invariants: take_position_ <= put position <= take_position_ + capacity; the closed bit,
// once set, stays, and no put claims a slot after it (the CAS compares the whole word).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <utility>

namespace rt::chan {

enum class PutResult { ok, full, closed };
enum class TakeResult { ok, empty, closed };  // closed: closed and drained

// Keeps the two positions on different cache lines: producers and consumers each hammer one.
inline constexpr std::size_t kCacheLine = 64;

template <typename T>
class Ring {
 public:
  explicit Ring(std::size_t capacity)
      : capacity_(capacity),
        power_of_two_((capacity & (capacity - 1)) == 0),
        slots_(std::make_unique<Slot[]>(capacity)) {
    for (std::size_t i = 0; i < capacity; ++i) {
      slots_[i].sequence.store(2 * i, std::memory_order_relaxed);
    }
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    std::optional<T> discarded;
    while (try_take(discarded) == TakeResult::ok) {
    }
  }

  std::size_t capacity() const noexcept { return capacity_; }

  // Moves from `value` only when it returns ok.
  PutResult try_put(T& value) {
    std::uint64_t position = put_position_.load(std::memory_order_relaxed);
    for (;;) {
      if (position & kClosedBit) return PutResult::closed;
      Slot& slot = slot_at(position);
      // acquire: pairs with the consumer's release that freed the slot (its move is done).
      const std::uint64_t sequence = slot.sequence.load(std::memory_order_acquire);
      const auto lag = static_cast<std::int64_t>(sequence - 2 * position);
      if (lag == 0) {
        // relaxed: the slot's sequence, not this word, publishes the value.
        if (put_position_.compare_exchange_weak(position, position + 1,
                                                std::memory_order_relaxed)) {
          ::new (slot.storage) T(std::move(value));
          // release: publishes the value to the consumer's acquire load of the sequence.
          slot.sequence.store(2 * position + 1, std::memory_order_release);
          return PutResult::ok;
        }
      } else if (lag < 0) {
        return PutResult::full;  // the slot still holds the value of one lap ago
      } else {
        position = put_position_.load(std::memory_order_relaxed);  // another producer won
      }
    }
  }

  // Moves the value into `out` when it returns ok.
  TakeResult try_take(std::optional<T>& out) {
    std::uint64_t position = take_position_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slot_at(position);
      // acquire: pairs with the producer's release that published the value.
      const std::uint64_t sequence = slot.sequence.load(std::memory_order_acquire);
      const auto lag = static_cast<std::int64_t>(sequence - (2 * position + 1));
      if (lag == 0) {
        if (take_position_.compare_exchange_weak(position, position + 1,
                                                 std::memory_order_relaxed)) {
          T* value = std::launder(reinterpret_cast<T*>(slot.storage));
          out.emplace(std::move(*value));
          value->~T();
          // release: frees the slot for the producer one lap later (pairs with its acquire).
          slot.sequence.store(2 * (position + capacity_), std::memory_order_release);
          return TakeResult::ok;
        }
      } else if (lag < 0) {
        // Not published. Closed and drained only if no put claimed this position: a claimed
        // one will be published (and notify), so the ring is merely empty for now.
        const std::uint64_t put = put_position_.load(std::memory_order_acquire);
        if ((put & kClosedBit) && (put & ~kClosedBit) == position) return TakeResult::closed;
        return TakeResult::empty;
      } else {
        position = take_position_.load(std::memory_order_relaxed);
      }
    }
  }

  // For the waiters' re-check: whether a put could claim a slot now (or the ring is closed).
  bool has_room_or_closed() const noexcept {
    const std::uint64_t put = put_position_.load(std::memory_order_relaxed);
    if (put & kClosedBit) return true;
    return slot_at(put).sequence.load(std::memory_order_acquire) == 2 * put;
  }
  // Whether a take could find a value now, or the ring is closed (drained or not).
  bool has_value_or_closed() const noexcept {
    const std::uint64_t take = take_position_.load(std::memory_order_relaxed);
    if (slot_at(take).sequence.load(std::memory_order_acquire) == 2 * take + 1) return true;
    // A waiter's re-check reads it after its fence, and close() sets it before the channel's
    // fence and its look at the waiters (Channel::close): one of the two sees the other.
    // acquire: pairs with close()'s release, so the try_take that follows sees the bit in
    // put_position_ too.
    return closed_flag_.load(std::memory_order_acquire);
  }

  // Returns true for the call that closed it. The bit is one more read-modify-write of
  // put_position_: every put claimed before it is counted in the position it leaves, and
  // every claim after it sees the bit. That is the atomicity of read-modify-writes, whatever
  // their order. release: a consumer whose acquire load sees the bit (try_take's "closed and
  // drained") also sees what the closer did before close(). The acquire half synchronizes
  // with nothing (the producers claim with relaxed CASes); on x86-64 it costs nothing.
  bool close() noexcept {
    const bool closed_it =
        (put_position_.fetch_or(kClosedBit, std::memory_order_acq_rel) & kClosedBit) == 0;
    closed_flag_.store(true, std::memory_order_release);  // after the bit (see above)
    return closed_it;
  }
  bool closed() const noexcept {
    return (put_position_.load(std::memory_order_acquire) & kClosedBit) != 0;
  }

 private:
  static constexpr std::uint64_t kClosedBit = std::uint64_t{1} << 63;

  struct Slot {
    std::atomic<std::uint64_t> sequence{0};
    alignas(T) unsigned char storage[sizeof(T)];
  };

  Slot& slot_at(std::uint64_t position) const noexcept {
    // A mask when the capacity is a power of two (the common case: 1, 2, 1024); a division
    // otherwise, so that a channel of capacity 3 holds exactly 3 (Go's semantics).
    const std::uint64_t index =
        power_of_two_ ? (position & (capacity_ - 1)) : (position % capacity_);
    return slots_[index];
  }

  const std::size_t capacity_;
  const bool power_of_two_;
  std::atomic<bool> closed_flag_{false};  // set after the bit; read by has_value_or_closed
  std::unique_ptr<Slot[]> slots_;
  alignas(kCacheLine) std::atomic<std::uint64_t> put_position_{0};  // + kClosedBit
  alignas(kCacheLine) std::atomic<std::uint64_t> take_position_{0};
};

}  // namespace rt::chan
