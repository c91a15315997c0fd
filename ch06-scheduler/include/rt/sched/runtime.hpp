// rt::sched::Runtime: an M:N scheduler in the spirit of Go's. N workers (OS threads, chapter 1)
// run any number of fibers (chapter 3's contexts and stacks); a fiber may park on one worker and
// resume on another.
//
//   rt::sched::Runtime runtime({.workers = 2});
//   auto done = runtime.spawn({.name = "main"}, [] {
//     auto child = rt::sched::this_fiber::spawn({.name = "child"}, [] { work(); });
//     child.join();  // parks this fiber, not the worker
//   });
//   done.join();  // on a thread: sleeps in the OS address wait until "main" finished
//
// The parts (README, "Design note", draws them):
// - each worker owns a LocalQueue (run_queue.hpp): a ring of 256 plus `runnext`;
// - one global queue (a list under the scheduler's mutex) takes fibers spawned or woken from
//   outside the workers, and half of a full local ring; workers look at it every 61st
//   schedule (Knobs::global_interval) and whenever their own queue is empty;
// - an idle worker steals half of another's ring, trying the others in random order; at most
//   half of the workers spin (look for work) at once; readying a fiber wakes a sleeping worker
//   only when none is spinning, and a spinner that finds work wakes another spinner;
// - a worker with nothing to do sleeps on its own word in the OS address wait (chapter 1);
// - one timer heap (chapter 4's TimerQueue, under a mutex); the last worker to go to sleep
//   sleeps until the earliest timer.
//
// Contract:
// - spawn, unpark and Runtime's members may be called from any thread; this_fiber:: only on a
//   fiber of a Runtime (checked: the process stops with a message).
// - A fiber runs on one worker at a time; between two switches it may move to another worker.
//   Code on a fiber must not keep the address of a thread_local across a park, a yield or a
//   join (README, "What moving fibers changes").
// - The destructor waits until every fiber has finished, then stops the workers. A fiber that
//   never finishes (parked forever) makes it wait forever.
// - An exception that escapes a fiber's body goes to its JoinHandle; if nobody can join it any
//   more, the process stops with a message naming the fiber (chapter 3's rule).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "rt/clock.hpp"
#include "rt/fiber/scheduler.hpp"  // FiberOptions, to_function
#include "rt/net/loop.hpp"         // kCooperativeBudget
#include "rt/net/timer.hpp"        // Timer: the heap entry an Alarm owns
#include "rt/output.hpp"

