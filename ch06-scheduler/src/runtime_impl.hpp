// The runtime's insides: the workers (Go's Ps: a run queue and what goes with it), the machines
// (Go's Ms: the OS threads that run a worker's loop while they hold it), the global queue, the
// idle list, the spinning count and the timer heap. Private to src/ (and the tests that look
// inside).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fiber.hpp"
#include "netpoll.hpp"
#include "preempt.hpp"
#include "rt/clock.hpp"
#include "rt/fiber/exception_state.hpp"
#include "rt/fiber/stack.hpp"
#include "rt/os/thread.hpp"
#include "rt/sched/run_queue.hpp"
#include "rt/sched/runtime.hpp"
#include "timer_queue.hpp"  // chapter 4's heap (ch04-echo-server/src)
#include "trace.hpp"

namespace rt::sched::detail {

struct RuntimeImpl;
class BlockingPool;  // blocking_pool.hpp (complete where a RuntimeImpl is made and destroyed)

// Every live fiber, for debuggers (gdb/sched.py: `info fibers`), as Go's allgs. One list per
// worker and one for fibers spawned off the workers, each under its own mutex, so that spawns
// on different workers do not contend. A fiber stays in the list it was spawned into, wherever
// it runs, until it finishes.
struct FiberList {
  void insert(Fiber& fiber);
  void remove(Fiber& fiber) noexcept;
  std::mutex lock;
  Fiber* head = nullptr;
};

struct Machine;

// What a fiber that switched back to its machine's loop wants done with it.
enum class After {
  nothing,
  yield,
  preempted,
  park,
  finish,
  lost_worker,  // it left a blocking region and found its worker handed to another machine
  move_on,      // it locked itself to another machine (ThreadLocker::lock): take it there
  move_off,     // it unlocked from a machine that stays locked: back to any worker
};

// A worker (Go's P): a run queue, the right to run fibers, and the state of its loop. One
// machine holds it at a time and runs its loop (Machine::run); a machine whose fiber blocks
// in the OS (enter_blocking) lets go of it, and the monitor may hand it to another machine.
struct Worker {
  Worker(RuntimeImpl& runtime, int index);

  Fiber* find_runnable();
  Fiber* take_local();
  Fiber* steal();
  static void let_the_victim_run();  // Go's usleep(3) before taking a busy victim's runnext
  Fiber* sleep();                    // nullptr: look again
  void commit_park(Fiber* fiber);
  void finish(Fiber* fiber);
  void push_local(Fiber* fiber);
  void ready_next(Fiber* fiber);  // into runnext; the displaced one goes to the ring
  void wait_for_wake(rt::Clock::time_point until);  // until: max() for no timeout
  // Sleeps in the netpoller instead (netpoll.hpp); false if another worker polls already.
  bool wait_in_poller(rt::Clock::time_point until);
  // Polls the netpoller (if nobody else does): the first fiber it readied, the rest queued here.
  Fiber* poll_network(std::optional<std::chrono::milliseconds> timeout);
  Fiber* queue_polled();  // the fibers in `polled`: the first to run, the rest to the ring
  void start_spinning();
  void stop_spinning();

  RuntimeImpl& runtime;
  const int index;
  LocalQueue queue;
  rt::fiber::StackPool stacks{256, 64};
  Fiber* running = nullptr;  // the fiber this worker runs (for its fibers and for debuggers)
  // From its first fiber until it joins the idle list (Go: its P is _Prunning), including the
  // moment between a fiber's switch back and the next pick: thieves leave its runnext alone
  // for ~3 us then, since the worker is about to run it. relaxed: a hint.
  std::atomic<bool> busy{false};
  // The monitor's request (Options::preempt_after): the value of `runs` during the run it
  // wants to end. A check point compares it with `runs`: a request for a run that already
  // ended (the worker ran others since) never matches. relaxed: a request is a hint.
  std::atomic<std::uint64_t> preempt_run{0};
  // Go's _Psyscall: its machine's fiber is inside a blocking region (enter_blocking) and the
  // worker is up for grabs. Lowered by a CAS, by whichever comes first: the fiber's
  // exit_blocking (it keeps the worker) or the monitor (it hands the worker to another
  // machine). acq_rel: the worker's plain fields pass from one machine to the next through it.
  std::atomic<bool> in_blocking{false};
  // Go's syscalltick: counts blocking regions, so that the monitor tells a long one from two
  // short ones. Written by the holding machine, read by the monitor.
  std::atomic<std::uint64_t> blocking_regions{0};
  // The id of the fiber in the blocking region (for the handoff's trace event: the fiber may
  // be gone by the time its new holder records it). Published by in_blocking's release.
  std::uint64_t blocked_fiber = 0;
  std::uint64_t region_seen = 0;  // the monitor's: the last region it saw, and since when
  rt::Clock::time_point region_seen_since{};

