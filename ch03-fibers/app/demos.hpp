// The demos of chapter 3, one function each; commands.cpp maps subcommands onto them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rt/cli.hpp"
#include "rt/output.hpp"

namespace ch03 {

const rt::cli::Program& program();

struct OrderOptions {
  int steps = 3;  // steps per fiber
};
void order(const OrderOptions& options, rt::Output& out);

struct SwitchOptions {
  std::uint64_t round_trips = 1'000'000;
};
void switch_demo(const SwitchOptions& options, rt::Output& out);

struct ManyOptions {
  std::size_t count = 10'000;
  std::size_t stack_kib = 64;
};
void many(const ManyOptions& options, rt::Output& out);

struct OverflowOptions {
  std::size_t stack_kib = 64;
};
// Ends the process: the point of the demo is the report the overflow produces.
void overflow(const OverflowOptions& options, rt::Output& out);

struct BenchOptions {
  std::uint64_t round_trips = 1'000'000;
  std::size_t count = 10'000;  // fibers for the creation and memory rows
  bool json = false;
};
void bench(const BenchOptions& options, rt::Output& out);

// The chapter's step in the tour: its one headline figure, in a few seconds.
void tour(rt::Output& out);

}  // namespace ch03
