// The trace's two renderings (trace.hpp), and the runtime's schedtrace and trace writer.
#include "trace.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "rt/os/address_wait.hpp"
#include "runtime_impl.hpp"

namespace rt::sched::detail {

namespace {

// A JSON string's contents: quotes, backslashes and control characters escaped.
std::string json_escaped(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      escaped += '\\';
      escaped += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char code[8];
      std::snprintf(code, sizeof code, "\\u%04x", static_cast<unsigned>(c));
      escaped += code;
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string microseconds(std::int64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(ns) / 1000.0);
  return text;
}

char letter_for(std::uint64_t fiber) {
  constexpr char kLetters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return kLetters[fiber % (sizeof kLetters - 1)];
}

}  // namespace

std::string chrome_trace_json(const std::vector<WorkerTrace>& workers,
                              const std::string& thread_name_prefix) {
  std::map<std::uint64_t, std::string> names;
  for (const auto& worker : workers) {
    for (const auto& [id, name] : worker.names) names[id] = name;
  }
  std::string json = "{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n";
  bool first = true;
  auto add = [&](const std::string& event) {
    if (!first) json += ",\n";
    first = false;
    json += event;
  };
  for (std::size_t w = 0; w < workers.size(); ++w) {
    const std::string tid = std::to_string(w);
    add("{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": 1, \"tid\": " + tid +
        ", \"args\": {\"name\": \"" + json_escaped(thread_name_prefix + "-" + tid) + "\"}}");
    for (const TraceEvent& e : workers[w].events) {
      const std::string where =
          ", \"pid\": 1, \"tid\": " + tid + ", \"ts\": " + microseconds(e.start);
      switch (e.kind) {
        case TraceEvent::Kind::run: {
          auto name = names.find(e.fiber);
          const std::string fiber_name = name != names.end() ? name->second : "fiber";
          add("{\"ph\": \"X\", \"cat\": \"run\", \"name\": \"" + json_escaped(fiber_name) + "\"" +
              where + ", \"dur\": " + microseconds(e.end - e.start) +
              ", \"args\": {\"fiber\": " + std::to_string(e.fiber) + "}}");
          break;
        }
        case TraceEvent::Kind::sleep:
          add("{\"ph\": \"X\", \"cat\": \"idle\", \"name\": \"sleep\"" + where +
              ", \"dur\": " + microseconds(e.end - e.start) + "}");
          break;
        case TraceEvent::Kind::steal:
          add("{\"ph\": \"i\", \"s\": \"t\", \"cat\": \"steal\", \"name\": \"steal\"" + where +
              ", \"args\": {\"from\": " + std::to_string(e.other) +
              ", \"fibers\": " + std::to_string(e.count) + "}}");
          break;
        case TraceEvent::Kind::wake:
          add("{\"ph\": \"i\", \"s\": \"t\", \"cat\": \"wake\", \"name\": \"wake\"" + where +
              ", \"args\": {\"worker\": " + std::to_string(e.other) + "}}");
          break;
        case TraceEvent::Kind::netpoll:
        case TraceEvent::Kind::preempt:
        case TraceEvent::Kind::handoff:
        case TraceEvent::Kind::pinned: {
          const std::string name = e.kind == TraceEvent::Kind::netpoll   ? "netpoll"
                                   : e.kind == TraceEvent::Kind::preempt ? "preempt"
                                   : e.kind == TraceEvent::Kind::handoff ? "handoff"
                                                                         : "pinned";
          add("{\"ph\": \"i\", \"s\": \"t\", \"cat\": \"" + name + "\", \"name\": \"" + name +
              "\"" + where + ", \"args\": {\"fiber\": " + std::to_string(e.fiber) + "}}");
          break;
        }
      }
    }
  }
  json += "\n]}\n";
  return json;
}

void print_timeline(const std::vector<WorkerTrace>& workers, int width, rt::Output& out) {
  std::int64_t end = 1;
  for (const auto& worker : workers) {
    for (const auto& e : worker.events) end = std::max(end, e.end);
  }
  const double per_column = static_cast<double>(end) / width;
  std::map<std::uint64_t, std::string> names;
  for (const auto& worker : workers) {
    for (const auto& [id, name] : worker.names) names[id] = name;
  }
  std::map<char, std::vector<std::string>> legend;
  out.print(
      "timeline: {} columns of {:.1f} us; a letter is the fiber that ran longest in a "
      "column, '.' asleep, ' ' looking for work\n",
      width, per_column / 1000.0);
  for (std::size_t w = 0; w < workers.size(); ++w) {
    // For each column, the longest-running fiber (or sleep) in it.
    std::vector<std::int64_t> best(static_cast<std::size_t>(width), 0);
    std::string line(static_cast<std::size_t>(width), ' ');
    for (const auto& e : workers[w].events) {
      if (e.kind != TraceEvent::Kind::run && e.kind != TraceEvent::Kind::sleep) continue;
      const int first = static_cast<int>(static_cast<double>(e.start) / per_column);
      const int last =
          std::min(width - 1, static_cast<int>(static_cast<double>(e.end) / per_column));
      for (int c = std::max(0, first); c <= last; ++c) {
        const auto lo = std::max<std::int64_t>(e.start, static_cast<std::int64_t>(c * per_column));
        const auto hi =
            std::min<std::int64_t>(e.end, static_cast<std::int64_t>((c + 1) * per_column));
        const auto column = static_cast<std::size_t>(c);
        if (hi - lo > best[column]) {
          best[column] = hi - lo;
          line[column] = e.kind == TraceEvent::Kind::sleep ? '.' : letter_for(e.fiber);
        }
      }
      if (e.kind == TraceEvent::Kind::run) {
        auto& names_of = legend[letter_for(e.fiber)];
        const std::string name = names.count(e.fiber) != 0 ? names[e.fiber] : "fiber";
        if (std::find(names_of.begin(), names_of.end(), name) == names_of.end() &&
            names_of.size() < 3) {
          names_of.push_back(name);
        }
      }
    }
    out.print("worker {:>2} |{}|\n", w, line);
  }
  std::string keys;
  for (const auto& [letter, fiber_names] : legend) {
    std::string joined;
    for (const auto& n : fiber_names) joined += (joined.empty() ? "" : "/") + n;
    keys += fmt::format("{}={} ", letter, joined);
  }
  out.print("fibers: {}\n", keys);
}

// ---- the runtime's side: schedtrace, and writing the trace when it stops ----

void RuntimeImpl::schedtrace(std::chrono::milliseconds interval) {
  const auto start = rt::Clock::now();
  auto next = start + interval;
  while (trace_stop.load(std::memory_order_acquire) == 0) {
    if (rt::os::wait_on_address_until(trace_stop, 0, next)) continue;  // stopping (or spurious)
    const std::string line =
        schedtrace_line(owner.stats(), std::chrono::duration_cast<std::chrono::milliseconds>(
                                           rt::Clock::now() - start)) +
        "\n";
    if (options.schedtrace_out != nullptr) {
      options.schedtrace_out->write(line);
    } else {
      std::fputs(line.c_str(), stderr);
    }
    next += interval;
  }
}

void RuntimeImpl::write_trace() const {
  std::vector<WorkerTrace> traces;
  for (const auto& worker : workers) traces.push_back(worker->trace);
  if (!options.trace_file.empty()) {
    std::FILE* file = std::fopen(options.trace_file.c_str(), "wb");
    const std::string json = chrome_trace_json(traces, options.name);
    if (file == nullptr || std::fwrite(json.data(), 1, json.size(), file) != json.size()) {
      std::fprintf(stderr, "rt::sched: could not write the trace to %s\n",
                   options.trace_file.c_str());
    }
    if (file != nullptr) std::fclose(file);
  }
  if (options.timeline_out != nullptr) {
    print_timeline(traces, options.timeline_width, *options.timeline_out);
  }
}

std::string schedtrace_line(const Stats& stats, std::chrono::milliseconds since_start) {
  std::string queues;
  for (const auto& worker : stats.workers) {
    if (!queues.empty()) queues += ' ';
    queues += std::to_string(worker.queued);
  }
  return "SCHED " + std::to_string(since_start.count()) +
         "ms: workers=" + std::to_string(stats.workers.size()) +
         " idle=" + std::to_string(stats.idle) + " spinning=" + std::to_string(stats.spinning) +
         " global=" + std::to_string(stats.global_queued) +
         " alive=" + std::to_string(stats.alive) + " wakes=" + std::to_string(stats.worker_wakes) +
         " runqueues=[" + queues + "]";
}

}  // namespace rt::sched::detail