  // The worker's sleep: it waits in the OS address wait (or in the netpoller: in_poller) while
  // this is 0; a waker stores 1, then wakes whichever it sleeps in (RuntimeImpl::wake_worker).
  std::atomic<std::uint32_t> wake_word{0};
  std::atomic<bool> in_poller{false};
  std::vector<Fiber*> polled;  // what the last poll readied
  // The cooperative budget of rt::net calls that finished at once (netpoll.cpp).
  Fiber* budget_owner = nullptr;
  int budget_left = 0;
  // Looking for work and counted in RuntimeImpl::spinning. Written by the worker, and by a
  // waker that takes it off the idle list: under the lock, where the worker also lowers it as
  // it joins the list, so each raised flag stands for one count.
  bool spinning = false;
  bool on_idle_list = false;  // under RuntimeImpl::lock
  Worker* next_idle = nullptr;

  std::uint32_t tick = 0;
  std::uint64_t random_state;
  bool in_runnext_streak = false;
  std::uint32_t streak_runs = 0;
  rt::Clock::time_point streak_start{};
  std::array<Fiber*, LocalQueue::kCapacity / 2 + 1> batch{};

  FiberList fibers;  // the fibers spawned on this worker (for debuggers)

  // Counters for stats() and the monitor. runs, direct, steals, stolen, from_global, sleeps,
  // finished and preempted have one writer, the holding machine (count_own); the others,
  // several.
  std::atomic<std::uint64_t> runs{0}, direct{0}, steals{0}, stolen{0}, from_global{0}, sleeps{0},
      finished{0}, preempted{0}, interrupted{0}, handoffs{0}, pinned{0};
  // An increment by the counter's one writer: a load and a store. A fetch_add is a locked
  // instruction on x86-64 (some 20 cycles here), and `runs` counts every fiber switch: it
  // was 5% of an unbuffered ping-pong's time (perf annotate, 2026-12-07).
  static void count_own(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // The machine that runs its fiber now, or ran its last (the monitor's target for an
  // interruption, preempt.cpp): stored by that machine before each run. release: the machine's
  // ThreadTarget, taken before, comes with it.
  std::atomic<Machine*> run_by{nullptr};
  WorkerTrace trace;  // only its holding machine writes it; read after the machines stopped
  void record(TraceEvent event) { trace.events.push_back(event); }
};

// A machine (Go's M): an OS thread with its own stack, where a worker's loop runs while the
// machine holds the worker. One per worker at the start; the monitor adds one when it hands
// off a blocked worker and no spare machine is left. A machine without a worker is a spare:
// it sleeps until handed one, or until the runtime stops.
struct Machine {
  explicit Machine(RuntimeImpl& runtime) : runtime(runtime) {}

  // The thread's body: run its worker's fibers, and sleep as a spare while it has none.
  void run();
  void execute(Fiber* fiber);
  bool wait_for_worker();  // as a spare; false: the runtime stops
  // The running fiber parks: if its worker's own queue has a fiber for it, switches to that one
  // directly and returns true once the parked fiber runs again; false: the caller switches to
  // the loop (not the common case, or nothing queued here).
  bool park_by_direct_switch();

