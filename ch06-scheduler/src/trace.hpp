// The runtime's trace (Options::trace_file, Options::timeline_out): what each worker did, kept
// in memory by the worker itself (no synchronisation: one buffer per worker), and written when
// the runtime stops, as a Chrome trace-event JSON file (ui.perfetto.dev, chrome://tracing) and
// as a text timeline for a terminal.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rt/output.hpp"

namespace rt::sched::detail {

struct TraceEvent {
  enum class Kind : std::uint8_t {
    run,      // a fiber ran from `start` to `end` (ns since the runtime started)
    sleep,    // the worker slept in the OS address wait, or in the netpoller
    steal,    // took `count` fibers from worker `other` (an instant: start == end)
    wake,     // woke sleeping worker `other` (an instant)
    netpoll,  // a poll readied `fiber`, whose socket operation finished (an instant)
    preempt,  // `fiber` yielded at a check point because the monitor asked it to (an instant)
    handoff,  // another thread took the worker over while `fiber` blocked (an instant)
    // `fiber`, locked to its thread, parked; the thread sleeps with it and hands the worker to
    // another thread (Java's virtual threads call a blocked carrier "pinned"; an instant)
    pinned,
  };
  Kind kind;
  std::int64_t start;
  std::int64_t end;
  std::uint64_t fiber = 0;  // run, netpoll, preempt, handoff, pinned: the fiber's id
  std::int32_t other = -1;  // steal: the victim; wake: the woken worker
  std::uint32_t count = 0;  // steal: how many fibers
};

struct WorkerTrace {
  std::vector<TraceEvent> events;
  std::vector<std::pair<std::uint64_t, std::string>> names;  // fiber id -> name, at finish
};

// The Chrome trace-event format's JSON object ({"traceEvents": [...]}): run and sleep spans
// as complete events ("X") on one track per worker, steals and wakes as instant events ("i"),
// and each track named after its worker's thread.
std::string chrome_trace_json(const std::vector<WorkerTrace>& workers,
                              const std::string& thread_name_prefix);

// One line per worker, `width` columns over the run's duration: a column shows the fiber that
// ran longest in it (a letter per fiber id, A-Z then a-z, repeating), '.' if the worker slept,
// ' ' if it was looking for work; then the legend (letter -> fiber names).
void print_timeline(const std::vector<WorkerTrace>& workers, int width, rt::Output& out);

}  // namespace rt::sched::detail
