// rt::fiber::Scheduler: a tiny cooperative runtime on one thread. Fibers run one at a
// time, round-robin, each until it yields, parks or finishes; nothing preempts them.
//
//   rt::fiber::Scheduler scheduler;
//   auto a = scheduler.spawn({.name = "A"}, [] { step(); this_fiber::yield(); step(); });
//   scheduler.spawn({.name = "B"}, [] { step(); });  // handle dropped: B is detached
//   a.join();  // runs A, B, A; rethrows here whatever escaped A's body
//
// One queue decides who runs next, first in first out. A fiber that yields or parks hands
// the thread straight to the front of the ready queue: one switch per handoff. Only when
// nothing else is ready (or a fiber finished: its stack must be freed from another) does
// the thread go back to its own stack, to run(), which then runs the next ready fiber or
// returns. (Through run() every time would be two switches per handoff: README, "The
// runtime", has both figures.)
//
// Invariants (single thread, so no locks):
// - A fiber is in exactly one place: the ready queue (ready), running on the thread
//   (running, at most one), nowhere but its owner's hands (parked), or gone (finished).
// - The scheduler owns every fiber; a finished fiber is freed by run() right after the
//   fiber's last switch away from its stack (to run(), never to another fiber), and the
//   stack goes back to the pool.
//
// Contract:
// - A Scheduler belongs to the thread that created it: spawn, run, unpark and the
//   this_fiber functions must be called on that thread. At most one Scheduler per thread.
// - run() must not be called from a fiber (checked).
// - A fiber's body may throw and catch exceptions, and may yield or park anywhere, inside a
//   catch handler or a destructor that runs during unwinding included: each fiber has its
//   own copy of the C++ runtime's exception state (exception_state.hpp), which the
//   scheduler exchanges at every switch (run() keeps the thread's own meanwhile). A new fiber
//   starts with none, whatever its spawner was handling. An exception that escapes the body is kept
//   and rethrown by JoinHandle::join. If nobody can join the fiber any more (its handle was
//   dropped, or destroyed without join), the process stops with a message naming the fiber and the
//   exception: an error is never silently lost.
// - A fiber that overflows its stack hits a guard page; the process then prints
//   "fiber "<name>" overflowed its stack (<size>)" and dies of the fault (overflow_*.cpp).
// - Destroying a Scheduler that still has parked or ready fibers frees their stacks
//   without unwinding them: their destructors do not run. Park only what you will unpark.
#pragma once

#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "rt/fiber/context.hpp"
#include "rt/fiber/exception_state.hpp"
#include "rt/fiber/stack.hpp"