  RuntimeImpl& runtime;
  // The worker it holds: written by this machine, or by the monitor while the machine sleeps
  // as a spare (published by wake_word). nullptr inside a blocking region (Go's m.p).
  Worker* worker = nullptr;
  Worker* blocked_from = nullptr;  // the worker it left at enter_blocking (Go's m.oldp)
  rt::fiber::Context context;      // the thread's own stack, where the loop runs
  std::unique_ptr<rt::fiber::ThreadExceptionState> thread_exceptions;  // made on the thread
  Fiber* running = nullptr;  // the fiber it runs, even inside a blocking region
  After after = After::nothing;
  // park_by_direct_switch: the fiber that switched to the running one as it parked, whose park
  // the running one commits first thing (after_switch); and a fiber it took from the queue but
  // may not run here (locked to another machine), for the loop to deal with first.
  Fiber* parked_by_switch = nullptr;
  Fiber* next_from_park = nullptr;
  // Tracing: when the fiber's run span began (a blocking region ends one and begins another).
  std::int64_t run_started = 0;
  // A spare's sleep: it waits while this is 0; the monitor (with a worker) or the runtime's
  // end stores 1 and wakes it.
  std::atomic<std::uint32_t> wake_word{0};
  Machine* next_spare = nullptr;  // under RuntimeImpl::lock
  bool started_as_spare = false;  // under RuntimeImpl::lock: counted in spares_starting
  long os_thread_id = 0;          // Linux: the thread's id (gdb's LWP), for gdb/sched.py
  ThreadTarget target;            // for the monitor's interruptions (preempt.hpp), if on
  rt::os::Thread thread;

  // ---- fibers locked to it (lock_os_thread, ThreadLocker; locked.cpp) ----
  // A locked machine runs only its own fibers: the next one readied (next_locked) while it
  // holds a worker; when there is none, it hands the worker on (let_go_of_worker) and sleeps
  // (wait_as_locked) until a machine that takes one of its fibers from a run queue hands it
  // a worker with the fiber (receive).
  Fiber* next_locked();     // nullptr: none, or the worker's turn (it is idle_locked now)
  bool let_go_of_worker();  // to a spare (false: the runtime stops); marks a pin if one parked
  Fiber* wait_as_locked();  // asleep until handed a worker and a fiber; nullptr: the stop
  bool receive(Fiber* fiber, Worker& from);  // true: it took `from` (the caller lets go)
  bool take_if_running(Fiber* fiber);        // into `ready` unless idle_locked
  void requeue_locked(Fiber* fiber);         // into `ready`, by this machine
  // idle_locked, and what waits in `ready` to `holding`'s queue, or the global queue.
  void become_idle(Worker* holding);
  void push_ready(Fiber* fiber);  // under pin_lock

  std::mutex pin_lock;
  // Written by this machine only, under pin_lock; read by it anywhere, by others under it.
  bool locked = false;     // pinned != 0 || dedicated: it runs only fibers locked to it
  int pinned = 0;          // under pin_lock: fibers locked to it
  bool dedicated = false;  // a ThreadLocker's own thread: locked for life, even with no fiber
  // Under pin_lock: asleep without a worker (or about to be); its runnable fibers are all on
  // run queues then, where a worker finds them. While it is not, they wait in `ready`.
  bool idle_locked = false;
  Fiber* ready_head = nullptr;  // under pin_lock, linked by Fiber::next
  Fiber* ready_tail = nullptr;
  // What a machine that woke it hands it (receive): written under pin_lock before the release
  // store of wake_word, read after the acquire.
  Worker* handed_worker = nullptr;
  Fiber* handed_fiber = nullptr;
  // The slice: since when it has kept its worker for locked fibers only, counted in runs.
  rt::Clock::time_point locked_since{};
  std::uint32_t locked_runs = 0;
  bool check_slice = false;  // look at the clock at the next pick (after a preemption)
  bool slice_over = false;   // next_locked gave the worker its turn (not: nothing to run)
  // Under pin_lock: counts the times it became locked by lock_os_thread, so that a handle to
  // it from one such period (ThreadLocker::current) is refused in the next.
  std::uint64_t lock_period = 0;
  std::uint64_t last_ran = 0;  // the id of the fiber it ran last (a "pinned" event's)
};

struct RuntimeImpl {
  explicit RuntimeImpl(Runtime& owner, Options options);

