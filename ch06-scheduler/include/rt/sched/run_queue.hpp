// A worker's local run queue, as Go's runtime has per P (runtime/proc.go: runqput, runqget,
// runqgrab): a fixed ring of 256 fibers that only its owner pushes to, that its owner and the
// thieves take from, plus a `runnext` slot for the fiber the running fiber readied last.
//
//   owner:   push(f)      at the tail; false when full (the caller moves half to the global
//            take()       queue, take_half_for_global)
//                         from the head
//   thief:   steal_half(batch)  up to half of the ring with one CAS on head
//   anyone:  runnext: set_runnext (owner), take_runnext (owner); a thief on its last pass:
//            peek_runnext, then take_runnext_if (only the fiber it saw)
//
// The ring's three operations are in src/run_queue.cpp (the lab ch06-run-queue rebuilds them);
// runnext is here.
//
// Why it is correct (the argument each atomic below refers to):
// - Only the owner writes `tail_` and the slots at and after it. It writes a slot, then
//   publishes it with a release store of tail_; a consumer's acquire load of tail_ then sees
//   the slot's value, and everything the readier wrote to the fiber before the push.
// - Everyone consumes by a CAS on `head_` from the value they read, over the slots they read
//   in between. A thief's view can be stale: the owner may have reused those slots. But then
//   head_ moved, the CAS fails, and the stale values are thrown away. The slots are relaxed
//   atomics for that reason alone: a stale read is a race the CAS discards, not undefined
//   behaviour.
// - The owner reuses a slot only after it saw (acquire load of head_) that consumers moved
//   past it; their CAS is release, so their reads of it happened before the owner's write.
// - tail_ - head_ never exceeds the capacity: the owner checks against a fresh head_ before
//   writing, and head_ only grows.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

namespace rt::sched {

class Fiber;

class LocalQueue {
 public:
  static constexpr std::uint32_t kCapacity = 256;

  // Owner: appends `fiber`; false if the ring is full (nothing was added).
  bool push(Fiber* fiber) noexcept;
  // Owner: the fiber at the head, or nullptr if the ring is empty.
  Fiber* take() noexcept;
  // Thief (any other worker): copies up to half of the ring (rounded up) into `batch`,
  // oldest first, and takes them with one CAS. Returns how many. `batch` must hold
  // kCapacity / 2.
  std::uint32_t steal_half(std::span<Fiber*> batch) noexcept;
  // Owner, when push failed: takes half of the ring (oldest first) into `batch` for the global
  // queue. Returns how many (0 if a thief emptied it meanwhile: then push can succeed).
  std::uint32_t take_half_for_global(std::span<Fiber*> batch) noexcept {
    return steal_half(batch);  // the same CAS; the owner is one more consumer
  }

  // Owner: makes `fiber` the next to run; returns the fiber it displaced (nullptr if none),
  // which the caller pushes to the ring.
  Fiber* set_runnext(Fiber* fiber) noexcept {
    // acq_rel: release publishes `fiber`'s state to whoever takes it; acquire: the displaced
    // one's, which we now own.
    return runnext_.exchange(fiber, std::memory_order_acq_rel);
  }

  // Owner, or a thief on its last pass: takes runnext if any.
  Fiber* take_runnext() noexcept {
    Fiber* fiber = runnext_.load(std::memory_order_relaxed);
    // acquire: pairs with set_runnext's release (the fiber's state is visible). A CAS, not an
    // exchange, so a load that finds it empty costs no locked instruction.
    while (fiber != nullptr &&
           !runnext_.compare_exchange_weak(fiber, nullptr, std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
    }
    return fiber;
  }
  bool has_runnext() const noexcept { return runnext_.load(std::memory_order_relaxed) != nullptr; }
  // A thief: what runnext holds now (a hint: stale at once), and takes it only if it still
  // holds that one (Go's runqgrab: `pp.runnext.cas(next, 0)`).
  Fiber* peek_runnext() const noexcept { return runnext_.load(std::memory_order_relaxed); }
  bool take_runnext_if(Fiber* seen) noexcept {
    // acquire: as take_runnext.
    return seen != nullptr &&
           runnext_.compare_exchange_strong(seen, nullptr, std::memory_order_acquire,
                                            std::memory_order_relaxed);
  }

  // Anyone: a snapshot for heuristics and traces (may be stale at once).
  std::uint32_t size() const noexcept {
    const std::uint32_t head = head_.load(std::memory_order_relaxed);
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    const std::uint32_t n = tail - head;
    return n > kCapacity ? kCapacity : n;  // head read before tail: n >= 0
  }
  bool empty() const noexcept { return size() == 0 && !has_runnext(); }

 private:
  alignas(64) std::atomic<std::uint32_t> head_{0};  // consumers: CAS
  alignas(64) std::atomic<std::uint32_t> tail_{0};  // the owner: stores
  alignas(64) std::atomic<Fiber*> runnext_{nullptr};
  std::array<std::atomic<Fiber*>, kCapacity> slots_{};
};

}  // namespace rt::sched