namespace rt::fiber {

inline constexpr std::size_t kDefaultStackSize = 256 * 1024;

struct FiberOptions {
  std::string name;  // shown in overflow reports and by this_fiber::name()
  // Usable bytes of stack (rounded up to pages). Only touched pages become resident.
  std::size_t stack_size = kDefaultStackSize;
  // StackGuard::none: no guard page, so no overflow report, but one mapping per stack
  // instead of two (see StackRefused in stack.hpp).
  StackGuard guard = StackGuard::page;
};

class Scheduler;
class Fiber;

// What a fiber's body is kept in: a std::function, which needs a copyable callable, so a
// move-only one (a lambda that owns a connection) goes behind a shared_ptr (one allocation).
// For the runtimes built on this chapter (chapter 4's Loop::spawn, chapter 6's Runtime::spawn).
template <typename Body>
std::function<void()> to_function(Body&& body) {
  using Stored = std::decay_t<Body>;
  if constexpr (std::is_copy_constructible_v<Stored>) {
    return std::function<void()>(std::forward<Body>(body));
  } else {
    auto owned = std::make_shared<Stored>(std::forward<Body>(body));
    return [owned] { (*owned)(); };
  }
}

namespace detail {
// What join needs, shared by a fiber and its JoinHandle, so that it outlives either.
struct Completion {
  std::string name;             // the fiber's, for messages after it is gone
  Fiber* fiber = nullptr;       // null once the fiber finished and was freed
  Fiber* joiner = nullptr;      // the fiber parked in join(), if any
  std::exception_ptr error;     // what escaped the body, if anything
  bool finished = false;        // the body returned or threw
  bool has_handle = true;       // someone can still join: the JoinHandle exists
  bool scheduler_gone = false;  // the Scheduler was destroyed first
  int owners = 0;               // CompletionRefs pointing here
};

// Shared ownership of a Completion. Its owners (a fiber, its JoinHandle) all live on the
// scheduler's thread, so the count is a plain int: std::shared_ptr's atomic count would add
// locked instructions to every spawn for a thread-safety nobody uses.
class CompletionRef {
 public:
  CompletionRef() = default;
  explicit CompletionRef(Completion* completion) noexcept : completion_(completion) {
    if (completion_ != nullptr) ++completion_->owners;
  }
  CompletionRef(const CompletionRef& other) noexcept : CompletionRef(other.completion_) {}
  CompletionRef(CompletionRef&& other) noexcept
      : completion_(std::exchange(other.completion_, nullptr)) {}
  CompletionRef& operator=(CompletionRef other) noexcept {
    std::swap(completion_, other.completion_);
    return *this;
  }
  ~CompletionRef() { reset(); }
  void reset() noexcept {
    if (completion_ != nullptr && --completion_->owners == 0) delete completion_;
    completion_ = nullptr;
  }
  Completion* get() const noexcept { return completion_; }
  Completion* operator->() const noexcept { return completion_; }
  Completion& operator*() const noexcept { return *completion_; }
  bool operator==(std::nullptr_t) const noexcept { return completion_ == nullptr; }

 private:
  Completion* completion_ = nullptr;
};
}  // namespace detail

// The right to wait for one fiber and receive its exception. Move-only. Dropping it
// detaches the fiber (it still runs to the end); if a detached fiber's body throws, the
// process stops with a message naming it, since nobody is left to receive the exception.
class JoinHandle {
 public:
  JoinHandle() = default;
  JoinHandle(JoinHandle&& other) noexcept = default;
  JoinHandle& operator=(JoinHandle&& other) noexcept;
  JoinHandle(const JoinHandle&) = delete;
  JoinHandle& operator=(const JoinHandle&) = delete;
  ~JoinHandle();

  // Waits until the fiber finished, then rethrows the exception that escaped its body, if
  // any. On a fiber: parks the caller until then. On the scheduler's thread (outside run):
  // runs the scheduler until then. Afterwards the handle is empty. Stops the process with
  // a message if the handle is empty, a fiber joins itself, the Scheduler is gone, or the
  // fiber can never finish (it is parked and run() found nothing else ready).
  void join();
  // True until join() (or a move) empties the handle.
  bool joinable() const noexcept { return completion_ != nullptr; }
  // The fiber, to unpark it or look at its state. Precondition: it has not finished
  // (checked: stops the process with a message).
  Fiber& fiber() const;

 private:
  friend class Scheduler;
  JoinHandle(Scheduler& scheduler, detail::CompletionRef completion)
      : scheduler_(&scheduler), completion_(std::move(completion)) {}
  void release() noexcept;

  Scheduler* scheduler_ = nullptr;
  detail::CompletionRef completion_;
};

namespace this_fiber {
void yield();
void park();
}  // namespace this_fiber

class Fiber {
 public:
  enum class State {
    ready,     // in the ready queue: will run when its turn comes
    running,   // on the thread now (exactly one fiber, or none)
    parked,    // waiting for Scheduler::unpark; in no queue
    finished,  // its body returned; run() frees it at once
  };

  const std::string& name() const noexcept { return name_; }
  State state() const noexcept { return state_; }
  std::size_t stack_size() const noexcept { return stack_.usable().size(); }
  const Stack& stack() const noexcept { return stack_; }

  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;
  ~Fiber();

