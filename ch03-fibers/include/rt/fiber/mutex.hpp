// A mutex for the fibers of one Scheduler. A fiber that finds it locked parks, and the
// thread runs other fibers meanwhile; std::mutex would block the thread instead, and since
// the owner can only run on that same thread, it would wait for ever.
//
// Why a single-threaded, cooperative runtime needs one at all: a fiber may park while it
// holds the lock (chapter 4's fibers park in every socket call), and the fibers that run
// meanwhile must not enter the critical section.
//
// Invariants: owner_ is null exactly when the mutex is free, and then waiters_ is empty;
// every fiber in waiters_ is parked in lock(). unlock() hands the mutex to the first waiter
// (FIFO, no barging: a fiber that calls lock() after an unlock() queues behind the waiters
// already there), so no waiter starves. Usable with std::lock_guard and std::unique_lock.
#pragma once

#include <deque>

#include "rt/fiber/scheduler.hpp"

namespace rt::fiber {

class Mutex {
 public:
  Mutex() = default;
  // Precondition: unlocked (checked: destroying a mutex a fiber holds or waits for stops the
  // process with a message).
  ~Mutex();
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // On a fiber: takes the mutex, parking until it is this fiber's turn. Locking a mutex the
  // running fiber already owns (a deadlock) stops the process with a message.
  void lock();
  // On a fiber: takes the mutex if it is free and nobody waits; never parks.
  bool try_lock();
  // By the owner (checked): hands the mutex to the first waiter and unparks it, or frees it.
  void unlock();

  // The owner, or nullptr when free.
  const Fiber* owner() const noexcept { return owner_; }
  std::size_t waiting() const noexcept { return waiters_.size(); }

 private:
  Fiber* owner_ = nullptr;
  std::deque<Fiber*> waiters_;  // parked in lock(), in arrival order
};

}  // namespace rt::fiber
