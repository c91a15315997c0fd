// The binary heap behind the loop's timers (timer_queue.hpp).
#include "timer_queue.hpp"

#include <cassert>

namespace rt::net {

bool TimerQueue::earlier(const Timer* a, const Timer* b) noexcept {
  if (a->deadline != b->deadline) return a->deadline < b->deadline;
  return a->sequence < b->sequence;
}

void TimerQueue::place(std::size_t index, Timer* timer) noexcept {
  heap_[index] = timer;
  timer->index = index;
}

void TimerQueue::push(Timer& timer) {
  assert(!timer.queued() && "a timer is in the queue at most once");
  timer.sequence = next_sequence_++;
  heap_.push_back(&timer);
  timer.index = heap_.size() - 1;
  sift_up(timer.index);
}

void TimerQueue::remove(Timer& timer) noexcept {
  if (!timer.queued()) return;
  const std::size_t index = timer.index;
  assert(index < heap_.size() && heap_[index] == &timer);
  Timer* last = heap_.back();
  heap_.pop_back();
  timer.index = Timer::kNotQueued;
  if (last == &timer) return;  // it was the last element: nothing moves
  place(index, last);
  // The moved element may belong above or below its new place; only one of these moves it.
  sift_up(index);
  sift_down(last->index);
}

Timer& TimerQueue::pop() noexcept {
  assert(!heap_.empty());
  Timer& first = *heap_.front();
  remove(first);
  return first;
}

void TimerQueue::sift_up(std::size_t index) noexcept {
  Timer* timer = heap_[index];
  while (index > 0) {
    const std::size_t parent = (index - 1) / 2;
    if (!earlier(timer, heap_[parent])) break;
    place(index, heap_[parent]);
    index = parent;
  }
  place(index, timer);
}

void TimerQueue::sift_down(std::size_t index) noexcept {
  Timer* timer = heap_[index];
  const std::size_t size = heap_.size();
  for (;;) {
    std::size_t child = 2 * index + 1;
    if (child >= size) break;
    if (child + 1 < size && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], timer)) break;
    place(index, heap_[child]);
    index = child;
  }
  place(index, timer);
}

}  // namespace rt::net