 private:
  friend class Scheduler;
  Fiber(Scheduler& scheduler, FiberOptions options, std::function<void()> body);
  static void start(void* fiber);  // the context's start function
  void transition(State from, State to);

  Scheduler& scheduler_;
  std::size_t index_ = 0;  // position in scheduler_.fibers_ (for O(1) removal)
  std::string name_;
  detail::CompletionRef completion_;
  Stack stack_;
  Context context_;
  ExceptionState exceptions_;  // the runtime's exception facts while the fiber is off the thread
  std::function<void()> body_;
  State state_ = State::ready;
};

const char* to_string(Fiber::State state);

class Scheduler {
 public:
  Scheduler();
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Creates a fiber that will run `body`, at the back of the ready queue, on a stack from
  // the scheduler's pool. Callable from the thread or from a fiber. Throws rt::OsError
  // (StackRefused when the OS is out of memory or mappings) if no stack can be had:
  // nothing is created then, and the scheduler is as before.
  JoinHandle spawn(FiberOptions options, std::function<void()> body);

  // Runs ready fibers, round-robin, until none is ready (all finished, or the rest parked).
  void run();

  // Makes a parked fiber ready again (back of the queue). Precondition: it is parked.
  void unpark(Fiber& fiber);

  // The fiber running now, or nullptr when called from the thread's own stack.
  Fiber* running() const noexcept { return running_; }
  // Fibers not yet finished: ready, running or parked.
  std::size_t alive() const noexcept { return fibers_.size(); }
  // Context switches made so far: into a fiber and back to run() count one each, and a
  // handoff from fiber to fiber one.
  std::size_t switches() const noexcept { return switches_; }
  // Where finished fibers' stacks wait for the next spawn.
  const StackPool& stack_pool() const noexcept { return stack_pool_; }
  // Every fiber not yet freed, for debuggers (ch03-fibers/gdb/fibers.py reads this too).
  const std::vector<std::unique_ptr<Fiber>>& fibers() const noexcept { return fibers_; }

 private:
  friend class Fiber;
  friend class JoinHandle;
  friend void this_fiber::yield();
  friend void this_fiber::park();
  void suspend_running(Fiber::State next);  // running fiber -> next ready one (or run())
  [[noreturn]] void finish_running();       // running fiber -> scheduler, for good
  void free_fiber(Fiber* fiber);

  StackPool stack_pool_;                        // declared first: destroyed after fibers_
  Context context_;                             // the thread's own stack, where run() runs
  ThreadExceptionState thread_exceptions_;      // where the runtime keeps them for this thread
  Fiber* running_ = nullptr;                    // the fiber on the thread, or nullptr in run()
  std::deque<Fiber*> ready_;                    // fibers in state ready, in run order
  std::vector<std::unique_ptr<Fiber>> fibers_;  // every fiber not yet freed
  std::size_t switches_ = 0;
};

// About the running fiber. Each must be called on a fiber (checked: called on a thread's
// own stack they stop the process with a message).
namespace this_fiber {
// Lets every other ready fiber run once, then returns.
void yield();
// Suspends the running fiber until someone calls Scheduler::unpark on it.
void park();
// The running fiber.
Fiber& current();
const std::string& name();
// The running fiber's scheduler.
Scheduler& scheduler();
// True when called on a fiber, false on a thread's own stack. A fiber of another runtime
// (chapter 6's M:N workers, which say so through the hook below) counts: code that must not
// block a thread that runs fibers asks this.
bool on_fiber() noexcept;
}  // namespace this_fiber

namespace detail {
// For another fiber runtime built on chapter 3's contexts (chapter 6): true while one of its
// fibers runs on the calling thread, false when the thread is back on its own stack.
void set_other_runtime_fiber_running(bool running) noexcept;
}  // namespace detail

}  // namespace rt::fiber
