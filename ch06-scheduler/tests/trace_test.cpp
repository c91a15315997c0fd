// The trace file: it parses as JSON, and its events say what the run did. The parser below is
// the smallest that reads what a trace holds (objects, arrays, strings, numbers, literals):
// the project takes no JSON library, and a regex could not tell a well-formed file.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "demos.hpp"
#include "os_pipe.hpp"
#include "rt/sched/blocking.hpp"
#include "rt/sched/locked.hpp"
#include "rt/sched/runtime.hpp"
#include "rt/testing.hpp"
#include "worker_counts.hpp"

namespace {

struct Json {
  enum class Type { null, boolean, number, string, array, object } type = Type::null;
  double number = 0;
  std::string text;
  std::vector<Json> items;
  std::map<std::string, Json> fields;
  const Json& operator[](const std::string& key) const {
    static const Json kNull;
    auto it = fields.find(key);
    return it == fields.end() ? kNull : it->second;
  }
};

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}
  // Throws std::runtime_error naming the offset of the first thing that is not JSON.
  Json document() {
    Json value = parse();
    skip_space();
    if (at_ != text_.size()) fail("text after the value");
    return value;
  }

 private:
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("not JSON at offset ") + std::to_string(at_) + ": " +
                             what);
  }
  void skip_space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool take(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail("a delimiter is missing");
  }
  std::string string_value() {
    expect('"');
    std::string value;
    while (at_ < text_.size() && text_[at_] != '"') {
      char c = text_[at_++];
      if (static_cast<unsigned char>(c) < 0x20) fail("a control character in a string");
      if (c == '\\') {
        if (at_ >= text_.size()) fail("an unfinished escape");
        char e = text_[at_++];
        if (e == 'u') {
          if (at_ + 4 > text_.size()) fail("a short \\u escape");
          value += static_cast<char>(std::stoi(text_.substr(at_, 4), nullptr, 16));
          at_ += 4;
        } else if (std::string("\"\\/bfnrt").find(e) != std::string::npos) {
          value += e;
        } else {
          fail("an unknown escape");
        }
      } else {
        value += c;
      }
    }
    expect('"');
    return value;
  }
  Json parse() {
    skip_space();
    if (at_ >= text_.size()) fail("the text ended");
    Json value;
    const char c = text_[at_];
    if (c == '{') {
      ++at_;
      value.type = Json::Type::object;
      if (take('}')) return value;
      do {
        std::string key = string_value();
        expect(':');
        value.fields[key] = parse();
      } while (take(','));
      expect('}');
    } else if (c == '[') {
      ++at_;
      value.type = Json::Type::array;
      if (take(']')) return value;
      do {
        value.items.push_back(parse());
      } while (take(','));
      expect(']');
    } else if (c == '"') {
      value.type = Json::Type::string;
      value.text = string_value();
    } else if (text_.compare(at_, 4, "true") == 0 || text_.compare(at_, 5, "false") == 0 ||
               text_.compare(at_, 4, "null") == 0) {
      value.type = text_[at_] == 'n' ? Json::Type::null : Json::Type::boolean;
      at_ += text_[at_] == 'f' ? 5 : 4;
    } else {
      std::size_t used = 0;
      value.type = Json::Type::number;
      try {
        value.number = std::stod(text_.substr(at_, 32), &used);
      } catch (const std::exception&) {
        fail("not a value");
      }
      at_ += used;
    }
    return value;
  }

  const std::string& text_;
  std::size_t at_ = 0;
};

TEST(TraceParser, RefusesWhatIsNotJson) {
  EXPECT_THROW(Parser("{\"a\": [1, 2}").document(), std::runtime_error);
  EXPECT_THROW(Parser("{\"a\": 1} x").document(), std::runtime_error);
  EXPECT_EQ(Parser("{\"a\": [1, \"b\\\"c\"]}").document()["a"].items[1].text, "b\"c");
}

// Runs a demo with `args` plus `--trace <temporary file> --json`, and parses both what it
// printed (its table) and the trace file, which it then removes. Call it through
// ASSERT_NO_FATAL_FAILURE: it asserts.
struct TracedRun {
  std::string out;
  Json table;
  Json trace;
};
// The trace file's text; the file is removed. Empty (and a test failure) if there is none.
std::string take_trace(const std::filesystem::path& path) {
  std::ifstream file(path);
  EXPECT_TRUE(file) << "no trace at " << path;
  std::stringstream text;
  text << file.rdbuf();
  file.close();
  std::filesystem::remove(path);
  return text.str();
}

