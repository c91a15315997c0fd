// The commands of chapter 6, one function each; commands.cpp maps subcommands onto them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "rt/cli.hpp"
#include "rt/output.hpp"
#include "rt/sched/runtime.hpp"

namespace ch06 {

const rt::cli::Program& program();

// `spawn`: `fibers` fibers alive at once (each parked on a channel until all exist), on
// `workers` workers: time per spawn and resident memory per fiber.
struct SpawnOptions {
  int fibers = 100'000;
  int workers = 0;     // 0: one per CPU
  bool guard = false;  // guard pages: two mappings per stack (Linux: ~32,000 fibers at most)
  bool json = false;
};
void spawn(const SpawnOptions& options, rt::Output& out);

// `steal`: one fiber spawns `fibers` fibers that each compute for a while; the others get
// them by stealing, or from the global queue when the spawner's ring spills. Prints what each
// worker ran, stole and took from the global queue.
struct StealOptions {
  int fibers = 10'000;
  int workers = 0;
  int work = 20'000;  // arithmetic iterations per fiber
  bool steal = true;  // --no-steal
  int schedtrace_ms = 0;
  std::string trace_file;  // --trace FILE: a Chrome trace-event JSON file
  bool timeline = false;   // --timeline: the same as text
  bool json = false;
};
void steal(const StealOptions& options, rt::Output& out);

// `pingpong`: two fibers over an unbuffered channel: round trips per second, and how often
// the pair ran on one worker; `runnext_steal` shows what stealing runnext does to the pair.
struct PingPongOptions {
  int round_trips = 200'000;
  int workers = 0;
  rt::sched::RunnextSteal runnext_steal = rt::sched::RunnextSteal::last_pass;
  bool direct_switch = true;
  std::string trace_file;
  bool timeline = false;
  bool json = false;
};
void pingpong(const PingPongOptions& options, rt::Output& out);

// `knobs`: each of the scheduler's switches (rt::sched::Knobs) changed alone from the defaults
// (Go's, and the direct switch), against a ping-pong, a fan-out and the echo server.
struct KnobsOptions {
  int workers = 2;
  int round_trips = 200'000;
  int fan_out = 10'000;
  int work = 2'000;
  double echo_seconds = 0.3;  // per run, after a warm-up of a third of it; 0: no echo column
  int reps = 3;
  bool json = false;
};
void knobs(const KnobsOptions& options, rt::Output& out);

// `blocking`: rt::sched::blocking with a trivial function, from one caller (one call at a
// time) and from `callers` fibers at once: what a call costs, how many pool threads it took,
// and how often a worker was woken from the OS.
struct BlockingOptions {
  int calls = 20'000;  // in all, shared among the callers
  int callers = 16;
  int workers = 0;
  bool json = false;
};
void blocking_calls(const BlockingOptions& options, rt::Output& out);

// `fibers`: a fiber spawns `fibers` fibers that compute, park, and compute again once the
// spawner unparked them all: on which worker each parked and on which it resumed (a parked
// fiber belongs to no worker). With one worker,
// the state gdb/sched.py's test stops in: every fiber parked, the spawner in unpark().
struct FibersOptions {
  int fibers = 6;
  int workers = 2;
  int work = 200'000;  // arithmetic iterations before parking and after resuming
  bool json = false;
};
void fibers(const FibersOptions& options, rt::Output& out);

// `preempt` (preempt_demo.cpp): on each worker a "hog" fiber that never parks for `hog_ms`
// (`spin`: arithmetic, no check point; `channel`: a send and a receive on its own channel);
// once every hog runs, `others` short fibers are spawned. Run with asynchronous preemption,
// with the monitor's request only (honoured at check points), and without preemption: how long
// the others waited to run, and how often a hog was preempted, and interrupted.
struct PreemptOptions {
  int workers = 1;
  std::string hog = "spin";
  int hog_ms = 100;
  int others = 100;
  int preempt_after_us = 10'000;
  std::string trace_file;  // --trace: of the run with preemption
  bool timeline = false;
  bool json = false;
};
void preempt(const PreemptOptions& options, rt::Output& out);

// `handoff`: a fiber blocks `block_ms` in a read on a pipe inside a blocking region, `others`
// fibers queued behind it on its worker (`workers` in all); with the monitor's handoff and
// without: when the others ran and finished. Then what a region with nothing inside costs.
struct HandoffOptions {
  int workers = 1;
  int others = 100;
  int block_ms = 50;
  int work = 20'000;       // arithmetic iterations per other fiber
  std::string trace_file;  // --trace: of the run with the handoff
  bool timeline = false;
  bool json = false;
};
void handoff(const HandoffOptions& options, rt::Output& out);

// `locked`: Go issue 21827's situation. A "syscall server" (one fiber that serves requests over
// a channel) and `clients` fibers that each make `requests` round trips to it: with the server
// unlocked, locked 1:1 to its thread (Go's LockOSThread), and with the clients moved onto the
// server's thread too (N:1, a ThreadLocker). Requests per second, round-trip latency and OS
// wakeups per request.
struct LockedOptions {
  int workers = 2;
  int clients = 4;
  int requests = 5'000;  // per client
  bool json = false;
};
void locked(const LockedOptions& options, rt::Output& out);

void tour(rt::Output& out);

}  // namespace ch06
