// The commands of chapter 4, one function each; commands.cpp maps subcommands onto them.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "client.hpp"
#include "echo.hpp"
#include "echo_commands.hpp"
#include "peer.hpp"
#include "rt/cli.hpp"
#include "rt/output.hpp"
#include "rt/table.hpp"

namespace ch04 {

const rt::cli::Program& program();

// The --idle-timeout and --grace seconds (finite, checked by the options) as whole
// milliseconds, rounded up: a timeout of 0.0004 s is 1 ms, not 0, which means "never".
std::chrono::milliseconds milliseconds_from_seconds(double seconds);

// One cell of the bench: what the client measured, and the server's CPU in its window.
struct BenchCell {
  ClientResult client;
  std::optional<double> server_cpu_busy;  // seconds the server's CPU was busy in the window
  double window_seconds = 0;              // the counted window, as the CPU was sampled
};
// Adds the cell's row to the bench's table. A cell that counted no echo gets
// rt::kNotMeasured in every figure (a 0 would read as a result) and the note to print
// under the table, returned, says so; otherwise nullopt.
std::optional<std::string> add_bench_row(rt::Table& table, const std::string& name, int connections,
                                         const BenchCell& cell);

// The chapter's step in the tour: echo msgs/s of the three models at one connection count.
void tour(rt::Output& out);

}  // namespace ch04
