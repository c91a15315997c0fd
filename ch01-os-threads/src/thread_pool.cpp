// rt::os::ThreadPool: one mutex-protected queue, one condition variable, fixed workers.
// The same protocol as rt::os::Latch: state changes under the mutex, waiters re-check it.
#include "rt/os/thread_pool.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace rt::os {

ThreadPool::ThreadPool(std::size_t workers, const ThreadOptions& options) {
  if (workers == 0) throw std::invalid_argument("ThreadPool: at least one worker");
  workers_.reserve(workers);
  try {
    for (std::size_t i = 0; i < workers; ++i) {
      ThreadOptions worker = options;
      if (!options.name.empty()) worker.name = options.name + "-" + std::to_string(i);
      workers_.emplace_back(worker, [this] { work(); });
    }
  } catch (...) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_available_.notify_all();
    workers_.clear();  // joins the workers that started
    throw;
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_available_.notify_all();
  // Each worker drains the queue before it sees stopping_ with nothing left, so every task
  // submitted before this point runs.
  workers_.clear();
}

void ThreadPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  // After unlocking: the woken worker need not block on the mutex this thread still holds.
  work_available_.notify_one();
}

void ThreadPool::work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      work_available_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();  // outside the lock: tasks run in parallel, and may submit more
  }
}

}  // namespace rt::os
