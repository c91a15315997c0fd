// rt::fiber::Scheduler and Fiber: a ready queue, a state machine, and switch_context.
#include "rt/fiber/scheduler.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

#include "overflow.hpp"

namespace rt::fiber {

namespace {

// The scheduler of this thread (at most one), so that this_fiber:: can find it.
thread_local Scheduler* this_thread_scheduler = nullptr;
// True while another runtime (chapter 6's M:N workers) runs one of its fibers on this thread.
thread_local bool other_runtime_fiber_running = false;

[[noreturn]] void fail(const char* message, const char* detail = "") {
  std::fprintf(stderr, "rt::fiber: %s%s\n", message, detail);
  std::abort();
}

[[noreturn]] void fail_about(const char* before, const std::string& name, const char* after) {
  std::fprintf(stderr, "rt::fiber: %s\"%s\"%s\n", before, name.c_str(), after);
  std::abort();
}

// An exception escaped a fiber that nobody can join: stop loudly rather than lose it.
[[noreturn]] void fail_unjoined(const detail::Completion& completion) {
  try {
    std::rethrow_exception(completion.error);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "rt::fiber: fiber \"%s\" ended with an uncaught exception: %s (and nobody "
                 "joined it to receive it)\n",
                 completion.name.c_str(), e.what());
  } catch (...) {
    std::fprintf(stderr,
                 "rt::fiber: fiber \"%s\" ended with an uncaught exception (and nobody "
                 "joined it to receive it)\n",
                 completion.name.c_str());
  }
  std::abort();
}

}  // namespace

const char* to_string(Fiber::State state) {
  switch (state) {
    case Fiber::State::ready:
      return "ready";
    case Fiber::State::running:
      return "running";
    case Fiber::State::parked:
      return "parked";
    case Fiber::State::finished:
      return "finished";
  }
  return "?";
}

Fiber::Fiber(Scheduler& scheduler, FiberOptions options, std::function<void()> body)
    : scheduler_(scheduler),
      name_(std::move(options.name)),
      completion_(new detail::Completion),
      stack_(scheduler.stack_pool_.acquire(options.stack_size, options.guard)),
      body_(std::move(body)) {
  completion_->name = name_;
  completion_->fiber = this;
  context_ = make_context(stack_, &Fiber::start, this);
}

Fiber::~Fiber() {
  destroy_context(context_);
}

// Every state change goes through here, so an impossible transition (unparking a ready
// fiber, say) stops the program at the mistake instead of corrupting the queue.
void Fiber::transition(State from, State to) {
  if (state_ != from) {
    std::fprintf(stderr, "rt::fiber: fiber \"%s\" is %s; %s -> %s is not a valid transition\n",
                 name_.c_str(), to_string(state_), to_string(from), to_string(to));
    std::abort();
  }
  state_ = to;
}

void Fiber::start(void* fiber_address) {
  auto* fiber = static_cast<Fiber*>(fiber_address);
  try {
    fiber->body_();
  } catch (...) {
    fiber->completion_->error = std::current_exception();  // for join() to rethrow
  }
  fiber->body_ = nullptr;  // destroy what the body captured while still on the fiber
  fiber->scheduler_.finish_running();
}

Scheduler::Scheduler() {
  if (this_thread_scheduler != nullptr) fail("this thread already has a Scheduler");
  detail::install_overflow_reporting();
  this_thread_scheduler = this;
}

Scheduler::~Scheduler() {
  if (running_ != nullptr) fail("a Scheduler was destroyed by one of its own fibers");
  for (auto& fiber : fibers_) {
    fiber->completion_->fiber = nullptr;
    fiber->completion_->scheduler_gone = true;
  }
  fibers_.clear();
  this_thread_scheduler = nullptr;
}

JoinHandle Scheduler::spawn(FiberOptions options, std::function<void()> body) {
  auto fiber = std::unique_ptr<Fiber>(new Fiber(*this, std::move(options), std::move(body)));
  fiber->index_ = fibers_.size();
  fibers_.push_back(std::move(fiber));
  Fiber& spawned = *fibers_.back();
  ready_.push_back(&spawned);
  return JoinHandle(*this, spawned.completion_);
}

void Scheduler::run() {
  if (this_thread_scheduler != this) fail("Scheduler::run called on another thread");
  if (running_ != nullptr) fail("Scheduler::run called from a fiber");
  while (!ready_.empty()) {
    Fiber* next = ready_.front();
    ready_.pop_front();
    next->transition(Fiber::State::ready, Fiber::State::running);
    running_ = next;
    detail::set_running_fiber(next);
    // The C++ runtime keeps its exception facts per thread: the fiber gets its own back, and
    // the thread's (run() may be called inside a catch handler, by join) wait here.
    ExceptionState thread_state;
    thread_exceptions_.exchange(thread_state, next->exceptions_);
    switch_context(context_, next->context_);
    // Back on the thread's stack: the fiber, or the last of the fibers it handed the thread
    // to (suspend_running), parked or yielded with nothing else ready, or finished.
    Fiber* last = std::exchange(running_, nullptr);
    thread_exceptions_.exchange(last->exceptions_, thread_state);
    detail::set_running_fiber(nullptr);
    switches_ += 2;
    if (last->state_ == Fiber::State::finished) free_fiber(last);
  }
}

