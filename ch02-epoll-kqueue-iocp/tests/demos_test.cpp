// Each demo of `ch02-epoll-kqueue-iocp`, run in-process with small arguments, and its output
// checked for the statements it makes (its words, not its figures, which vary by machine).
// No test reads the README: tools/readme_commands.py runs the commands it shows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "delay_server.hpp"
#include "demos.hpp"
#include "rt/platform.hpp"
#include "rt/poll/socket.hpp"
#include "rt/sys/write.hpp"
#include "rt/terminal.hpp"
#include "rt/testing.hpp"

using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {
// The rest of the line after `marker` in `text` ("" if absent). (GoogleTest's ContainsRegex
// has no brackets or groups on Windows, and GCC 12 warns inside <regex> under ASan, so the
// demos' output is checked piece by piece.)
std::string rest_of_line(const std::string& text, const std::string& marker) {
  auto at = text.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  return text.substr(at, text.find('\n', at) - at);
}

rt::testing::RunResult run(const std::vector<std::string>& args) {
  return rt::testing::run(ch02::program(), args);
}
}  // namespace

TEST(Demo, SyscallWritesThroughBothPaths) {
  auto r = run({"syscall"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("two ways into the kernel"));
  EXPECT_THAT(r.out, HasSubstr(fmt::format("wrapped: {}\n    returned 34 of 34 bytes",
                                           rt::sys::wrapped_write_name())));
  if (rt::sys::has_raw_write()) {
    EXPECT_THAT(r.out, HasSubstr("returned 53 of 53 bytes"));
    EXPECT_THAT(r.out, HasSubstr(fmt::format("raw: {}", rt::sys::raw_write_description())));
  } else {
    EXPECT_THAT(r.out, HasSubstr("raw: none: Windows system call numbers change"));
  }
}

TEST(Demo, RequestsAreAllAnsweredAndReportedInCompletionOrder) {
  auto r = run({"requests", "--delays", "60,0,30"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 requests to 127.0.0.1:"));
  for (int delay : {60, 0, 30}) {
    EXPECT_THAT(r.out, HasSubstr(fmt::format("GET /delay/{}\n", delay)));
    EXPECT_THAT(r.out, HasSubstr(fmt::format("HTTP/1.0 200 OK | waited {} ms", delay)));
  }
  // Which finishes first depends on timing, so only the form is a claim: each once.
  std::string order = rest_of_line(r.out, "completion order:");
  EXPECT_EQ(order.size(), std::string(" #1 #2 #3  (sent as #1..#3)").size()) << order;
  for (const char* number : {" #1 ", " #2 ", " #3 "}) {
    EXPECT_EQ(order.find(number), order.rfind(number)) << order;
    EXPECT_NE(order.find(number), std::string::npos) << order;
  }
  EXPECT_THAT(r.out, HasSubstr("all 3 answered after"));
}

TEST(Demo, RequestsToARunningDelayServer) {
  ch02::DelayServer server;
  auto r = run({"requests", "--port", std::to_string(server.port()), "--delays", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(fmt::format("1 requests to 127.0.0.1:{}", server.port())));
  EXPECT_THAT(r.out, HasSubstr("waited 1 ms"));
}

TEST(Demo, RequestsToAClosedPortFailWithAClearMessage) {
  std::uint16_t port;
  {
    auto listener = rt::poll::listen_loopback();
    port = rt::poll::local_port(listener);
  }  // closed: nothing listens there now
  auto r = run({"requests", "--port", std::to_string(port), "--delays", "1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr(fmt::format("connect 127.0.0.1:{}", port)));
}

TEST(Demo, DelayServerAnswersAndStops) {
  auto r = run({"delay-server", "--port", "0", "--seconds", "0.01"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string port = rest_of_line(r.out, "delay-server listening on 127.0.0.1:");
  ASSERT_FALSE(port.empty()) << r.out;
  EXPECT_NE(port.substr(0, port.find(',')), "0") << "the OS chose a port, and it is shown";
  EXPECT_THAT(r.out, HasSubstr("delay-server stopping"));
}

TEST(Demo, DelayServerOnAPortInUseFailsWithAClearMessage) {
  auto taken = rt::poll::listen_loopback();
  auto port = std::to_string(rt::poll::local_port(taken));
  auto r = run({"delay-server", "--port", port, "--seconds", "0.01"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("bind 127.0.0.1:" + port));
  EXPECT_EQ(r.out, "");
}

TEST(DelayServer, AnswersAfterTheDelayAndRefusesBadRequests) {
  ch02::DelayServer server;
  {
    auto socket = rt::poll::connect_loopback(server.port());
    rt::poll::send_all(socket, "GET /delay/5 HTTP/1.0\r\n\r\n");
    EXPECT_THAT(rt::poll::receive_exactly(socket, 4096),
                ::testing::EndsWith("\r\n\r\nwaited 5 ms\n"));
  }
  for (const char* bad : {"GET /delay/-1 HTTP/1.0\r\n\r\n", "GET /delay/x\r\n\r\n",
                          "POST /delay/5 HTTP/1.0\r\n\r\n", "GET /delay/99999999\r\n\r\n"}) {
    auto socket = rt::poll::connect_loopback(server.port());
    rt::poll::send_all(socket, bad);
    EXPECT_THAT(rt::poll::receive_exactly(socket, 4096), StartsWith("HTTP/1.0 400")) << bad;
  }
}

TEST(Demo, WakeReportsEveryWakeAndItsLatency) {
  auto r = run({"wake", "--count", "20", "--settle-us", "0"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("woken 20 of 20 times"));
  EXPECT_THAT(r.out, HasSubstr("wake() -> wait returns: median "));
}

// Ctrl-C, simulated: the handler that rt::cli::main installs, then the signal itself.
// Windows delivers Ctrl-C to a console control handler, which no in-process call reaches.
class CtrlC {
 public:
  CtrlC() {
    rt::install_interrupt_handler();
    std::raise(SIGINT);
  }
  ~CtrlC() { rt::clear_interrupt(); }
};

TEST(Demo, WakeStopsAtCtrlCWithoutLosingTheStopWake) {
  if (std::string(rt::kOsName) == "Windows") GTEST_SKIP() << "no in-process Ctrl-C on Windows";
  CtrlC pressed;
  auto r = run({"wake", "--count", "1000000", "--settle-us", "0"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("woken 0 of 1000000 times (stopped by Ctrl-C)"));
}

TEST(Demo, RequestsStopAtCtrlCAndReleaseTheirOperations) {
  if (std::string(rt::kOsName) == "Windows") GTEST_SKIP() << "no in-process Ctrl-C on Windows";
  CtrlC pressed;
  auto r = run({"requests", "--delays", "60000"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("stopped by Ctrl-C: 0 of 1 answered"));
}

TEST(Demo, BenchPrintsTheTable) {
  auto r = run({"bench", "--writes", "200", "--round-trips", "50", "--handles", "1,10"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("chapter 2: system calls and event queues"));
  EXPECT_THAT(r.out, HasSubstr("write, raw instruction"));
  EXPECT_THAT(r.out, HasSubstr("wake round trip, two threads"));
  EXPECT_THAT(r.out, HasSubstr("wait(0), 10 idle handles registered"));
}

TEST(Demo, BenchJsonIsOneObjectWithRows) {
  auto r = run({"bench", "--writes", "200", "--round-trips", "50", "--handles", "1", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("{\"title\": \"chapter 2: system calls and event queues"));
  std::string row = rest_of_line(r.out, "\"measurement\": \"wake round trip, two threads\", ");
  EXPECT_THAT(row, StartsWith("\"value\": "));
  EXPECT_THAT(row, HasSubstr(", \"unit\": \"us\""));
  EXPECT_THAT(rest_of_line(row, "\"value\": "), ::testing::Not(StartsWith("\"")))
      << "a number, not a string";
}

TEST(Demo, TourPrintsTheHeadlineFigure) {
  auto r = run({"tour"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("chapter 2, event queues ("));
  EXPECT_THAT(r.out, HasSubstr("answered in"));
  EXPECT_THAT(r.out, HasSubstr("(median)"));
}

TEST(Demo, HelpListsEverySubcommand) {
  const char* const commands[] = {"syscall", "delay-server", "requests", "wake", "bench", "tour"};
  EXPECT_EQ(rt::testing::help_failures(ch02::program(), commands), "");
}

TEST(Demo, BadFlagsAreRefusedWithAMessage) {
  const rt::testing::Refusal cases[] = {
      {{"requests", "--delays", "-5"}, "--delays"},
      {{"requests", "--delays", "soon"}, "--delays"},
      {{"requests", "--delays", "99999999"}, "--delays"},
      {{"requests", "--port", "70000"}, "--port"},
      {{"delay-server", "--port", "-1"}, "--port"},
      {{"delay-server", "--port", "0x50"}, "--port"},
      {{"delay-server", "--seconds", "nan"}, "--seconds"},
      {{"wake", "--count", "0"}, "--count"},
      {{"bench", "--handles", "0"}, "--handles"},
      {{"syscall", "--loud"}, "--loud"},
      {{"frobnicate"}, "frobnicate"},
  };
  EXPECT_EQ(rt::testing::refusal_failures(ch02::program(), cases), "");
}
