// The demos of chapter 2, one function each; commands.cpp maps subcommands onto them.
#pragma once

#include <cstdint>
#include <vector>

#include "rt/cli.hpp"
#include "rt/output.hpp"

namespace ch02 {

const rt::cli::Program& program();

// `syscall`: a greeting through the raw instruction and through the documented wrapper.
void syscall_demo(rt::Output& out);

struct DelayServerOptions {
  std::uint16_t port = 8080;
  double seconds = 0;  // 0: until Ctrl-C
};
void delay_server(const DelayServerOptions& options, rt::Output& out);

struct RequestsOptions {
  std::vector<int> delays_ms = {400, 100, 300, 200, 0};
  std::uint16_t port = 0;  // 0: start a delay server in this process
  int timeout_ms = 30'000;
};
void requests(const RequestsOptions& options, rt::Output& out);

struct WakeOptions {
  int count = 1000;
  int settle_us = 200;  // how long the waiter is given to block before each wake
};
void wake(const WakeOptions& options, rt::Output& out);

struct BenchOptions {
  int writes = 200'000;
  int round_trips = 20'000;
  std::vector<int> handle_counts = {1, 100, 10'000};
  bool json = false;
};
void bench(const BenchOptions& options, rt::Output& out);

// The chapter's step in the tour: its one headline figure, in a few seconds.
void tour(rt::Output& out);

}  // namespace ch02
