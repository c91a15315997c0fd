// Each command of `ch04-echo-server`, run in-process with small arguments, and its output
// checked for the statements it makes (its words, not its figures, which vary by machine).
// No test reads the README: tools/readme_commands.py runs the commands it shows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "demos_testing.hpp"
#include "echo_testing.hpp"
#include "rt/platform.hpp"
#include "rt/terminal.hpp"
#include "rt/testing.hpp"

using ch04::testing::run;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// Ctrl-C, pressed before the command starts: `serve` starts, then stops at once. Windows
// delivers Ctrl-C to a console control handler, which no in-process call reaches.
struct CtrlC {
  CtrlC() {
    rt::install_interrupt_handler();
    std::raise(SIGINT);
  }
  ~CtrlC() { rt::clear_interrupt(); }
};

class ServeCommand : public ::testing::TestWithParam<ch04::Model> {};

TEST_P(ServeCommand, ListensOnAnEphemeralPortAndStopsCleanlyAtCtrlC) {
  CH04_SKIP_UNAVAILABLE(GetParam());
  if (std::string(rt::kOsName) == "Windows") GTEST_SKIP() << "no in-process Ctrl-C on Windows";
  CtrlC ctrl_c;
  std::string model = ch04::to_string(GetParam());
  auto r = run({"serve", "--model", model, "--port", "0"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("open-file limit: "));
  EXPECT_TRUE(rt::testing::contains_regex(
      r.out, "listening on 127\\.0\\.0\\.1:[0-9]+ \\(model " + model + "\\)\n"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("stopping: no new connections; 0 open get up to 2000 ms"));
  EXPECT_THAT(r.out, HasSubstr("stopped: 0 connections served, 0 bytes echoed"));
}

TEST_P(ServeCommand, StopsAfterSecondsWithItsCounts) {
  CH04_SKIP_UNAVAILABLE(GetParam());
  std::string model = ch04::to_string(GetParam());
  auto r = run({"serve", "--model", model, "--port", "0", "--seconds", "0.05", "--grace", "0"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(rt::testing::contains_regex(
      r.out, "listening on 127\\.0\\.0\\.1:[0-9]+ \\(model " + model + "\\)\n"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("stopping: no new connections; 0 open get up to 0 ms"));
  EXPECT_THAT(r.out, HasSubstr("stopped: 0 connections served"));
}

INSTANTIATE_TEST_SUITE_P(Models, ServeCommand,
                         ::testing::Values(ch04::Model::threads, ch04::Model::events,
                                           ch04::Model::fibers),
                         ch04::testing::ModelName{});

TEST(Demo, ServeOnAPortInUseFailsWithOneClearLine) {
  auto taken = rt::poll::listen_loopback();
  auto port = std::to_string(rt::poll::local_port(taken));
  auto r = run({"serve", "--model", "fibers", "--port", port});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("ch04-echo-server: error: bind 127.0.0.1:" + port + ": "));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Demo, ServeEventsOnWindowsSaysWhyAndExits2) {
  if (ch04::events_model_available()) GTEST_SKIP() << "this OS has the events model";
  auto r = run({"serve", "--model", "events", "--port", "0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("readiness notification"));
  EXPECT_EQ(r.out,
            "open-file limit: none on Windows (sockets are handles, limited only by "
            "memory)\n");
}

TEST(Demo, ClientPrintsItsTableWithNoErrors) {
  ch04::EchoServer server({.model = ch04::Model::fibers});
  auto r = run({"client", "--port", std::to_string(server.port()), "--conns", "3", "--size", "100",
                "--messages", "20"});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("echo client: 3 connections to 127.0.0.1:"));
  EXPECT_THAT(r.out, HasSubstr("B messages, pipeline 1, warm-up 0.5 s\n"));
  EXPECT_TRUE(rt::testing::contains_regex(
      r.out,
      "measured [0-9.]+ s, from the end of the warm-up \\([0-9]+ echoes, not counted\\) "
      "that began once every connection was up"))
      << r.out;
  EXPECT_TRUE(rt::testing::contains_regex(r.out,
                                          "\n +3 +60 +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ "
                                          "+[0-9.]+ +0\n"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("p999 of fewer than 1,000 echoes is their maximum"));
}

TEST(Demo, ClientJsonHasOneRowOfNumbers) {
  ch04::EchoServer server({.model = ch04::Model::threads});
  auto r = run({"client", "--port", std::to_string(server.port()), "--duration", "0.2", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"connections\": 1"));
  EXPECT_THAT(r.out, HasSubstr("\"errors\": 0"));
}

TEST(Demo, ClientToNobodyFailsAndSaysWhy) {
  std::uint16_t port;
  {
    auto closed = rt::poll::listen_loopback();
    port = rt::poll::local_port(closed);
  }
  auto r = run({"client", "--port", std::to_string(port), "--messages", "1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("error: connection 0: connect 127.0.0.1:"));
  EXPECT_THAT(r.err, HasSubstr("error: 1 of 1 connections failed"));
}

TEST(Demo, ClientAgainstAServerThatNeverAnswersSaysSoAndFails) {
  auto silent = rt::poll::listen_loopback();  // the kernel completes connects; nobody reads
  auto r =
      run({"client", "--port", std::to_string(rt::poll::local_port(silent)), "--duration", "0.05"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("error: connection 0: 1 of 1 echoes never came back"));
  EXPECT_THAT(r.err, HasSubstr("error: 1 of 1 connections failed"));
}

TEST(Demo, BenchPrintsARowPerModelAndConnectionCount) {
  auto r = run({"bench", "--duration", "0.1", "--conns", "1,2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("chapter 4: echo, 64 B messages, pipeline 1"));
  for (const char* model : {"threads", "events", "fibers"}) {
    if (std::string(model) == "events" && !ch04::events_model_available()) continue;
    for (const char* connections : {"1", "2"}) {
      EXPECT_TRUE(rt::testing::contains_regex(
          r.out, std::string(model) + " +" + connections + " +[0-9]+ +[0-9.]+ .* 0\n"))
          << model << " x " << connections << "\n"
          << r.out;
    }
  }
}

// The bench's columns, as bench() makes them.
rt::Table bench_table() {
  return rt::Table("t", {"model", "connections", "msgs/s", "MB/s", "p50 us", "p99 us", "p999 us",
                         "server CPU %", "server CPU us/msg", "errors"});
}

TEST(Bench, ACellThatCountedNoEchoPrintsDashesAndSaysWhy) {
  auto table = bench_table();
  ch04::BenchCell idle;  // 0 messages, 0 errors: the busy machine's row
  idle.server_cpu_busy = 0.5;
  idle.window_seconds = 2;
  auto note = ch04::add_bench_row(table, "threads", 1000, idle);
  ASSERT_TRUE(note);
  EXPECT_EQ(*note, "threads 1000: no echo completed within the measured window");
  std::string text;
  rt::Output out(&text);
  table.print(out);
  EXPECT_TRUE(rt::testing::contains_regex(text, "threads +1000( +-){7} +0\n")) << text;
  text.clear();
  table.print_json(out);
  EXPECT_THAT(text, HasSubstr("\"msgs/s\": null, \"MB/s\": null, \"p50 us\": null"));
  EXPECT_THAT(text, HasSubstr("\"server CPU us/msg\": null, \"errors\": 0"));
}

TEST(Bench, ACellThatCountedEchoesPrintsItsFigures) {
  auto table = bench_table();
  ch04::BenchCell busy;
  busy.client.messages = 1000;
  busy.client.bytes = 64'000;
  busy.client.seconds = 0.5;
  busy.client.latency_us = rt::summarize(std::vector<double>(1000, 20.0));
  EXPECT_EQ(ch04::add_bench_row(table, "fibers", 1, busy), std::nullopt);
  ASSERT_EQ(table.rows().size(), 1u);
  EXPECT_EQ(table.rows()[0][2], "2000") << "msgs/s";
  EXPECT_EQ(table.rows()[0][4], "20.0") << "p50 us";
}

TEST(Demo, TourPrintsMessagesPerSecondForEachModel) {
  auto r = run({"tour"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(rt::testing::contains_regex(
      r.out,
      "chapter 4, echo server \\(100 connections, 64 B messages, .*\\): msgs/s threads "
      "[0-9]+, .*fibers [0-9]+"))
      << r.out;
}

TEST(Demo, HelpNamesEveryCommand) {
  static constexpr const char* kCommands[] = {"serve", "client", "bench", "tour"};
  EXPECT_EQ(rt::testing::help_failures(ch04::program(), kCommands), "");
}

TEST(Demo, ServeHelpListsTheModelsAndEveryDefault) {
  auto r = run({"serve", "--help"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("--model TEXT:{threads,events,fibers} REQUIRED"));
  EXPECT_THAT(r.out, Not(HasSubstr("->")));
  // CLI11 2.1 shows a default as "=2", later versions as "[2]".
  EXPECT_TRUE(rt::testing::contains_regex(r.out, "--grace FLOAT[^\\n]*(=2|\\[2\\])\\n")) << r.out;
  r = run({"client", "--help"});
  EXPECT_TRUE(rt::testing::contains_regex(r.out, "--warmup FLOAT[^\\n]*(=0.5|\\[0.5\\])\\n"))
      << r.out;
  EXPECT_TRUE(rt::testing::contains_regex(r.out, "--conns INT[^\\n]*(=1|\\[1\\])\\n")) << r.out;
}

TEST(Demo, ASubMillisecondIdleTimeoutIsRoundedUpNotToNever) {
  EXPECT_EQ(ch04::milliseconds_from_seconds(0.0004), std::chrono::milliseconds(1));
  EXPECT_EQ(ch04::milliseconds_from_seconds(0), std::chrono::milliseconds(0));
  EXPECT_EQ(ch04::milliseconds_from_seconds(1.5), std::chrono::milliseconds(1500));
}

TEST(Demo, BadCommandLinesAreRefusedWithTheReason) {
  const rt::testing::Refusal kRefusals[] = {
      {{"serve"}, "--model"},
      {{"serve", "--model", "coroutines"}, "--model"},
      {{"serve", "--model", "fibers", "--port", "70000"}, "--port"},
      {{"serve", "--model", "fibers", "--idle-timeout", "-1"}, "--idle-timeout"},
      {{"serve", "--model", "fibers", "--idle-timeout", "nan"}, "--idle-timeout"},
      {{"serve", "--model", "fibers", "--grace", "nan"}, "--grace"},
      {{"serve", "--model", "fibers", "--budget", "0"}, "--budget"},
      {{"serve", "--model", "fibers", "--seconds", "nan"}, "--seconds"},
      {{"serve", "--model", "fibers", "--port", "0x50"}, "--port"},
      {{"client", "--duration", "nan"}, "--duration"},
      {{"client", "--messages", "1", "--duration", "1"}, "--duration"},
      {{"client", "--port", "1"}, "--duration or --messages"},
      {{"client", "--messages", "1", "--size", "0"}, "--size"},
      {{"client", "--messages", "1", "--pipeline", "0"}, "--pipeline"},
      {{"bench", "--conns", "0"}, "--conns"},
      {{"frobnicate"}, "frobnicate"},
  };
  EXPECT_EQ(rt::testing::refusal_failures(ch04::program(), kRefusals), "");
}

}  // namespace
