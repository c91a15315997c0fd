// A fixed-size pool of OS threads that run submitted tasks: the answer to "a thread costs
// tens of microseconds to create" (`spawn`) that most programs reach for, and the first
// step towards chapter 6's workers. `bench` sets a task through a pool beside a spawn + join.
//
// Invariants: every task submitted before the destructor starts runs exactly once, on one
// of the pool's threads; tasks start in the order they were submitted (one queue, FIFO),
// though with several workers they may finish in any order. The pool never creates or
// destroys a thread after its constructor: its size is fixed.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "rt/os/thread.hpp"

namespace rt::os {

class ThreadPool {
 public:
  // Starts `workers` threads with `options` (a name gets the worker's index appended: "pool"
  // names them "pool-0", "pool-1", ...). Throws std::invalid_argument for zero workers, and
  // rt::OsError (after joining the workers it did start) if the OS refuses a thread.
  explicit ThreadPool(std::size_t workers, const ThreadOptions& options = {});

  // Runs every task already submitted, then joins the workers. A task that is still
  // submitting others delays it; a task must not destroy its own pool.
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task` and wakes one idle worker. Any thread, a task included. A task that throws
  // ends the process (std::terminate), as an exception leaving a thread's body does.
  void submit(std::function<void()> task);

  std::size_t size() const noexcept { return workers_.size(); }

 private:
  void work();  // a worker's loop: take the oldest task, run it, until stopping and empty

  std::mutex mutex_;
  std::condition_variable work_available_;   // a task was queued, or stopping_ became true
  std::deque<std::function<void()>> tasks_;  // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_; set once, by the destructor
  std::vector<Thread> workers_;              // last: started once the members above exist
};

}  // namespace rt::os
