// Storage for an unbounded channel: a queue that never refuses a put (until closed), for
// control paths that must never block a sender.
//
// Memory: it grows by blocks of a few hundred bytes (std::deque's) as long as senders outrun
// receivers, and gives blocks back as receivers drain them; nothing bounds it but the
// machine. A slow receiver on an unbounded channel is a memory leak with a delay: use a
// bounded channel wherever back-pressure is acceptable.
//
// A short spin lock guards the deque. The channel's notification protocol is the same as for
// the ring (the lock only makes each put and take one atomic step); a lock-free segmented
// queue would remove the lock from the fast path and is one of the chapter's labs.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "rt/chan/ring.hpp"
#include "rt/chan/spin.hpp"

namespace rt::chan {

template <typename T>
class UnboundedQueue {
 public:
  explicit UnboundedQueue(std::size_t /*capacity: unbounded*/) {}

  PutResult try_put(T& value) {
    SpinGuard guard(lock_);
    if (closed_.load(std::memory_order_relaxed)) return PutResult::closed;
    values_.push_back(std::move(value));
    size_.store(values_.size(), std::memory_order_relaxed);
    return PutResult::ok;
  }

  TakeResult try_take(std::optional<T>& out) {
    SpinGuard guard(lock_);
    if (values_.empty()) {
      return closed_.load(std::memory_order_relaxed) ? TakeResult::closed : TakeResult::empty;
    }
    out.emplace(std::move(values_.front()));
    values_.pop_front();
    size_.store(values_.size(), std::memory_order_relaxed);
    return TakeResult::ok;
  }

  std::size_t capacity() const noexcept { return 0; }  // 0: unbounded
  bool has_room_or_closed() const noexcept { return true; }
  bool has_value_or_closed() const noexcept {
    return size_.load(std::memory_order_relaxed) != 0 || closed();
  }
  bool close() noexcept {
    SpinGuard guard(lock_);
    return !closed_.exchange(true, std::memory_order_relaxed);
  }
  bool closed() const noexcept { return closed_.load(std::memory_order_relaxed); }

 private:
  SpinLock lock_;
  std::deque<T> values_;              // guarded by lock_
  std::atomic<std::size_t> size_{0};  // values_.size(), for the lock-free re-check
  std::atomic<bool> closed_{false};   // written under lock_
};

}  // namespace rt::chan
