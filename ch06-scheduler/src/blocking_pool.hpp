// The pool behind rt::sched::blocking (blocking.hpp): OS threads that take calls from M:N
// fibers over a C2T channel and answer each over its own T2C channel. Private to src/.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "rt/chan/channel.hpp"
#include "rt/os/thread.hpp"
#include "rt/sched/endpoint.hpp"

namespace rt::sched::detail {

class BlockingPool {
 public:
  BlockingPool(std::string name, int max_threads);
  // Closes the requests and joins the threads. Only when no fiber is alive: then no call is
  // queued or running, though a thread may still be inside the send of its last reply.
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // On an M:N fiber: runs call(context) on a pool thread; parks the fiber until it returned.
  void run(void (*call)(void* context) noexcept, void* context);
  int threads_started() const noexcept { return started_.load(std::memory_order_relaxed); }

 private:
  // The reply of one call: the thread sends once, the fiber receives once. Shared, because the
  // fiber may resume (and leave run(), ending its frame) while the thread is still in send().
  using Reply = rt::chan::Channel<bool, rt::chan::Thread, MnFiber>;
  struct Request {
    void (*call)(void* context) noexcept;
    void* context;
    std::shared_ptr<Reply> reply;
  };
  // Unbounded: a call is queued at once, however many wait for a thread.
  using Requests = rt::chan::Channel<Request*, MnFiber, rt::chan::Thread, rt::chan::Unbounded>;

  void start_thread();  // if below the cap; throws rt::OsError if the OS refuses
  void serve();         // a pool thread's body

  const std::string name_;
  const int max_threads_;
  Requests requests_;
  // Threads idle (or on their way back to receive()) minus requests queued and not yet taken;
  // a call that takes it from 0 or below needs a thread (blocking.cpp).
  std::atomic<int> spare_{0};
  std::atomic<int> started_{0};  // for Stats; relaxed
  std::mutex threads_mutex_;     // guards reserved_ and threads_
  int reserved_ = 0;             // threads started or being started (<= max_threads_)
  std::vector<rt::os::Thread> threads_;
};

}  // namespace rt::sched::detail
