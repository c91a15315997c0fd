// A runtime's life: its options checked, its making (the workers, the monitor and schedtrace
// threads) and its end, a fiber's making and end, and the lists debuggers read (gdb/sched.py).
#include "rt/sched/runtime.hpp"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "blocking_pool.hpp"
#include "rt/os/address_wait.hpp"
#include "runtime_impl.hpp"

namespace rt::sched {

namespace detail {

std::mutex runtimes_lock;
RuntimeImpl* runtimes = nullptr;

void FiberList::insert(Fiber& fiber) {
  std::lock_guard guard(lock);
  fiber.list = this;
  fiber.list_next = head;
  if (head != nullptr) head->list_prev = &fiber;
  head = &fiber;
}

void FiberList::remove(Fiber& fiber) noexcept {
  std::lock_guard guard(lock);
  if (fiber.list_prev != nullptr) {
    fiber.list_prev->list_next = fiber.list_next;
  } else {
    head = fiber.list_next;
  }
  if (fiber.list_next != nullptr) fiber.list_next->list_prev = fiber.list_prev;
  fiber.list = nullptr;
}

namespace {
Options checked(Options options) {
  if (options.blocking_threads < 1) {
    throw std::invalid_argument("rt::sched::Runtime: " + std::to_string(options.blocking_threads) +
                                " blocking threads (it must be 1 or more)");
  }
  if (options.preempt_after.count() < 0) {
    throw std::invalid_argument("rt::sched::Runtime: preempt_after of " +
                                std::to_string(options.preempt_after.count()) +
                                " us (it must be 0, off, or more)");
  }
  if (options.handoff_after.count() < 0) {
    throw std::invalid_argument("rt::sched::Runtime: handoff_after of " +
                                std::to_string(options.handoff_after.count()) +
                                " us (it must be 0, off, or more)");
  }
  if (options.budget < 1) {
    throw std::invalid_argument("rt::sched::Runtime: a budget of " +
                                std::to_string(options.budget) + " calls (it must be 1 or more)");
  }
  return options;
}
}  // namespace

RuntimeImpl::RuntimeImpl(Runtime& owner_, Options options_)
    : owner(owner_),
      options(checked(std::move(options_))),
      worker_count(options.workers > 0 ? options.workers : rt::os::usable_cpu_count()),
      max_spinning(options.knobs.max_spinning >= 0 ? options.knobs.max_spinning
                                                   : std::max(1, worker_count / 2)),
      tracing(!options.trace_file.empty() || options.timeline_out != nullptr) {
  workers.reserve(static_cast<std::size_t>(worker_count));
  for (int i = 0; i < worker_count; ++i) workers.push_back(std::make_unique<Worker>(*this, i));
  net = std::make_unique<NetPoller>(*this);
  async_preempt =
      options.async_preempt && options.preempt_after.count() > 0 && prepare_async_preemption();
  blocking = std::make_unique<BlockingPool>(options.name, options.blocking_threads);
}

void RuntimeImpl::stop_helpers() {
  auto stop = [](std::atomic<std::uint32_t>& word, rt::os::Thread& thread) {
    if (!thread.joinable()) return;
    word.store(1, std::memory_order_release);
    rt::os::wake_one(word);
    thread.join();
  };
  if (monitor_thread.joinable()) {
    // The word first, then the wakes: the monitor may sleep in its round or, every worker
    // idle, on monitor_wake (sleep_while_all_idle), and looks at monitor_stop after either.
    // Waking first and storing after let it take the wake, go round once more and sleep
    // for good (a hang in 3 of 4 loaded runs of a blocking test, found so).
    monitor_stop.store(1, std::memory_order_release);
    monitor_wake.store(1, std::memory_order_release);
    rt::os::wake_one(monitor_wake);
  }
  stop(monitor_stop, monitor_thread);
  stop(trace_stop, trace_thread);
}

Machine* RuntimeImpl::start_machine(Worker* worker, rt::os::ThreadOptions thread_options,
                                    bool dedicated) {
  auto made = std::make_unique<Machine>(*this);
  Machine& machine = *made;
  machine.worker = worker;
  if (dedicated) {  // a ThreadLocker's: locked for life, asleep until one of its fibers comes
    machine.locked = machine.dedicated = machine.idle_locked = true;
  }
  // Under machines_lock, the thread made too: stop_workers closes the list under it and then
  // joins every thread in it, so none is added, or half made, while it does.
  std::lock_guard made_guard(machines_lock);
  if (machines_closed) return nullptr;
  if (worker == nullptr && !dedicated) {
    std::lock_guard guard(lock);
    machine.started_as_spare = true;
    ++spares_starting;
  }
  try {
    machine.thread = rt::os::Thread(thread_options, [&machine] { machine.run(); });
  } catch (...) {
    if (machine.started_as_spare) {  // the OS refused the thread: the machine goes again
      std::lock_guard guard(lock);
      --spares_starting;
    }
    throw;
  }
  machines.push_back(std::move(made));
  machine_count.fetch_add(1, std::memory_order_relaxed);
  return &machine;
}

// No fiber is alive and the monitor has stopped: every machine holds a worker and sleeps
// (woken through the worker) or is a spare (woken here), and none is made from now on.
void RuntimeImpl::stop_workers() {
  stopping.store(true, std::memory_order_release);
  for (auto& worker : workers) wake_worker(*worker);
  {
    std::lock_guard guard(lock);
    while (Machine* spare = spare_head) {
      spare_head = spare->next_spare;
      spare->wake_word.store(1, std::memory_order_release);  // with no worker: stop
      rt::os::wake_one(spare->wake_word);
    }
  }
  {
    std::lock_guard guard(machines_lock);
    machines_closed = true;
  }
  // A machine asleep with its locked fibers (a ThreadLocker's, with none left): without a
  // worker, it stops (wait_as_locked). One going to sleep after this look saw `stopping`
  // before it slept, under `lock` (give_to_spare), and stops instead.
  for (auto& machine : machines) {
    std::lock_guard guard(machine->pin_lock);
    if (!machine->idle_locked) continue;
    machine->idle_locked = false;
    machine->wake_word.store(1, std::memory_order_release);
    rt::os::wake_one(machine->wake_word);
  }
  for (auto& machine : machines) {
    if (machine->thread.joinable()) machine->thread.join();
  }
}

}  // namespace detail

using detail::Worker;

Fiber::Fiber(detail::RuntimeImpl& runtime_, std::string name, rt::fiber::Stack stack_,
             std::function<void()> body_, std::shared_ptr<detail::Completion> completion_) noexcept
    : runtime(runtime_),
      name_(std::move(name)),
      stack(std::move(stack_)),
      body(std::move(body_)),
      completion(std::move(completion_)) {
  context = rt::fiber::make_context(stack, detail::kFiberRecordBytes, &detail::fiber_start, this);
}

Fiber::~Fiber() {
  // Its stack holds this record: whoever ends a fiber moves the stack out first (Worker::finish).
  assert(stack.usable().empty());
  if (list != nullptr) list->remove(*this);
  rt::fiber::destroy_context(context);
}

Runtime::Runtime(Options options) : impl_(std::make_unique<detail::RuntimeImpl>(*this, options)) {
  detail::RuntimeImpl& impl = *impl_;
  // The CPUs this process was given (`taskset -c 2,3`: 2 and 3), for `pin`.
  const std::vector<int> cpus = impl.options.pin ? rt::os::usable_cpus() : std::vector<int>{};
  auto interval = impl.options.schedtrace;
  if (interval.count() == 0) {
    if (const char* env = std::getenv("RT_SCHEDTRACE")) {
      interval = std::chrono::milliseconds(std::strtol(env, nullptr, 10));
    }
  }
  try {
    for (auto& worker : impl.workers) {
      rt::os::ThreadOptions thread_options;
      thread_options.name = impl.options.name + "-" + std::to_string(worker->index);
      if (impl.options.pin) thread_options.cpu = cpus[worker->index % cpus.size()];
      if (impl.options.cpu) thread_options.cpu = impl.options.cpu;
      impl.start_machine(worker.get(), thread_options);
    }
    if (interval.count() > 0) {
      impl.trace_thread = rt::os::Thread({.name = impl.options.name + "-trace"},
                                         [&impl, interval] { impl.schedtrace(interval); });
    }
    if (impl.options.preempt_after.count() > 0 || impl.options.handoff_after.count() > 0) {
      impl.monitor_thread =
          rt::os::Thread({.name = impl.options.name + "-monitor"}, [&impl] { impl.monitor(); });
    }
  } catch (...) {  // the OS refused a thread: none of ours is left running
    impl.stop_helpers();
    impl.stop_workers();
    throw;
  }
  std::lock_guard guard(detail::runtimes_lock);
  impl.next_runtime = detail::runtimes;
  detail::runtimes = &impl;
}

Runtime::~Runtime() {
  wait_until_idle();
  detail::RuntimeImpl& impl = *impl_;
  {
    std::lock_guard guard(detail::runtimes_lock);
    detail::RuntimeImpl** link = &detail::runtimes;
    while (*link != &impl) link = &(*link)->next_runtime;
    *link = impl.next_runtime;
  }
  // A thread that woke the last fiber may still be inside unpark() (see there): a few
  // instructions and a futex wake, so a yield loop, not a sleep.
  while (impl.wakers_inside.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  impl.stop_helpers();  // first: the schedtrace thread reads the stats, the pool's among them
  // Then the pool: no fiber is alive, so no call is queued or running, and no pool thread is
  // still inside the unpark of its last reply (the wait above); they only have to end.
  impl.blocking.reset();
  impl.stop_workers();
  if (impl.tracing) impl.write_trace();
}

}  // namespace rt::sched