void run_traced(std::vector<std::string> args, TracedRun& traced) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ch06-trace-test-" + args.front() + "-" +
                     std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".json");
  args.insert(args.end(), {"--trace", path.string(), "--json"});
  auto result = rt::testing::run(ch06::program(), args);
  ASSERT_EQ(result.status, 0) << result.err;
  const std::string text = take_trace(path);
  ASSERT_FALSE(text.empty());
  traced.out = result.out;
  traced.table = Parser(result.out).document();
  traced.trace = Parser(text).document();
}

// The trace must agree with the runtime's own counters, which the demo prints as a table: a run
// span per run, and a steal event per steal carrying the fibers taken. Which worker steals how
// much is up to the OS's scheduling of the two threads, so the test compares, it does not
// expect a steal (IdleWorkersStealFromABusyOne makes one happen deterministically).
TEST(Trace, TheFileIsJsonAndAgreesWithTheCountersWorkerByWorker) {
  TracedRun run;
  ASSERT_NO_FATAL_FAILURE(
      run_traced({"steal", "--fibers", "300", "--workers", "2", "--work", "20000"}, run));
  const Json& table = run.table;
  ASSERT_EQ(table["rows"].items.size(), 2u) << run.out;
  const Json& events = run.trace["traceEvents"];
  ASSERT_EQ(events.type, Json::Type::array);
  std::set<double> named_tracks;
  std::map<double, double> runs;    // track -> run spans
  std::map<double, double> stolen;  // track -> fibers its steal events took
  int runs_of_work = 0;
  for (const Json& e : events.items) {
    const std::string phase = e["ph"].text;
    if (phase == "M" && e["name"].text == "thread_name") named_tracks.insert(e["tid"].number);
    if (phase == "X" && e["cat"].text == "run") {
      EXPECT_GE(e["dur"].number, 0.0);
      EXPECT_GE(e["ts"].number, 0.0);
      ++runs[e["tid"].number];
      if (e["name"].text == "work") ++runs_of_work;
    }
    if (phase == "i" && e["cat"].text == "steal") {
      EXPECT_GE(e["args"]["fibers"].number, 1.0);
      stolen[e["tid"].number] += e["args"]["fibers"].number;
    }
  }
  EXPECT_EQ(named_tracks, (std::set<double>{0, 1}));
  EXPECT_GE(runs_of_work, 300);  // each fiber ran at least once
  for (const Json& row : table["rows"].items) {
    const double worker = row["worker"].number;
    EXPECT_EQ(runs[worker], row["ran"].number) << "worker " << worker;
    EXPECT_EQ(stolen[worker], row["stolen"].number) << "worker " << worker;
  }
}

// A preempt event per preemption the demo counted, each naming a fiber that ran (a run span
// of that id), the hog's among them. The hog runs 200 ms with a slice of 1 ms: it is preempted
// unless the monitor thread got no CPU for 200 ms. A short fiber may be preempted too, if its
// thread loses the CPU for a slice while it runs (seen once under qemu, with CI's other tests
// running beside it): so not every event need name the hog.
TEST(Trace, APreemptEventForEveryPreemption) {
  TracedRun run;
  ASSERT_NO_FATAL_FAILURE(run_traced({"preempt", "--hog", "channel", "--hog-ms", "200", "--others",
                                      "10", "--preempt-after", "1000"},
                                     run));
  const Json& table = run.table;
  ASSERT_EQ(table["rows"].items.size(), 3u) << run.out;
  const Json& on = table["rows"].items[0];  // the traced run
  ASSERT_EQ(on["preemption"].text, "asks, interrupts") << run.out;
  EXPECT_GE(on["preempted"].number, 1.0) << run.out;
  EXPECT_EQ(table["rows"].items[2]["preempted"].number, 0.0) << run.out;
  std::set<double> ran_ids;  // the fibers of the run spans
  std::set<double> hog_ids;  // ... named "hog"
  std::vector<double> preempted_ids;
  for (const Json& e : run.trace["traceEvents"].items) {
    if (e["ph"].text == "X") {
      ran_ids.insert(e["args"]["fiber"].number);
      if (e["name"].text == "hog") hog_ids.insert(e["args"]["fiber"].number);
    }
    if (e["ph"].text == "i" && e["cat"].text == "preempt") {
      preempted_ids.push_back(e["args"]["fiber"].number);
    }
  }
  EXPECT_EQ(static_cast<double>(preempted_ids.size()), on["preempted"].number) << run.out;
  int of_the_hog = 0;
  for (double id : preempted_ids) {
    EXPECT_EQ(ran_ids.count(id), 1u) << "fiber " << id << " was preempted but never ran";
    of_the_hog += static_cast<int>(hog_ids.count(id));
  }
  EXPECT_GE(of_the_hog, 1) << "no preempt event names the hog";
}