  // Makes `fiber` (runnable) run soon: on the calling worker's runnext, or on the global queue
  // from outside; then wakes a worker if none is spinning.
  bool make_ready(Fiber* fiber);
  bool wakep();
  void wake_worker(Worker& worker);
  void global_push(std::span<Fiber* const> fibers);
  Fiber* global_take(Worker& worker, std::uint32_t most);  // the first; the rest to its ring
  Fiber* global_take_locked(Worker& worker, std::uint32_t most);
  bool any_work_queued() const noexcept;
  bool remove_idle(Worker& worker);  // under lock: true if it was on the idle list
  void fire_due_timers();
  // Whether a timer is due now (one load when none is queued; then the clock).
  bool timer_due() const noexcept;
  void add_timer(rt::net::Timer& timer);
  void remove_timer(rt::net::Timer& timer) noexcept;
  void fiber_finished() noexcept;
  // Stop and join the monitor and schedtrace threads, then the workers (those started).
  void stop_helpers();
  void stop_workers();
  // The monitor's handoff (handoff.cpp), for a worker seen in a blocking region: retake
  // notes the region, and once it has lasted Options::handoff_after, hand_off gives the worker
  // to a spare machine if Go's conditions for it hold. True if either did something.
  bool retake(Worker& worker, rt::Clock::time_point now);
  bool hand_off(Worker& worker, rt::Clock::time_point since, rt::Clock::time_point now);
  // A new machine and its thread, holding `worker` (nullptr: a spare, or a ThreadLocker's
  // dedicated machine); throws rt::OsError. nullptr: the runtime stops (stop_workers).
  Machine* start_machine(Worker* worker, rt::os::ThreadOptions thread_options,
                         bool dedicated = false);
  // `worker` to a spare machine, or to one started for it (locked.cpp); false: the runtime
  // stops. The OS refusing the thread stops the process, as it does Go's.
  bool give_to_spare(Worker& worker);
  Machine* pop_spare_locked();                  // under lock; nullptr if none
  std::atomic<std::uint64_t> machine_wakes{0};  // OS wakeups of a spare or a locked machine

  Runtime& owner;
  const Options options;
  const int worker_count;
  const int max_spinning;
  std::vector<std::unique_ptr<Worker>> workers;
  // Every machine made, under machines_lock (the monitor and locked machines add to it while
  // the workers run; stop_workers closes it).
  std::mutex machines_lock;
  std::vector<std::unique_ptr<Machine>> machines;
  bool machines_closed = false;       // under machines_lock
  Machine* spare_head = nullptr;      // under lock
  std::atomic<int> machine_count{0};  // machines.size(), for stats() without the lock
  // Spares the monitor started that have not joined the spare list yet (under lock): it starts
  // no other while one is on its way (a thread takes longer than a monitor round to start).
  int spares_starting = 0;

  // The scheduler's mutex: the global queue and the idle list (Go's sched.lock).
  std::mutex lock;
  Fiber* global_head = nullptr;
  Fiber* global_tail = nullptr;
  std::atomic<std::uint32_t> global_size{0};  // written under lock; read without it
  Worker* idle_head = nullptr;
  std::atomic<int> idle{0};      // written under lock
  std::atomic<int> spinning{0};  // Go's nmspinning
  // Go's needspinning: a wakep found nobody to wake; the next worker that would sleep without
  // spinning spins instead. Set under lock; cleared by whoever starts spinning.
  std::atomic<bool> need_spinning{false};

  std::atomic<bool> stopping{false};
  std::atomic<std::uint32_t> alive{0};  // fibers not finished; the destructor waits on it
  std::atomic<std::uint64_t> worker_wakes{0};
  std::atomic<std::uint64_t> next_fiber_id{1};
  FiberList outside_fibers;  // the fibers spawned off this runtime's workers (for debuggers)
  RuntimeImpl* next_runtime = nullptr;  // in `runtimes` (below), while the Runtime lives
  // Calls of unpark() made from outside this runtime's workers and not yet returned; ~Runtime
  // waits for zero before it frees anything (runtime.cpp, unpark).
  std::atomic<std::uint32_t> wakers_inside{0};

  // Options::trace_file / timeline_out: every worker records into its own WorkerTrace.
  const bool tracing;
  const rt::Clock::time_point trace_start = rt::Clock::now();
  std::int64_t trace_now() const noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(rt::Clock::now() - trace_start)
        .count();
  }
  void write_trace() const;

