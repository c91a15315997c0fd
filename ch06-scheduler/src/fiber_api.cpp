// What a fiber (or a thread) calls: JoinHandle, this_fiber, Alarm; and the runtime's checked
// errors.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "rt/os/address_wait.hpp"
#include "rt/sched/runtime.hpp"
#include "runtime_impl.hpp"

namespace rt::sched {

using detail::After;
using detail::Completion;
using detail::current_worker;
using detail::Machine;
using detail::Worker;

namespace detail {

void fail(const char* message, const std::string& detail) {
  std::fprintf(stderr, "rt::sched: %s%s\n", message, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

void fail_unjoined(const Completion& completion) {
  std::string what = "an exception";
  try {
    std::rethrow_exception(completion.error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  fail("an uncaught exception ended a fiber nobody joined: ",
       "\"" + completion.name + "\": " + what);
}

void leave_worker(After what, const char* call) {
  const this_fiber::NoPreemption region;  // (a preemption before it: the fiber is the same)
  worker_of_running_fiber(call);          // stops the process if called off a fiber
  Machine& machine = *current_machine();
  if (what == After::park && machine.park_by_direct_switch()) {
    after_switch();
    return;
  }
  machine.after = what;
  rt::fiber::switch_context(machine.running->context, machine.context);
  // Resumed, by this worker or another: `worker` may be stale from here on.
  after_switch();
}
}  // namespace detail

// ---- JoinHandle ----

JoinHandle::JoinHandle(std::shared_ptr<detail::Completion> completion)
    : completion_(std::move(completion)) {}

JoinHandle& JoinHandle::operator=(JoinHandle&& other) noexcept {
  if (this != &other) {
    release();
    completion_ = std::move(other.completion_);
  }
  return *this;
}

JoinHandle::~JoinHandle() {
  release();
}

void JoinHandle::release() noexcept {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  if (completion_ == nullptr) return;
  const std::uint32_t before =
      completion_->state.fetch_or(Completion::kDetached, std::memory_order_acq_rel);
  if ((before & Completion::kFinished) != 0 && completion_->error) {
    detail::fail_unjoined(*completion_);
  }
  completion_.reset();
}

void JoinHandle::join() {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  if (completion_ == nullptr)
    detail::fail("join: the handle is empty (joined, moved from or default)");
  Completion& completion = *completion_;
  if ((completion.state.load(std::memory_order_acquire) & Completion::kFinished) == 0) {
    if (this_fiber::on_fiber() && current_worker() != nullptr) {
      Fiber& self = this_fiber::current();
      Fiber* expected = nullptr;
      // acq_rel: the finisher's exchange sees us (and unparks us), or we see it closed.
      if (completion.joiner.compare_exchange_strong(expected, &self, std::memory_order_acq_rel,
                                                    std::memory_order_acquire)) {
        this_fiber::park();
      }
    } else {
      for (;;) {
        // acq_rel: acquire pairs with the finisher's release (its `error`); the RMW orders our
        // bit against its kFinished (Worker::finish).
        const std::uint32_t state =
            completion.state.fetch_or(Completion::kThreadWaits, std::memory_order_acq_rel) |
            Completion::kThreadWaits;
        if ((state & Completion::kFinished) != 0) break;
        rt::os::wait_on_address(completion.state, state);
      }
    }
  }
  if ((completion.state.load(std::memory_order_acquire) & Completion::kFinished) == 0) {
    detail::fail("join: woken before the fiber finished: ", completion.name);
  }
  std::exception_ptr error = std::exchange(completion.error, nullptr);
  completion.state.fetch_or(Completion::kDetached, std::memory_order_relaxed);
  completion_.reset();
  if (error) std::rethrow_exception(error);
}

// ---- this_fiber ----

namespace this_fiber {

void yield() {
  detail::leave_worker(After::yield, "this_fiber::yield");
}

void park() {
  detail::leave_worker(After::park, "this_fiber::park");
}

RT_SCHED_NO_PREEMPT void preemption_point() {
  Worker& worker = detail::worker_of_running_fiber("this_fiber::preemption_point");
  if (worker.preempt_run.load(std::memory_order_relaxed) !=
      worker.runs.load(std::memory_order_relaxed)) {
    return;
  }
  detail::leave_worker(After::preempted, "this_fiber::preemption_point");
}

RT_SCHED_NO_PREEMPT Fiber& current() {
  return *detail::worker_of_running_fiber("this_fiber::current").running;
}

const std::string& name() {
  return current().name();
}

int worker() {
  return detail::worker_of_running_fiber("this_fiber::worker").index;
}

Runtime& runtime() {
  return detail::worker_of_running_fiber("this_fiber::runtime").runtime.owner;
}

RT_SCHED_NO_PREEMPT bool on_fiber() noexcept {
  Worker* worker = current_worker();
  return worker != nullptr && worker->running != nullptr;
}

namespace {
void unpark_sleeper(void* fiber) {
  unpark(*static_cast<Fiber*>(fiber));
}
}  // namespace

void sleep_until(rt::Clock::time_point at) {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  if (at <= rt::Clock::now()) {
    yield();
    return;
  }
  Alarm alarm;
  alarm.set(at, &unpark_sleeper, &current());
  park();
}

void sleep_for(rt::Clock::duration d) {
  sleep_until(rt::Clock::now() + d);
}

}  // namespace this_fiber

// ---- Alarm ----

void Alarm::set(rt::Clock::time_point at, void (*on_fire)(void* context), void* context) {
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  Worker& worker = detail::worker_of_running_fiber("Alarm::set");
  if (timer_.queued()) detail::fail("Alarm::set: the alarm is armed already");
  runtime_ = &worker.runtime;
  timer_.deadline = at;
  timer_.on_fire = on_fire;
  timer_.context = context;
  runtime_->add_timer(timer_);
}

void Alarm::cancel() noexcept {
  if (runtime_ == nullptr) return;  // never set (the alarm is the caller's: no region needed)
  const rt::sched::this_fiber::NoPreemption region;  // runtime code (preempt.hpp)
  runtime_->remove_timer(timer_);
}

}  // namespace rt::sched