namespace rt::sched {

class Fiber;  // an M:N fiber (src/fiber.hpp); user code holds it only by pointer or reference

// Where a thief may take `runnext` from (the contested knob: Tokio made its LIFO slot stealable
// and reverted it).
enum class RunnextSteal {
  never,      // runnext stays with its worker
  last_pass,  // on the last of the thief's four passes over the victims (Go)
  always,     // on every pass
};
const char* to_string(RunnextSteal steal) noexcept;

// The scheduler's switches; the defaults are Go's, and direct_switch, which Go does not have.
// `ch06-scheduler knobs` measures each.
struct Knobs {
  RunnextSteal runnext_steal = RunnextSteal::last_pass;
  // How long fibers taken from runnext may run in a row before the local queue gets a turn.
  // Go: they inherit the time slice, 10 ms. Zero: runnext never runs twice in a row.
  std::chrono::microseconds runnext_slice{10'000};
  // Every this many schedules a worker takes from the global queue first (Go: 61).
  std::uint32_t global_interval = 61;
  // The most workers spinning at once; -1: half of the workers (Go). 0: none spins.
  int max_spinning = -1;
  // false: idle workers never steal (`steal --no-steal`).
  bool steal = true;
  // A fiber that parks while its worker's own queue holds another switches to that one
  // directly, not through its worker's loop: one switch instead of two (Machine::
  // park_by_direct_switch). false: always through the loop, as Go does (its gopark switches to
  // g0, whose schedule() picks the next goroutine). `pingpong --direct-switch off`.
  bool direct_switch = true;
};

struct Options {
  int workers = 0;         // 0: one per CPU it may use (rt::os::usable_cpu_count())
  bool pin = false;        // pin worker i to the i-th CPU the process may use (modulo their count)
  std::optional<int> cpu;  // pin every worker to this CPU (a bench's server CPU); over `pin`
  std::string name = "w";  // thread names: "<name>-0", "<name>-1", ...
  Knobs knobs;
  // Chapter 4's cooperative budget (rt::net::LoopOptions): socket calls that finished at once
  // a fiber may make in a row before it yields (>= 1; std::invalid_argument otherwise).
  int budget = rt::net::kCooperativeBudget;
  // The most threads rt::sched::blocking may start (blocking.hpp): >= 1; started on demand.
  int blocking_threads = 64;
  // Preemption, as Go's sysmon does it: a monitor thread asks a fiber that has run this long
  // without parking or yielding to yield, and it does at its next check point: a channel
  // operation, an rt::net call, this_fiber::preemption_point() (Go's forcePreemptNS: 10 ms).
  // The fiber goes to the global queue, as Go's does. Zero: off.
  std::chrono::microseconds preempt_after{10'000};
  // Asynchronous preemption (Go 1.14's), for a fiber that reaches no check point (a loop such
  // as `for (;;) ++x;`): with the request, the monitor interrupts the worker's thread (a
  // signal on Linux and macOS, SuspendThread on Windows; preempt.cpp), and the fiber is
  // switched out where it stands if that is a safe point: in its own code (the executable's,
  // not a library's), outside every runtime call and every this_fiber::NoPreemption region.
  // Elsewhere the request waits for the next round or check point. Off: check points only.
  // Not available under ThreadSanitizer and clang's ASan (async_preemption_available()).
  bool async_preempt = true;
  // The handoff, as Go's sysmon does it (retake): a fiber inside a blocking region
  // (enter_blocking, blocking.hpp) for this long loses its worker, run queue and all, to
  // another OS thread (a spare machine, started if none is left), so that the fibers queued
  // behind it run; Go's rules decide whether it is worth a thread (monitor.cpp). Go's: one
  // sysmon round, 20 us or more. Zero: off (a blocked fiber holds its worker until it returns).
  // With preempt_after also zero there is no monitor thread.
  std::chrono::microseconds handoff_after{20};
  // Go's GODEBUG=schedtrace: every this many milliseconds a line on the scheduler's state
  //   SCHED 1000ms: workers=2 idle=1 spinning=0 global=0 alive=12 wakes=34 runqueues=[3 0]
  // Zero: off, unless the environment variable RT_SCHEDTRACE holds a number of milliseconds.
  std::chrono::milliseconds schedtrace{0};
  rt::Output* schedtrace_out = nullptr;  // where the lines go; nullptr: stderr
  // Go's `go tool trace`, in miniature: when the runtime stops, a Chrome trace-event JSON file
  // of every fiber's run spans per worker, the workers' sleeps, steals and wakeups (open it in
  // ui.perfetto.dev or chrome://tracing), and/or a text timeline. Empty / nullptr: off. Costs
  // two clock reads per fiber run and memory for every event while on.
  std::string trace_file;
  rt::Output* timeline_out = nullptr;
  int timeline_width = 100;
};

namespace detail {
struct Completion;
struct RuntimeImpl;
// Leaves a region asynchronous preemption must leave alone (this_fiber::NoPreemption): `count`
// is the fiber's own, changed only by the fiber (a load and a store) and read by the handler
// on its thread, so the signal fence keeps the region's code from moving past the change.
inline void leave_region(std::atomic<int>& count) noexcept {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  count.store(count.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
}
}  // namespace detail

// The right to wait for one fiber and receive its exception (chapter 3's JoinHandle, for any
// thread). Move-only; dropping it detaches the fiber.
class JoinHandle {
 public:
  JoinHandle() = default;
  explicit JoinHandle(std::shared_ptr<detail::Completion> completion);
  JoinHandle(JoinHandle&&) noexcept = default;
  JoinHandle& operator=(JoinHandle&& other) noexcept;
  ~JoinHandle();

