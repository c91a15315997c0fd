// What several of chapter 6's demos share (demos.cpp, knobs_demo.cpp): printing a table, a
// per-worker table, a computation the compiler keeps, and the three workloads the `knobs`
// table measures (a fan-out, a ping-pong, the echo server).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rt/sched/runtime.hpp"
#include "rt/table.hpp"

namespace ch06::support {

// The table as text, or as JSON with --json.
void print(const rt::Table& table, bool json, rt::Output& out);

// Per-worker counters as a table, and the totals the notes quote.
rt::Table worker_table(const std::string& title, const rt::sched::Stats& stats);

// `work` steps of arithmetic the compiler cannot drop (the caller keeps the result).
std::uint64_t compute(int work);

// A fan-out: one fiber spawns `fibers` fibers that each compute `work` iterations, and joins
// them. Returns the elapsed milliseconds.
double fan_out(rt::sched::Runtime& runtime, int fibers, int work);

// Two fibers over an unbuffered channel, `round_trips` times. Returns round trips per second.
double ping_pong(rt::sched::Runtime& runtime, int round_trips);

// Chapter 4's echo server on a runtime of `workers` with `knobs`, loaded by chapter 4's client
// in this process (unpinned) with 64 connections x 64 B: messages per second, or nullopt if
// the run counted none or had errors (a rate of nothing is no result).
std::optional<double> echo_rate(int workers, const rt::sched::Knobs& knobs, double seconds);

}  // namespace ch06::support
