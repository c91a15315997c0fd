// The commands of chapter 5, one function each; commands.cpp maps subcommands onto them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rt/cli.hpp"
#include "rt/output.hpp"

namespace ch05 {

const rt::cli::Program& program();

// `bridge`: the source article's program. A producer thread sends 1..5 into a T2C channel of
// capacity 2, pausing between sends; a consumer fiber on a loop receives and "processes"
// each; the whole run has a deadline. Three runs: as is, with a consumer too slow for the
// deadline (timed out), and with a cancellation (cancelled). `time_scale` multiplies every
// duration (the article's: 100 ms pauses, a 2 s deadline).
struct BridgeOptions {
  double time_scale = 1.0;
};
void bridge(const BridgeOptions& options, rt::Output& out);

// `modes`: the four modes side by side: messages moved, parks, OS wakeups.
struct ModesOptions {
  std::size_t messages = 200'000;
  std::size_t capacity = 1024;
  bool json = false;
};
void modes(const ModesOptions& options, rt::Output& out);

// `burst`: a thread sends bursts into a fiber (T2C); wakeups per message against the burst
// size, with the batched notifier and with the naive one.
struct BurstOptions {
  std::vector<std::size_t> burst_sizes = {1, 10, 100, 1000};
  std::size_t messages = 20'000;  // per burst size and notifier
  bool json = false;
};
void burst(const BurstOptions& options, rt::Output& out);

// `pipeline`: the article's load balancer: control thread -> dispatcher fiber (T2C) ->
// worker fibers (C2C) -> logger thread (C2T); each hop's messages and wakeups.
struct PipelineOptions {
  std::uint64_t commands = 200'000;
  int workers = 4;
  std::uint64_t work = 200;  // iterations of arithmetic per command
  bool json = false;
};
void pipeline(const PipelineOptions& options, rt::Output& out);

// `syscall-server`: fibers using a thread-bound resource, through its thread (C2T + T2C)
// against on its thread's loop (C2C + C2C); the cost per request of each.
struct SyscallServerOptions {
  int fibers = 4;
  int requests = 20'000;  // per fiber
  bool json = false;
};
void syscall_server(const SyscallServerOptions& options, rt::Output& out);

// `select`: a fiber waits on data from its own loop (C2C) and commands from a thread (T2C)
// at once, with a deadline per wait. `time_scale` multiplies every pause and deadline.
struct SelectDemoOptions {
  double time_scale = 1.0;
};
void select_demo(const SelectDemoOptions& options, rt::Output& out);

// `bench`: the chapter's figures side by side (bench.cpp lists the rows).
struct BenchOptions {
  std::size_t messages =
      2'000'000;  // per stream row (ping-pong: a tenth; round trips: a hundredth)
  int reps = 5;
  bool json = false;
};
void bench(const BenchOptions& options, rt::Output& out);

// `stress`: StressReport (stress.hpp) as a table; throws std::runtime_error if a value was
// lost, duplicated or invented.
struct StressCommandOptions {
  std::uint64_t messages = 10'000'000;
  bool json = false;
};
void stress(const StressCommandOptions& options, rt::Output& out);

// `tour`: the chapter's one figure (wakeups per message, naive against batched), quickly.
void tour(rt::Output& out);

}  // namespace ch05
