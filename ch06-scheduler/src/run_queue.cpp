// The ring of a worker's run queue (run_queue.hpp argues why each atomic is enough).
// The lab ch06-run-queue (labs/ch06-run-queue/README.md) rebuilds this file from a stub.
#include "rt/sched/run_queue.hpp"

namespace rt::sched {

// Owner: appends `fiber`; false if the ring is full (nothing was added).
bool LocalQueue::push(Fiber* fiber) noexcept {
  // acquire: pairs with the consumers' release CAS on head_ (their slot reads are done).
  const std::uint32_t head = head_.load(std::memory_order_acquire);
  const std::uint32_t tail = tail_.load(std::memory_order_relaxed);  // only we write it
  if (tail - head >= kCapacity) return false;
  slots_[tail % kCapacity].store(fiber, std::memory_order_relaxed);
  // release: publishes the slot (and the fiber's state) to the consumers' acquire of tail_.
  tail_.store(tail + 1, std::memory_order_release);
  return true;
}

// Owner: the fiber at the head, or nullptr if the ring is empty.
Fiber* LocalQueue::take() noexcept {
  for (;;) {
    // acquire: pairs with other consumers' release CAS (see push).
    std::uint32_t head = head_.load(std::memory_order_acquire);
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);  // only we write it
    if (head == tail) return nullptr;
    Fiber* fiber = slots_[head % kCapacity].load(std::memory_order_relaxed);
    // release: our slot read is done before the owner (us) may reuse it; a thief racing
    // for the same slot makes this fail, and we retry.
    if (head_.compare_exchange_weak(head, head + 1, std::memory_order_release,
                                    std::memory_order_relaxed)) {
      return fiber;
    }
  }
}

// Thief (any other worker): copies up to half of the ring (rounded up) into `batch`,
// oldest first, and takes them with one CAS. Returns how many. `batch` must hold
// kCapacity / 2.
std::uint32_t LocalQueue::steal_half(std::span<Fiber*> batch) noexcept {
  for (;;) {
    std::uint32_t head = head_.load(std::memory_order_acquire);  // pairs with consumers' CAS
    // acquire: pairs with the owner's release store (the slots up to tail are written).
    const std::uint32_t tail = tail_.load(std::memory_order_acquire);
    std::uint32_t n = tail - head;
    n -= n / 2;
    if (n == 0) return 0;
    if (n > kCapacity / 2) continue;  // head and tail read at different times: retry
    for (std::uint32_t i = 0; i < n; ++i) {
      batch[i] = slots_[(head + i) % kCapacity].load(std::memory_order_relaxed);
    }
    // release: our slot reads are done before the owner reuses them (it acquires head_).
    if (head_.compare_exchange_weak(head, head + n, std::memory_order_release,
                                    std::memory_order_relaxed)) {
      return n;
    }
  }
}

}  // namespace rt::sched