  // Waits until the fiber finished, then rethrows what escaped its body. On an M:N fiber it
  // parks the caller; on any other thread it sleeps in the OS address wait. Empties the
  // handle. Stops the process with a message if the handle is empty or a fiber joins itself.
  void join();
  bool joinable() const noexcept { return completion_ != nullptr; }

 private:
  void release() noexcept;
  std::shared_ptr<detail::Completion> completion_;
};

struct WorkerStats {
  std::uint64_t runs = 0;         // fibers switched to
  std::uint64_t direct = 0;       // ... of which by a fiber that parked (Knobs::direct_switch)
  std::uint64_t steals = 0;       // successful steals (batches taken from another worker)
  std::uint64_t stolen = 0;       // fibers taken by those steals
  std::uint64_t from_global = 0;  // fibers taken from the global queue
  std::uint64_t sleeps = 0;       // times the worker slept in the OS address wait
  std::uint64_t finished = 0;     // fibers that finished here
  std::uint64_t preempted = 0;    // fibers that yielded here because asked (both ways below)
  std::uint64_t interrupted = 0;  // ... of which were switched out where they stood (async)
  std::uint64_t handoffs = 0;     // times the monitor gave it to another thread (a fiber blocked)
  std::uint64_t pinned = 0;       // times a fiber locked to its thread parked and the thread
                                  // gave the worker to another (locked.hpp)
  std::uint32_t queued = 0;       // the local ring's length now
};

struct Stats {
  std::vector<WorkerStats> workers;
  std::uint32_t global_queued = 0;
  int idle = 0;      // workers asleep or about to sleep
  int spinning = 0;  // workers looking for work
  std::uint32_t alive = 0;
  std::uint64_t worker_wakes = 0;   // OS wakeups of a sleeping worker (wake_one on its word)
  int io_waiters = 0;               // fibers parked in an rt::net socket call
  bool sleeping_in_poller = false;  // a worker sleeps in the netpoller (Poller::wait may block)
  std::uint64_t net_events = 0;     // events the netpoller handled
  int blocking_threads = 0;         // threads rt::sched::blocking started (they live on)
  int machines = 0;                 // OS threads that run workers: one per worker, plus spares
  std::uint64_t machine_wakes = 0;  // OS wakeups of a spare thread or of a locked fiber's thread
};

// One counter summed over the workers: total(runtime.stats(), &WorkerStats::steals).
inline std::uint64_t total(const Stats& stats, std::uint64_t WorkerStats::*counter) {
  std::uint64_t sum = 0;
  for (const auto& worker : stats.workers) sum += worker.*counter;
  return sum;
}

class Runtime {
 public:
  // Starts the workers. Throws rt::OsError if the OS refuses a thread (none is left running).
  explicit Runtime(Options options = {});
  // Waits until every fiber finished, then stops and joins the workers.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // ANY thread: a new fiber, runnable at once. From a worker it goes on that worker's queue
  // (runnext is left alone: the spawner keeps its turn); from elsewhere, on the global queue.
  // Throws rt::OsError (StackRefused) if no stack can be had.
  template <typename Body>
  JoinHandle spawn(rt::fiber::FiberOptions options, Body&& body) {
    return spawn_function(std::move(options), rt::fiber::to_function(std::forward<Body>(body)));
  }

  // ANY thread (not a fiber of this runtime): sleeps until no fiber is alive.
  void wait_until_idle();

  // ANY thread: shutdown, as chapter 4's Loop::cancel_all. Every fiber parked in an rt::net
  // call (a socket operation, rt::net::sleep_for) resumes with rt::net::Cancelled, and every
  // such call made afterwards throws it at once. On IOCP a fiber parked on I/O resumes once
  // its cancelled operation completed (the kernel owns its buffer until then). Fibers parked
  // elsewhere (channels, this_fiber::sleep_for, park) are not touched. Idempotent.
  void cancel_all();
  bool cancelled() const noexcept;

