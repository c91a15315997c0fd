// What an OS thread costs, measured: the figures chapter 1 teaches and later chapters
// compare against (chapter 3's fibers, chapter 4's connections).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "rt/os/system.hpp"

namespace rt::os {

// How one thread hands a token to another and waits for it back.
enum class Handoff {
  condition_variable,  // std::mutex + std::condition_variable: the classic
  atomic_wait,         // C++20 std::atomic<T>::wait/notify_one: the standard's portable
                       // address wait (see kStdAtomicWaitIsReliable)
  address_wait,        // the OS primitive directly: futex, WaitOnAddress (address_wait.hpp)
};

inline constexpr Handoff kAllHandoffs[] = {Handoff::condition_variable, Handoff::atomic_wait,
                                           Handoff::address_wait};

const char* to_string(Handoff handoff);

// False where this build cannot measure `handoff` (std::atomic::wait on MinGW's libstdc++);
// `why` then says so in a sentence.
bool available(Handoff handoff, const char** why = nullptr);

struct PingPongResult {
  std::uint64_t round_trips = 0;
  double round_trip_ns = 0;  // mean wall time of one round trip
  // Context switches the whole run caused, process-wide; nullopt where the OS cannot tell.
  std::optional<ContextSwitches> switches;
};

// Two threads pass a token back and forth `round_trips` times through `handoff`. With
// `cpu` set, both threads are pinned to that one CPU, so every handoff is a real context
// switch on that CPU; otherwise the OS places them (on two idle CPUs the waiter may spin and
// never sleep). Throws rt::OsError if a thread cannot be created or pinned.
// Precondition: available(handoff).
PingPongResult ping_pong(Handoff handoff, std::uint64_t round_trips,
                         std::optional<int> cpu = std::nullopt);

struct SpawnJoinResult {
  std::vector<double> samples_ns;  // one per thread: create, run an empty body, join
};

// Creates and joins `count` threads one at a time, each with `stack_size` bytes of stack
// (0: the platform default). `on_progress(done)` is called after each thread, if given.
SpawnJoinResult spawn_join(std::size_t count, std::size_t stack_size,
                           void (*on_progress)(std::size_t done, void* context) = nullptr,
                           void* context = nullptr);

// Hands `count` empty tasks, one at a time, to a ThreadPool of one worker and waits for
// each to finish: what a task costs where the thread already exists (a wakeup of a sleeping
// worker and one back), beside spawn_join's create + join. One sample per task.
std::vector<double> pool_task(std::size_t count);

struct MemoryPerThread {
  std::size_t threads = 0;             // how many were alive when measured
  std::size_t stack_reserved = 0;      // address space one thread's stack reserves
  std::optional<double> resident;      // process resident-set growth per thread
  std::optional<double> kernel_stack;  // Linux: KernelStack growth per thread (system-wide)
};

// Starts `count` threads that wait, all alive at once, on a latch; measures, then releases
// and joins them. Throws rt::OsError (after joining the threads it did start) if the OS
// refuses one.
MemoryPerThread memory_per_thread(std::size_t count, std::size_t stack_size);

}  // namespace rt::os