  // Timers: chapter 4's heap under a mutex. The earliest deadline is mirrored in next_timer_ns
  // (max: none) so that a worker checks for due timers with one load. The watcher is the
  // sleeping worker that sleeps until that deadline (the others sleep without a timeout).
  std::mutex timer_lock;
  rt::net::TimerQueue timers;
  std::atomic<std::int64_t> next_timer_ns{std::numeric_limits<std::int64_t>::max()};
  std::atomic<Worker*> timer_watcher{nullptr};

  // The netpoller: rt::net's sockets and sleeps on this runtime's fibers.
  std::unique_ptr<NetPoller> net;
  // rt::sched::blocking's threads; destroyed (closed and joined) once no fiber is alive.
  std::unique_ptr<BlockingPool> blocking;

  // The schedtrace thread (Options::schedtrace), if on; it sleeps on trace_stop until the
  // next line is due or the destructor stores 1.
  void schedtrace(std::chrono::milliseconds interval);
  std::atomic<std::uint32_t> trace_stop{0};
  rt::os::Thread trace_thread;

  // The monitor thread (Go's sysmon; monitor.cpp), if Options::preempt_after or
  // Options::handoff_after is not zero. It sleeps on monitor_stop between rounds, until the
  // destructor stores 1.
  void monitor();
  std::atomic<std::uint32_t> monitor_stop{0};
  rt::os::Thread monitor_thread;
  // The monitor's sleep while every worker is idle (runtime.cpp): it raises monitor_sleeping,
  // looks at `idle` again, and sleeps on monitor_wake; a worker leaving its sleep lowers the
  // flag and stores 1 there (wake_monitor), as does the stop.
  bool sleep_while_all_idle();
  void wake_monitor();
  std::atomic<bool> monitor_sleeping{false};
  std::atomic<std::uint32_t> monitor_wake{0};
  std::atomic<std::uint64_t> monitor_sleeps{0};  // for the tests
  // Options::async_preempt, where this build can (preempt.hpp): the monitor interrupts a run
  // it asked to end, besides asking.
  bool async_preempt = false;
  std::atomic<std::uint64_t> preempt_requests{0};  // runs asked to end, per round (the tests')
  bool machine_refused = false;  // the monitor's: it said once that the OS refused a thread
};

// Every Runtime alive, linked through next_runtime, under runtimes_lock: where a debugger
// (gdb/sched.py) starts, as Go's allgs is where its own gdb script starts.
extern std::mutex runtimes_lock;
extern RuntimeImpl* runtimes;

// One schedtrace line (without the newline), for the trace thread and the tests.
std::string schedtrace_line(const Stats& stats, std::chrono::milliseconds since_start);

// Stops the process with "rt::sched: <message><detail>".
[[noreturn]] void fail(const char* message, const std::string& detail = "");
// An exception ended a fiber whose handle is gone: stops the process naming both.
[[noreturn]] void fail_unjoined(const Completion& completion);
// The first function on a new fiber's stack (machine.cpp).
void fiber_start(void* fiber);
// The running fiber switches to its machine's loop, which does `what` with it; `call` names
// the caller in the message if it is not on a fiber (fiber_api.cpp).
void leave_worker(After what, const char* call);
// What a fiber does first whenever it runs again after a switch (and a new fiber first of
// all): if another fiber switched to it directly as it parked, commits that one's park
// (machine.cpp).
void after_switch();
// A fiber that finishes locked to its machine unlocks (locked.cpp).
void unlock_finished(Fiber& fiber);

inline constexpr std::int64_t kNoTimer = std::numeric_limits<std::int64_t>::max();
inline std::int64_t to_ns(rt::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// unpark()'s first half: a parked fiber becomes runnable (true: the caller queues it); one still
// on its way to parking is marked unpark_pending (false: its worker runs it again itself).
bool claim_parked(Fiber& fiber);

// The machine the calling thread is (nullptr on other threads), and the worker it holds
// (nullptr also inside a blocking region). Out of line and never inlined: a fiber that parked
// on one machine may resume on another, so the thread_local's address must be computed anew
// after every switch, not cached by the compiler across one.
Machine* current_machine() noexcept;
Worker* current_worker() noexcept;
// The worker running the calling fiber. Called off a fiber of a Runtime, it stops the process
// with "<call> was called outside a fiber of a Runtime".
Worker& worker_of_running_fiber(const char* call);

}  // namespace rt::sched::detail