// A handoff that must happen (tests/handoff_test.cpp's first test, traced): on one worker the
// reader blocks on a pipe that only the last of 10 fibers queued behind it writes. The trace
// marks each handoff on the worker's track, naming the blocked fiber, as many as Stats counts.
TEST(Trace, AHandoffEventForEveryHandoffNamingTheBlockedFiber) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ch06-trace-test-handoff-" +
                     std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".json");
  std::uint64_t handoffs = 0;
  {
    rt::sched::Options o;
    o.workers = 1;
    o.trace_file = path.string();
    rt::sched::Runtime runtime(o);
    ch06::OsPipe pipe;
    std::atomic<int> finished{0};
    runtime
        .spawn({.name = "reader"},
               [&] {
                 for (int i = 0; i < 10; ++i) {
                   rt::sched::this_fiber::spawn({.name = "other"}, [&] {
                     if (finished.fetch_add(1) + 1 == 10) (void)pipe.write_byte(1);
                   });
                 }
                 EXPECT_EQ(rt::sched::in_blocking_region([&] { return pipe.read_byte(); }), 1);
               })
        .join();
    runtime.wait_until_idle();
    handoffs = rt::sched::testing::total(runtime.stats(), &rt::sched::WorkerStats::handoffs);
  }  // the trace is written as the runtime stops
  const std::string text = take_trace(path);
  ASSERT_FALSE(text.empty());
  const Json trace = Parser(text).document();
  std::vector<double> handed_off_ids;
  std::set<double> reader_ids;  // the fiber of the run spans named "reader"
  for (const Json& e : trace["traceEvents"].items) {
    if (e["ph"].text == "X" && e["name"].text == "reader") {
      reader_ids.insert(e["args"]["fiber"].number);
    }
    if (e["ph"].text == "i" && e["cat"].text == "handoff") {
      handed_off_ids.push_back(e["args"]["fiber"].number);
    }
  }
  ASSERT_EQ(reader_ids.size(), 1u);
  EXPECT_GE(handoffs, 1u);
  EXPECT_EQ(handed_off_ids.size(), handoffs);
  for (double id : handed_off_ids) EXPECT_EQ(id, *reader_ids.begin());
}

// A fiber locked to its thread that parks takes the thread with it (Java's "pinned"): one
// `pinned` event per counted pin, each naming the locked fiber.
TEST(Trace, APinnedEventForEveryParkOfALockedFiberNamingIt) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ch06-trace-test-pinned-" +
                     std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".json");
  std::uint64_t pins = 0;
  {
    rt::sched::Options o;
    o.workers = 1;
    o.trace_file = path.string();
    rt::sched::Runtime runtime(o);
    runtime
        .spawn({.name = "locked"},
               [] {
                 rt::sched::this_fiber::lock_os_thread();
                 for (int i = 0; i < 5; ++i) {
                   rt::sched::this_fiber::sleep_for(std::chrono::milliseconds(2));  // parks
                 }
                 rt::sched::this_fiber::unlock_os_thread();
               })
        .join();
    runtime.wait_until_idle();
    pins = rt::sched::testing::total(runtime.stats(), &rt::sched::WorkerStats::pinned);
  }
  const std::string text = take_trace(path);
  ASSERT_FALSE(text.empty());
  const Json trace = Parser(text).document();
  std::vector<double> pinned_ids;
  std::set<double> locked_ids;
  for (const Json& e : trace["traceEvents"].items) {
    if (e["ph"].text == "X" && e["name"].text == "locked") {
      locked_ids.insert(e["args"]["fiber"].number);
    }
    if (e["ph"].text == "i" && e["cat"].text == "pinned") {
      pinned_ids.push_back(e["args"]["fiber"].number);
    }
  }
  ASSERT_EQ(locked_ids.size(), 1u);
  // A pin per park that found nothing else to run (a sleep's timer that fires before the
  // thread let go of its worker runs it at once, without a pin): nearly always all five.
  EXPECT_GE(pins, 1u);
  EXPECT_EQ(pinned_ids.size(), pins);
  for (double id : pinned_ids) EXPECT_EQ(id, *locked_ids.begin());
}

TEST(Trace, TheTimelineHasALinePerWorkerAndALegend) {
  auto result = rt::testing::run(
      ch06::program(), {"pingpong", "--round-trips", "2000", "--workers", "2", "--timeline"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(rt::testing::contains_regex(result.out, "worker +0 \\|[^|\\n]{100}\\|"))
      << result.out;
  EXPECT_TRUE(rt::testing::contains_regex(result.out, "worker +1 \\|[^|\\n]{100}\\|"))
      << result.out;
  EXPECT_TRUE(rt::testing::contains_regex(result.out, "fibers: .*=ping")) << result.out;
}

}  // namespace
