// Storage for an unbounded channel: a queue that never refuses a put (until closed), for
// control paths that must never block a sender. A linked list of blocks of 31 slots, the
// design of crossbeam's SegQueue (Rust); Go has no unbounded channel. No lock: a sender never
// waits for a receiver, nor for another sender except while that one links in a block.
//
//   head_ (receivers)                                     tail_ (senders) + closed bit
//     |                                                       |
//   [block: 31 slots] --next--> [block: 31 slots] --next--> [block: 31 slots] --> nullptr
//
// Positions count up without end; position p is slot p % 32 of its block, and slot 31 is
// never used: a tail or head there means "the next block is being linked in" (by the sender
// that claimed slot 30, or the receiver that took it), and others wait for that few
// instructions. A sender allocates the next block *before* it claims slot 30, so no
// allocation happens inside any window another party waits on.
//
// A sender claims a position with a CAS on tail_ (which fails once the closed bit is set),
// moves its value into the slot, then publishes it (kWritten, release). A receiver looks
// whether head_ is behind tail_, claims a position with a CAS on head_, waits for kWritten
// (the sender's move: a window of a few instructions; unlike the ring, where a receiver that
// finds a claimed but unwritten slot reports empty, it waits: a block may only be touched
// after a claim), moves the value out and marks the slot kRead. The block is freed by the receiver
// of its last slot, or by the last receiver still in it: a receiver that frees a block stops at a
// slot not yet read and marks it kDestroy, and that slot's receiver frees the block when it is done
// (so nobody frees a block another is still reading). A receiver touches a block only after its
// claim, which keeps it alive.
//
// Memory: it grows by one block (31 values and a pointer) as long as senders outrun
// receivers, and gives blocks back as receivers pass them; nothing bounds it but the
// machine. A slow receiver on an unbounded channel is a memory leak with a delay: use a
// bounded channel wherever back-pressure is acceptable.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include "rt/chan/ring.hpp"
#include "rt/chan/spin.hpp"

namespace rt::chan {

template <typename T>
class UnboundedQueue {
  // A sender that claimed a slot must fill it, or its receiver waits for ever.
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "an Unbounded channel's value type must be nothrow move constructible");

 public:
  explicit UnboundedQueue(std::size_t /*capacity: unbounded*/) {
    Block* first = new Block;
    head_.block.store(first, std::memory_order_relaxed);
    tail_.block.store(first, std::memory_order_relaxed);
  }
  UnboundedQueue(const UnboundedQueue&) = delete;
  UnboundedQueue& operator=(const UnboundedQueue&) = delete;
  ~UnboundedQueue() {
    // Nobody else is here any more: destroy what was never taken, and every block left.
    std::uint64_t head = head_.index.load(std::memory_order_relaxed);
    const std::uint64_t tail = tail_.index.load(std::memory_order_relaxed) & ~kClosedBit;
    Block* block = head_.block.load(std::memory_order_relaxed);
    for (; head != tail; head += kStep) {
      const std::uint64_t offset = offset_of(head);
      if (offset == kSlots) {
        delete std::exchange(block, block->next.load(std::memory_order_relaxed));
      } else if (block->slots[offset].state.load(std::memory_order_relaxed) & kWritten) {
        value_in(block->slots[offset])->~T();
      }
    }
    delete block;
  }

  // Moves from `value` only when it returns ok (always, unless closed).
  PutResult try_put(T& value) {
    std::unique_ptr<Block> next_block;
    Backoff backoff;
    // acquire: pairs with the release of a sender that linked in a block (see below).
    std::uint64_t tail = tail_.index.load(std::memory_order_acquire);
    for (;;) {
      if (tail & kClosedBit) return PutResult::closed;
      const std::uint64_t offset = offset_of(tail);
      if (offset == kSlots) {  // the sender of slot 30 is linking in the next block
        backoff.wait();
        tail = tail_.index.load(std::memory_order_acquire);
        continue;
      }
      if (offset + 1 == kSlots && next_block == nullptr) next_block = std::make_unique<Block>();
      // Read after the index: the index's acquire (it continues the release sequence of the
      // fetch_add that linked this block in) makes the block visible. A block newer than the
      // index makes the CAS below fail.
      Block* block = tail_.block.load(std::memory_order_relaxed);
      // acquire on failure, for the block read that follows the new index. The slot's
      // kWritten, not this word, publishes the value; the CAS compares the whole word, so no
      // claim succeeds once close() set the bit.
      if (!tail_.index.compare_exchange_weak(tail, tail + kStep, std::memory_order_acquire,
                                             std::memory_order_acquire)) {
        continue;  // another sender claimed it, or the channel was closed
      }
      if (offset + 1 == kSlots) {
        // This sender took the block's last slot: link in the next one. Block first, then
        // the index past slot 31 (release: a sender that sees the index sees the block), then
        // the link receivers follow. fetch_add keeps a closed bit set meanwhile.
        Block* next = next_block.release();
        tail_.block.store(next, std::memory_order_relaxed);
        tail_.index.fetch_add(kStep, std::memory_order_release);
        block->next.store(next, std::memory_order_release);
      }
      Slot& slot = block->slots[offset];
      ::new (slot.storage) T(std::move(value));
      // release: publishes the value to the receiver's acquire load of the state.
      slot.state.fetch_or(kWritten, std::memory_order_release);
      return PutResult::ok;
    }
  }

