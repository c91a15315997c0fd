// The loop's timers: a binary min-heap keyed by (deadline, sequence number).
//
// The sequence number is the order in which timers were pushed, so timers with equal
// deadlines pop in the order they were set (a heap alone is not stable).
//
// Removal is eager and O(log n): every Timer knows its index in the heap (kept up to date on
// every swap), so a fiber whose I/O finished before its deadline takes its timer out at once.
// Lazy removal (leave a tombstone, skip it when it reaches the top) would be as cheap per
// call, but a Timer lives in the parked fiber's stack frame: a tombstone would point into a
// frame that is gone, and a server with a 60 s idle timeout per read would keep a minute's
// worth of dead entries in the heap.
//
// Single-threaded (the loop's thread). Timers are intrusive: the queue stores pointers and
// never owns them; a Timer must be removed (or popped) before it is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rt/net/loop.hpp"
#include "rt/net/timer.hpp"

namespace rt::net {

class TimerQueue {
 public:
  // Adds `timer` (precondition: not queued). O(log n).
  void push(Timer& timer);
  // Takes `timer` out (no-op if it is not queued). O(log n).
  void remove(Timer& timer) noexcept;
  // The earliest timer, or nullptr.
  Timer* top() const noexcept { return heap_.empty() ? nullptr : heap_.front(); }
  // Removes and returns the earliest timer (precondition: not empty). O(log n).
  Timer& pop() noexcept;
  std::size_t size() const noexcept { return heap_.size(); }
  bool empty() const noexcept { return heap_.empty(); }

 private:
  static bool earlier(const Timer* a, const Timer* b) noexcept;
  void place(std::size_t index, Timer* timer) noexcept;  // heap_[index] = timer, index kept
  void sift_up(std::size_t index) noexcept;
  void sift_down(std::size_t index) noexcept;

  std::vector<Timer*> heap_;  // heap_[0] is the earliest; children of i at 2i+1, 2i+2
  std::uint64_t next_sequence_ = 0;
};

}  // namespace rt::net
