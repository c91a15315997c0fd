// The demos of chapter 3, one function each; commands.cpp maps subcommands onto them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rt/cli.hpp"
#include "rt/output.hpp"

namespace ch03 {

const rt::cli::Program& program();

// The steps of the chapter, in reading order.
void stack_swap(rt::Output& out);
void show_stack(rt::Output& out);

struct FibersOptions {
  int steps = 3;  // steps per fiber
};
void fibers(const FibersOptions& options, rt::Output& out);

struct SwitchOptions {
  std::uint64_t round_trips = 1'000'000;
};
void switch_demo(const SwitchOptions& options, rt::Output& out);

struct ManyOptions {
  std::size_t count = 10'000;
  std::size_t stack_kib = 64;
  bool no_guard = false;  // StackGuard::none: one mapping per stack, no overflow detection
};
void many(const ManyOptions& options, rt::Output& out);

struct OverflowOptions {
  std::size_t stack_kib = 64;
};
// Ends the process: the point of the demo is the report the overflow produces.
void overflow(const OverflowOptions& options, rt::Output& out);

// `bench` repeats each measurement this many times and shows the median repetition and the
// range: on a shared machine one repetition may lose its CPU to another process, which the
// median ignores and a plain mean would not (chapter 2's bench does the same). The
// repetitions share the requested work (--round-trips, --spawn-count), so more of them cost
// no more time.
inline constexpr int kBenchRepetitions = 20;

struct BenchOptions {
  std::uint64_t round_trips = 1'000'000;  // per switch measurement, all repetitions
  std::size_t spawn_count = 100'000;      // fibers spawned, run and joined one at a time
  std::size_t thread_count = 2'000;       // threads measured for the same (then scaled)
  std::size_t count = 10'000;             // fibers alive at once for the memory row
  bool json = false;
};
void bench(const BenchOptions& options, rt::Output& out);

// The chapter's step in the tour: its one headline figure, in a few seconds.
void tour(rt::Output& out);

}  // namespace ch03