void Scheduler::unpark(Fiber& fiber) {
  if (&fiber.scheduler_ != this) fail("unpark: the fiber belongs to another Scheduler");
  fiber.transition(Fiber::State::parked, Fiber::State::ready);
  ready_.push_back(&fiber);
}

// The running fiber gives the thread to the next ready fiber itself: one switch, in the order
// run() would have chosen. Only when nothing else is ready does it switch to run(), which
// then returns (the caller, chapter 4's loop, polls for events before it runs fibers again).
void Scheduler::suspend_running(Fiber::State next) {
  Fiber* fiber = running_;
  fiber->transition(Fiber::State::running, next);
  if (next == Fiber::State::ready) ready_.push_back(fiber);
  if (ready_.empty()) {
    switch_context(fiber->context_, context_);
    return;  // resumed by run(), or handed the thread by another fiber
  }
  Fiber* to = ready_.front();
  ready_.pop_front();
  to->transition(Fiber::State::ready, Fiber::State::running);
  if (to == fiber) return;  // yielded, and nothing else was ready: go on
  running_ = to;
  detail::set_running_fiber(to);
  thread_exceptions_.exchange(fiber->exceptions_, to->exceptions_);
  ++switches_;
  switch_context(fiber->context_, to->context_);
  // Resumed, by run() or by another fiber's handoff: either made this fiber running_ and put
  // its exception state back.
}

void Scheduler::finish_running() {
  Fiber* fiber = running_;
  fiber->transition(Fiber::State::running, Fiber::State::finished);
  detail::Completion& completion = *fiber->completion_;
  completion.finished = true;
  if (completion.error && !completion.has_handle) fail_unjoined(completion);
  if (completion.joiner != nullptr) unpark(*std::exchange(completion.joiner, nullptr));
  // Still on the fiber's stack: how far it grew, for the next fiber the pool gives it to.
  fiber->stack_.record_committed_low();
  exit_context(fiber->context_, context_);
}

// Runs on the thread's stack, after the fiber's last switch away from its own.
void Scheduler::free_fiber(Fiber* fiber) {
  fiber->completion_->fiber = nullptr;
  stack_pool_.release(std::move(fiber->stack_));
  std::size_t index = fiber->index_;
  std::swap(fibers_[index], fibers_.back());
  fibers_[index]->index_ = index;
  fibers_.pop_back();
}

JoinHandle& JoinHandle::operator=(JoinHandle&& other) noexcept {
  if (this != &other) {
    release();
    scheduler_ = std::exchange(other.scheduler_, nullptr);
    completion_ = std::move(other.completion_);
  }
  return *this;
}

JoinHandle::~JoinHandle() {
  release();
}

// Detaches: the fiber runs on, and nobody can receive its exception any more.
void JoinHandle::release() noexcept {
  if (completion_ == nullptr) return;
  completion_->has_handle = false;
  if (completion_->finished && completion_->error) fail_unjoined(*completion_);
  completion_.reset();
}

Fiber& JoinHandle::fiber() const {
  if (completion_ == nullptr) fail("JoinHandle::fiber: the handle is empty");
  if (completion_->fiber == nullptr) {
    fail_about("JoinHandle::fiber: fiber ", completion_->name, " has finished");
  }
  return *completion_->fiber;
}

void JoinHandle::join() {
  if (completion_ == nullptr) fail("join: the handle is empty (joined, moved from or default)");
  detail::Completion& completion = *completion_;
  if (completion.scheduler_gone) {
    fail_about("join: the Scheduler of fiber ", completion.name, " was destroyed");
  }
  if (!completion.finished) {
    Scheduler& scheduler = *scheduler_;
    if (scheduler.running_ == nullptr) {
      scheduler.run();  // on the thread: run everything until nothing is ready
    } else if (scheduler.running_ == completion.fiber) {
      fail_about("join: fiber ", completion.name, " cannot join itself");
    } else {
      completion.joiner = scheduler.running_;  // finish_running unparks us
      this_fiber::park();
    }
    if (!completion.finished) {
      fail_about("join: fiber ", completion.name,
                 " can never finish: it is parked and no ready fiber is left to unpark it");
    }
  }
  std::exception_ptr error = std::exchange(completion.error, nullptr);
  completion_.reset();
  if (error) std::rethrow_exception(error);
}

namespace detail {
void set_other_runtime_fiber_running(bool running) noexcept {
  other_runtime_fiber_running = running;
}
}  // namespace detail

namespace this_fiber {

Scheduler& scheduler() {
  Scheduler* scheduler = this_thread_scheduler;
  if (scheduler == nullptr || scheduler->running() == nullptr) {
    fail("a this_fiber function was called outside a fiber");
  }
  return *scheduler;
}

void yield() {
  scheduler().suspend_running(Fiber::State::ready);
}

void park() {
  scheduler().suspend_running(Fiber::State::parked);
}

Fiber& current() {
  return *scheduler().running();
}

const std::string& name() {
  return current().name();
}

bool on_fiber() noexcept {
  return other_runtime_fiber_running ||
         (this_thread_scheduler != nullptr && this_thread_scheduler->running() != nullptr);
}

}  // namespace this_fiber

}  // namespace rt::fiber
