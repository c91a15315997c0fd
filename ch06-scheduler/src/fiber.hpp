// An M:N fiber (Go's G): chapter 3's context, stack and exception state, plus the atomic state
// that lets any worker run it and any thread unpark it.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "rt/fiber/context.hpp"
#include "rt/fiber/exception_state.hpp"
#include "rt/fiber/stack.hpp"
#include "rt/sched/runtime.hpp"  // detail::leave_region

namespace rt::sched {

class Fiber;

namespace detail {
struct RuntimeImpl;
struct FiberList;
struct Machine;

// What join needs, shared by a fiber and its JoinHandle (either may go first), across threads.
struct Completion {
  static constexpr std::uint32_t kFinished = 1;     // the body returned or threw
  static constexpr std::uint32_t kDetached = 2;     // the handle is gone: nobody will join
  static constexpr std::uint32_t kThreadWaits = 4;  // a thread sleeps on `state` in join()
  std::string name;
  std::exception_ptr error;  // written before kFinished is set, read after it is seen
  // The OS address wait of a joining thread waits on this word.
  std::atomic<std::uint32_t> state{0};
  // A joining fiber; kJoinClosed once the fiber finished (the finisher exchanged it).
  std::atomic<Fiber*> joiner{nullptr};
};
inline Fiber* join_closed() noexcept {
  return reinterpret_cast<Fiber*>(std::uintptr_t{1});
}
}  // namespace detail

class Fiber {
 public:
  // running -> parked:          its worker, after the fiber switched away to park
  // running -> unpark_pending:  an unpark that came before that switch (the park returns at once)
  // parked  -> runnable:        unpark(), which then queues it
  // runnable -> running:        a worker takes it from a queue
  // running -> finished:        its body ended
  enum class State : std::uint32_t { runnable, running, parked, unpark_pending, finished };

  // Placed at the top of `stack` (detail::kFiberRecordBytes below its top), which it then
  // owns: whoever ends it moves the stack out before it destroys the record.
  Fiber(detail::RuntimeImpl& runtime, std::string name, rt::fiber::Stack stack,
        std::function<void()> body, std::shared_ptr<detail::Completion> completion) noexcept;
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  const std::string& name() const noexcept { return name_; }

  detail::RuntimeImpl& runtime;
  std::string name_;
  rt::fiber::Stack stack;
  rt::fiber::Context context;
  rt::fiber::ExceptionState exceptions;  // while the fiber is off every worker
  std::function<void()> body;
  std::shared_ptr<detail::Completion> completion;
  // acq_rel transitions: the worker that parks it and the thread that unparks it hand the
  // fiber (its saved context, everything it wrote) to each other through this word.
  std::atomic<State> state{State::runnable};
  Fiber* next = nullptr;  // the global queue's link (under the scheduler's mutex)
  std::uint64_t id = 0;   // 1, 2, ... in spawn order (traces, gdb)
  // For debuggers (gdb/sched.py): the list of live fibers it is in (runtime_impl.hpp), its links
  // there (under that list's mutex), and the worker that ran it last (written by that worker).
  detail::FiberList* list = nullptr;
  Fiber* list_prev = nullptr;
  Fiber* list_next = nullptr;
  int last_worker = -1;
  // Locked to a machine (lock_os_thread, ThreadLocker::lock): written by the fiber itself
  // (under that machine's pin_lock); read by whoever queues or picks it, after it was handed
  // to them through its state or a queue.
  detail::Machine* locked_to = nullptr;
  int lock_depth = 0;  // lock_os_thread() calls not undone yet (its own)
  // Regions asynchronous preemption must leave alone that the fiber is in (preempt.hpp): the
  // runtime's calls, channel operations, this_fiber::NoPreemption. 1 until its body starts,
  // and again once it returned. Written by the fiber, read by the signal handler on its thread
  // (or by the monitor while its thread is suspended, on Windows): atomic, but only the fiber
  // writes it, so a load and a store do (no read-modify-write).
  std::atomic<int> no_preempt{1};
};

namespace detail {
// A fiber's record lives at the top of its own stack, above its first frame (spawn_function,
// Worker::finish): a new fiber touches one new page, its stack's top, instead of that page and
// a share of the heap's (README, "Spawn"). These bytes of the stack are the record's.
inline constexpr std::size_t kFiberRecordBytes = (sizeof(Fiber) + 63) / 64 * 64;
static_assert(alignof(Fiber) <= 64, "the record is placed 64-aligned below a page's end");
static_assert(kFiberRecordBytes <= 1024, "the record, the first frame and more fit in a page");

// A region that must not be preempted, entered and left by the fiber itself. Only it changes
// the count (a load and a store), and the handler that reads it runs on its thread: the
// signal fences keep the compiler from moving the region's code across the change.
inline void enter_no_preemption(Fiber& fiber) noexcept {
  fiber.no_preempt.store(fiber.no_preempt.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
}
inline void leave_no_preemption(Fiber& fiber) noexcept {
  leave_region(fiber.no_preempt);
}
}  // namespace detail

}  // namespace rt::sched
