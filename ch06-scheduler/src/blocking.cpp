// rt::sched::blocking (blocking.hpp) and its pool (blocking_pool.hpp).
//
// Sizing. `spare_` counts threads that are idle, or on their way back to receive(), minus
// requests queued and not yet taken. A call decrements it; if it was 0 or below, no thread
// will be free for this call, so the call starts one (up to the cap), which counts as spare
// from the decision on: a thread the OS is still making would otherwise be missed, and the
// next call would start another (`blocking --callers 4` started 5 threads in about half of
// its runs). A thread that finished a call increments it before it sends the reply: a fiber
// that makes its next call as soon as it resumes then finds the thread it just used, and a
// loop of calls from one fiber needs one thread, not one per call. At the cap, a call waits
// in the queue for the next thread to come free; calls that fill the cap and each wait for a
// call still queued deadlock (Go, at its cap of 10,000 threads, ends the program instead).
#include "blocking_pool.hpp"

#include <utility>

#include "rt/sched/blocking.hpp"
#include "runtime_impl.hpp"

namespace rt::sched {

namespace detail {

BlockingPool::BlockingPool(std::string name, int max_threads)
    : name_(std::move(name)), max_threads_(max_threads) {
  threads_.reserve(static_cast<std::size_t>(max_threads_));
}

BlockingPool::~BlockingPool() {
  requests_.close();  // every thread's receive() returns closed: it ends
  for (auto& thread : threads_) thread.join();
}

void BlockingPool::run(void (*call)(void* context) noexcept, void* context) {
  Request request{call, context, std::make_shared<Reply>(1)};
  // Atomic read-modify-writes keep the count exact when calls race for one idle thread;
  // acq_rel is more than that needs, and cheap beside what a call costs.
  if (spare_.fetch_sub(1, std::memory_order_acq_rel) <= 0) {
    try {
      start_thread();
    } catch (...) {
      spare_.fetch_add(1, std::memory_order_acq_rel);  // nothing was queued
      throw;
    }
  }
  rt::chan::Status sent;
  try {
    sent = requests_.send(&request);  // Unbounded: never waits (it may throw bad_alloc)
  } catch (...) {
    spare_.fetch_add(1, std::memory_order_acq_rel);  // nothing was queued (the queue's strong
    throw;                                           // guarantee); a started thread stays spare
  }
  if (sent != rt::chan::Status::ok) fail("blocking: the pool's queue refused a call");
  // Parks this fiber (its worker runs others) until the thread is done with `request`.
  if (request.reply->receive().status != rt::chan::Status::ok) {
    fail("blocking: a call's reply channel returned without its reply");
  }
}

// pthread_create (CreateThread) runs outside the lock: a worker making a thread must not hold
// up the fibers of other workers that call blocking() meanwhile.
void BlockingPool::start_thread() {
  std::size_t index = 0;
  {
    std::lock_guard lock(threads_mutex_);
    if (reserved_ >= max_threads_) return;  // at the cap: the call waits its turn
    index = static_cast<std::size_t>(reserved_++);
  }
  // The new thread counts as spare from now, not from when the OS has made it: until then, a
  // call that finds spare_ at 0 would start yet another thread for work this one will take.
  spare_.fetch_add(1, std::memory_order_acq_rel);
  rt::os::Thread thread;
  try {
    rt::os::ThreadOptions options;
    options.name = name_ + "-b" + std::to_string(index);    // worker threads are name-0, name-1...
    thread = rt::os::Thread(options, [this] { serve(); });  // throws rt::OsError if refused
  } catch (...) {
    spare_.fetch_sub(1, std::memory_order_acq_rel);
    std::lock_guard lock(threads_mutex_);
    --reserved_;
    throw;
  }
  {
    std::lock_guard lock(threads_mutex_);
    threads_.push_back(std::move(thread));  // never reallocates: reserved for the cap
  }
  started_.fetch_add(1, std::memory_order_relaxed);
}

void BlockingPool::serve() {
  for (;;) {
    auto got = requests_.receive();
    if (got.status != rt::chan::Status::ok) return;  // closed: the runtime stops
    Request& request = **got.value;
    // `request` is on the fiber's stack, which the fiber may leave as soon as the reply is in.
    std::shared_ptr<Reply> reply = request.reply;
    request.call(request.context);
    spare_.fetch_add(1, std::memory_order_acq_rel);  // free again: first (see the top)
    reply->send(true);
  }
}

void run_blocking(void (*call)(void* context) noexcept, void* context) {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  if (!this_fiber::on_fiber()) {
    fail(
        "blocking: called off an M:N fiber (it parks the caller: call it on a fiber of a "
        "Runtime, or call the function directly)");
  }
  this_fiber::runtime().impl().blocking->run(call, context);
}

}  // namespace detail

}  // namespace rt::sched
