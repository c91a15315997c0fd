// The demos of chapter 1, one function each; commands.cpp maps subcommands onto them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "rt/cli.hpp"
#include "rt/output.hpp"

namespace ch01 {

const rt::cli::Program& program();

struct TasksOptions {
  double scale = 1.0;  // multiplies the 200/100/50 ms sleeps
};
void tasks(const TasksOptions& options, rt::Output& out);

struct SpawnOptions {
  std::size_t count = 1000;
  std::size_t stack_kib = 0;  // 0: the platform default
};
void spawn(const SpawnOptions& options, rt::Output& out);

struct SwitchOptions {
  std::uint64_t round_trips = 100'000;
  std::optional<int> cpu;  // pin both threads to this CPU
};
void switch_demo(const SwitchOptions& options, rt::Output& out);

struct LimitsOptions {
  std::size_t max = 10'000;
  std::size_t stack_kib = 64;
};
void limits(const LimitsOptions& options, rt::Output& out);

struct BenchOptions {
  std::size_t spawn_count = 2000;
  std::size_t alive_count = 1000;
  std::uint64_t round_trips = 100'000;
  bool json = false;
};
void bench(const BenchOptions& options, rt::Output& out);

// The chapter's step in the tour: its one headline figure, in a few seconds.
void tour(rt::Output& out);

}  // namespace ch01
