// The commands of chapter 4, one function each; commands.cpp maps subcommands onto them.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "client.hpp"
#include "echo.hpp"
#include "peer.hpp"
#include "rt/cli.hpp"
#include "rt/output.hpp"

namespace ch04 {

const rt::cli::Program& program();

// The --idle-timeout and --grace seconds (finite, checked by the options) as whole
// milliseconds, rounded up: a timeout of 0.0004 s is 1 ms, not 0, which means "never".
std::chrono::milliseconds milliseconds_from_seconds(double seconds);

// `serve`: one echo server until Ctrl-C (or `seconds`), then the graceful stop.
struct ServeOptions {
  ServerOptions server;
  double seconds = 0;  // 0: until Ctrl-C
};
void serve(const ServeOptions& options, rt::Output& out);

// `bench`: every model and peer x every connection count, each driven by the client.
// Before the first row it checks that every peer echoes, and throws std::runtime_error
// naming the peer and its port if one does not (nothing is measured then).
struct BenchOptions {
  double duration_s = 2;
  std::vector<int> connection_counts = {1, 100, 1000, 10'000};
  std::size_t size = 64;
  std::optional<std::vector<Model>> models;  // in-process models; nullopt: all this OS has
  std::vector<Peer> peers;                   // servers outside this process
  bool json = false;
};
void bench(const BenchOptions& options, rt::Output& out);

// The chapter's step in the tour: echo msgs/s of the three models at one connection count.
void tour(rt::Output& out);

}  // namespace ch04
