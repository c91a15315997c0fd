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