  int workers() const noexcept;
  const Knobs& knobs() const noexcept;
  Stats stats() const;

  detail::RuntimeImpl& impl() noexcept { return *impl_; }

 private:
  JoinHandle spawn_function(rt::fiber::FiberOptions options, std::function<void()> body);
  std::unique_ptr<detail::RuntimeImpl> impl_;
};

// ANY thread: makes a parked fiber runnable. The fiber may be still on its way to parking (it
// announced the park somewhere and has not switched away yet): the park then returns at once.
// Precondition: exactly one unpark per park (checked where it can be: unparking a runnable or
// finished fiber stops the process). Between announcing its park (publishing current()) and
// calling park(), a fiber must not switch: no yield(), and no preemption check point (a
// channel operation, an rt::net call, preemption_point()), since a preemption there would
// lose an unpark that came first, or see one come while the fiber is queued. With
// asynchronous preemption on (Options::async_preempt), hold a this_fiber::NoPreemption across
// that window, or a preemption may fall between its two ends. Returns true if
// that woke a sleeping worker (an OS wakeup).
bool unpark(Fiber& fiber);

namespace this_fiber {
// Precondition for all: called on a fiber of a Runtime (checked).
void yield();  // to the back of the worker's queue
void park();   // until someone calls unpark(current())
// A preemption check point (Options::preempt_after): yields, to the global queue, if the
// monitor asked this fiber to; otherwise two loads. For loops that make no other check point.
void preemption_point();
Fiber& current();
const std::string& name();
int worker();  // the index of the worker running the caller now
Runtime& runtime();
void sleep_until(rt::Clock::time_point at);
void sleep_for(rt::Clock::duration d);
template <typename Body>
JoinHandle spawn(rt::fiber::FiberOptions options, Body&& body) {
  return runtime().spawn(std::move(options), std::forward<Body>(body));
}
// True on a fiber of a Runtime (any thread may ask).
bool on_fiber() noexcept;

// A region of a fiber's own code that asynchronous preemption must leave alone (the runtime's
// calls and chapter 5's channel operations are such regions already): one that holds an OS
// lock another fiber of its worker may wait for (a std::mutex, a function-local static's
// initialisation), or a park window of its own (between publishing current() and park()).
// Regions nest; check points inside still yield. Off a fiber: does nothing.
class NoPreemption {
 public:
  NoPreemption() noexcept;  // out of line: it must not itself be preempted (preempt.hpp)
  // Inline: once in the region, nothing can move the fiber, and the count is its own.
  ~NoPreemption() {
    if (count_ != nullptr) detail::leave_region(*count_);
  }
  NoPreemption(const NoPreemption&) = delete;
  NoPreemption& operator=(const NoPreemption&) = delete;

 private:
  std::atomic<int>* count_;  // the fiber's region count, wherever it runs when the region ends
};
}  // namespace this_fiber

// Whether this build can preempt asynchronously (Options::async_preempt): Linux, macOS and
// Windows on x86-64 and ARM64, except under ThreadSanitizer, which delivers a signal late, at a
// point of its own choosing, where the interrupted code can no longer be switched out, and
// under clang's AddressSanitizer, which links its runtime (its allocator, its interceptors)
// into the executable, where that code would count as the program's own (GCC's is a shared
// library: there it preempts).
bool async_preemption_available() noexcept;

// A call at a time, made by a worker between fibers: what a channel's deadline needs. The
// callback runs at most once, never before `at`, and never after cancel() returned or the
// Alarm was destroyed; it must not throw and may unpark fibers. set() on a fiber of a Runtime.
class Alarm {
 public:
  Alarm() = default;
  Alarm(const Alarm&) = delete;
  Alarm& operator=(const Alarm&) = delete;
  ~Alarm() { cancel(); }
  void set(rt::Clock::time_point at, void (*on_fire)(void* context), void* context);
  void cancel() noexcept;

 private:
  detail::RuntimeImpl* runtime_ = nullptr;
  rt::net::Timer timer_;  // chapter 4's heap entry, in the runtime's heap while armed
};

}  // namespace rt::sched
