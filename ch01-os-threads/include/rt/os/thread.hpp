// rt::os::Thread: one OS thread, with the knobs std::thread does not offer.
//
// std::thread always uses the platform's default stack (8 MiB reserved on Linux, 512 KiB on
// macOS secondary threads, 1 MiB on Windows) and cannot name or pin the thread. This
// wrapper can, so chapter 1 can measure what a thread really costs and later chapters can
// pin worker threads:
//
//   rt::os::Thread worker({.stack_size = 64 * 1024, .name = "worker-0", .cpu = 1},
//                         [] { /* runs on the new thread */ });
//   worker.join();
//
// Contract:
// - The constructor returns once the OS has created the thread; the options have taken
//   effect before `body` runs (stack size, name, CPU affinity), so `body` may check them.
// - Errors (the OS refusing a thread: too many threads, no memory for the stack, a CPU
//   that does not exist) throw rt::OsError naming the failing call; no thread then exists.
// - Like std::jthread, destroying a joinable Thread joins it. An exception escaping `body`
//   calls std::terminate, as with std::thread.
// - Not copyable; movable. join() may be called once, from any other thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rt::os {

struct ThreadOptions {
  // Bytes of stack to reserve; 0 means the platform default. Rounded up to a whole number
  // of pages and to the OS minimum (PTHREAD_STACK_MIN, 16 KiB on Linux x86-64).
  std::size_t stack_size = 0;
  // Shown by debuggers, top -H, /proc/<pid>/task/*/comm, Process Explorer. Linux keeps at
  // most 15 bytes; longer names are truncated, not refused.
  std::string name;
  // Run only on this CPU (0-based). Not supported on macOS, which has affinity *hints* only;
  // there it throws rt::OsError with ENOTSUP.
  std::optional<int> cpu;
};

class Thread {
 public:
  Thread() noexcept;  // not joinable (out of line: Handle is complete only there)
  Thread(const ThreadOptions& options, std::function<void()> body);
  ~Thread();
  Thread(Thread&& other) noexcept;
  Thread& operator=(Thread&& other) noexcept;
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;

  bool joinable() const noexcept { return handle_ != nullptr; }
  // Waits for the thread to finish. Precondition: joinable(), and not called from the
  // thread itself.
  void join();

 private:
  struct Handle;  // the platform's thread handle (thread_posix.cpp, thread_win32.cpp)
  std::unique_ptr<Handle> handle_;
};

// About the calling thread.
namespace this_thread {
// The name set through ThreadOptions (or by the OS), as the OS reports it.
std::string name();
// The usable stack size of the calling thread, as the OS reports it: for a Thread this is
// at least ThreadOptions::stack_size. nullopt if the OS cannot tell.
std::optional<std::size_t> stack_size();
// The CPU the calling thread runs on right now (it may move unless pinned).
int current_cpu();
}  // namespace this_thread

// CPUs online: the CPU numbers ThreadOptions::cpu accepts are below it (not all of them need
// be usable: see usable_cpu_count()).
int cpu_count();

// How many CPUs this process may run on: its affinity mask on Linux (the initial thread's,
// which `taskset` sets; a Thread pinned through ThreadOptions::cpu changes only its own) and
// on Windows; on macOS, which has no affinity masks, cpu_count(). What decides whether
// spinning can pay: with one CPU to run on, a spinning waiter only delays the thread it waits
// for. Go sizes GOMAXPROCS the same way.
int usable_cpu_count();

// The CPU numbers themselves, ascending (usable_cpu_count() of them): what to pin threads to
// when a process was given some CPUs (`taskset -c 2,3`: CPUs 2 and 3, not 0 and 1).
std::vector<int> usable_cpus();

// Whether ThreadOptions::cpu can pin a thread on this OS (false on macOS, which has
// affinity hints only). Code that pins for a measurement checks this first.
bool supports_pinning();

}  // namespace rt::os
