// rt::fiber::Scheduler: a tiny cooperative runtime on one thread. Fibers run one at a
// time, round-robin, each until it yields, parks or finishes; nothing preempts them.
//
//   rt::fiber::Scheduler scheduler;
//   scheduler.spawn({.name = "A"}, [] { step(); rt::fiber::this_fiber::yield(); step(); });
//   scheduler.spawn({.name = "B"}, [] { step(); });
//   scheduler.run();  // A, B, A: returns when no fiber is ready
//
// Every switch goes through the scheduler's own context (the thread's stack): a fiber
// that yields switches to the scheduler, which switches to the next ready fiber. Two
// switches per handoff buy one simple invariant: the scheduler decides, fibers only ask.
//
// Invariants (single thread, so no locks):
// - A fiber is in exactly one place: the ready queue (ready), running on the thread
//   (running, at most one), nowhere but its owner's hands (parked), or gone (finished).
// - The scheduler owns every fiber; a finished fiber's stack is freed by run() right
//   after the fiber's last switch away from it.
//
// Contract:
// - A Scheduler belongs to the thread that created it: spawn, run, unpark and the
//   this_fiber functions must be called on that thread. At most one Scheduler per thread.
// - run() must not be called from a fiber (checked).
// - A fiber's body may throw and catch exceptions; an exception that escapes the body
//   ends the process (std::terminate) after a message naming the fiber, as an exception
//   escaping a std::thread's function does.
// - A fiber that overflows its stack hits a guard page; the process then prints
//   "fiber "<name>" overflowed its stack (<size>)" and dies of the fault (overflow_*.cpp).
// - Destroying a Scheduler that still has parked or ready fibers frees their stacks
//   without unwinding them: their destructors do not run. Park only what you will unpark.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rt/fiber/context.hpp"
#include "rt/fiber/stack.hpp"

namespace rt::fiber {

inline constexpr std::size_t kDefaultStackSize = 256 * 1024;

struct FiberOptions {
  std::string name;  // shown in overflow reports and by this_fiber::name()
  // Usable bytes of stack (rounded up to pages). Only touched pages become resident.
  std::size_t stack_size = kDefaultStackSize;
};

class Scheduler;
class Fiber;

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
  Stack stack_;
  Context context_;
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

  // Creates a fiber that will run `body`, at the back of the ready queue. Callable from
  // the thread or from a fiber. The reference stays valid until the fiber finishes.
  // Throws rt::OsError if its stack cannot be allocated (nothing is created then).
  Fiber& spawn(FiberOptions options, std::function<void()> body);

  // Runs ready fibers, round-robin, until none is ready (all finished, or the rest parked).
  void run();

  // Makes a parked fiber ready again (back of the queue). Precondition: it is parked.
  void unpark(Fiber& fiber);

  // The fiber running now, or nullptr when called from the thread's own stack.
  Fiber* running() const noexcept { return running_; }
  // Fibers not yet finished: ready, running or parked.
  std::size_t alive() const noexcept { return fibers_.size(); }
  // Context switches made by run() so far (each fiber-to-fiber handoff is two).
  std::size_t switches() const noexcept { return switches_; }

 private:
  friend class Fiber;
  friend void this_fiber::yield();
  friend void this_fiber::park();
  void suspend_running(Fiber::State next);  // running fiber -> scheduler, as ready or parked
  [[noreturn]] void finish_running();       // running fiber -> scheduler, for good
  void free_fiber(Fiber* fiber);

  Context context_;                             // the thread's own stack, where run() runs
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
// True when called on a fiber, false on a thread's own stack.
bool on_fiber() noexcept;
}  // namespace this_fiber

}  // namespace rt::fiber