  // Moves the value into `out` when it returns ok.
  TakeResult try_take(std::optional<T>& out) {
    Backoff backoff;
    std::uint64_t head = head_.index.load(std::memory_order_acquire);
    for (;;) {
      const std::uint64_t offset = offset_of(head);
      if (offset == kSlots) {  // the receiver of slot 30 is moving head_ to the next block
        backoff.wait();
        head = head_.index.load(std::memory_order_acquire);
        continue;
      }
      // Nothing claimed beyond head: empty (or closed and drained). `>=`, never `==` alone:
      // see the claim's ordering below.
      const std::uint64_t tail = tail_.index.load(std::memory_order_acquire);
      if ((head >> 1) >= (tail >> 1)) {
        return (tail & kClosedBit) ? TakeResult::closed : TakeResult::empty;
      }
      Block* block = head_.block.load(std::memory_order_relaxed);  // as tail_.block above
      // acq_rel: the tail this receiver read (showing a put beyond head) happens before its
      // claim, so a receiver that reads the new head reads a tail at least as new. With
      // acquire alone it may read an older tail (the memory model allows it, though x86 and
      // ARM64 do not), see a put that is not there, and claim a position nobody will fill.
      if (!head_.index.compare_exchange_weak(head, head + kStep, std::memory_order_acq_rel,
                                             std::memory_order_acquire)) {
        continue;
      }
      // Claimed: the block stays until this receiver marks its slot read.
      if (offset + 1 == kSlots) {
        // The block's last slot: move head_ to the next block (its sender links it in right
        // after claiming slot 30, so this waits a few instructions at most). Block first,
        // then the index (release: pairs with the acquire loads above).
        Block* next = block->next.load(std::memory_order_acquire);
        while (next == nullptr) {
          backoff.wait();
          next = block->next.load(std::memory_order_acquire);
        }
        head_.block.store(next, std::memory_order_relaxed);
        head_.index.store(head + 2 * kStep, std::memory_order_release);
      }
      Slot& slot = block->slots[offset];
      // acquire: pairs with the sender's release; its move into the slot is done.
      while ((slot.state.load(std::memory_order_acquire) & kWritten) == 0) backoff.wait();
      T* value = value_in(slot);
      out.emplace(std::move(*value));
      value->~T();
      if (offset + 1 == kSlots) {
        free_from(block, 0);  // the last slot: every earlier one was claimed before it
      } else if (slot.state.fetch_or(kRead, std::memory_order_acq_rel) & kDestroy) {
        free_from(block, offset + 1);  // a receiver freeing the block stopped at this slot
      }
      return TakeResult::ok;
    }
  }

  std::size_t capacity() const noexcept { return 0; }  // 0: unbounded
  bool has_room_or_closed() const noexcept { return true; }
  // For the waiters' re-check, after their fence: a claimed put counts (it will be published,
  // and its sender notifies after).
  bool has_value_or_closed() const noexcept {
    const std::uint64_t tail = tail_.index.load(std::memory_order_relaxed);
    return (tail & kClosedBit) || (head_.index.load(std::memory_order_relaxed) >> 1) < (tail >> 1);
  }
  // Returns true for the call that closed it. The bit is in the word puts claim with, so a
  // receiver that reads it reads every claim made before it.
  bool close() noexcept {
    return (tail_.index.fetch_or(kClosedBit, std::memory_order_acq_rel) & kClosedBit) == 0;
  }
  bool closed() const noexcept {
    return (tail_.index.load(std::memory_order_acquire) & kClosedBit) != 0;
  }

 private:
  static constexpr std::uint64_t kSlots = 31;        // values per block
  static constexpr std::uint64_t kLap = kSlots + 1;  // positions per block (31: linking)
  static constexpr std::uint64_t kStep = 2;          // one position, above the closed bit
  static constexpr std::uint64_t kClosedBit = 1;     // in tail_.index only
  static constexpr std::uint32_t kWritten = 1, kRead = 2, kDestroy = 4;

  struct Slot {
    alignas(T) unsigned char storage[sizeof(T)];
    std::atomic<std::uint32_t> state{0};
  };
  struct Block {
    std::atomic<Block*> next{nullptr};
    Slot slots[kSlots];
  };
  struct End {
    std::atomic<std::uint64_t> index{0};  // the position, times kStep (+ kClosedBit on tail_)
    std::atomic<Block*> block{nullptr};   // the block that position is in
  };

  static std::uint64_t offset_of(std::uint64_t index) noexcept { return (index >> 1) % kLap; }
  static T* value_in(Slot& slot) noexcept {
    return std::launder(reinterpret_cast<T*>(slot.storage));
  }
  // Frees `block` once every slot from `start` on was read: a slot whose receiver is still
  // in it gets kDestroy instead, and that receiver carries on from there.
  static void free_from(Block* block, std::uint64_t start) {
    for (std::uint64_t i = start; i + 1 < kSlots; ++i) {
      Slot& slot = block->slots[i];
      // acq_rel: the reader's move out happens before the free (pairs with its fetch_or).
      if ((slot.state.load(std::memory_order_acquire) & kRead) == 0 &&
          (slot.state.fetch_or(kDestroy, std::memory_order_acq_rel) & kRead) == 0) {
        return;
      }
    }
    delete block;
  }

  alignas(kCacheLine) End head_;
  alignas(kCacheLine) End tail_;
};

}  // namespace rt::chan
