// The delay server under the faults a real client brings: one that connects and stays
// silent while the server stops, a delay cut short by the stop, and a request head that
// never ends. Each wait is for something the server did (DelayServer::wait_until), never a
// sleep.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "delay_server.hpp"
#include "rt/testing.hpp"

using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

namespace {

using rt::testing::kPatience;

// Reads until the server closes; `orderly` says whether it closed with FIN (not a reset).
std::string read_to_the_end(const rt::poll::Socket& socket, bool* orderly) {
  std::string got;
  std::array<std::byte, 4096> buffer;
  for (;;) {
    auto r = rt::poll::receive_some(socket, buffer);
    if (r.error != 0 || r.bytes <= 0) {
      *orderly = r.error == 0;
      return got;
    }
    got.append(reinterpret_cast<const char*>(buffer.data()), static_cast<std::size_t>(r.bytes));
  }
}

}  // namespace

TEST(DelayServer, StopsWithoutWaitingForAClientThatStaysSilent) {
  std::optional<ch02::DelayServer> server(std::in_place);
  auto silent = rt::poll::connect_loopback(server->port());
  ASSERT_TRUE(server->wait_until([](auto& c) { return c.accepted == 1; }, kPatience));
  std::promise<void> stopped;
  std::thread stopper([&] {
    server.reset();
    stopped.set_value();
  });
  bool in_time = stopped.get_future().wait_for(kPatience) == std::future_status::ready;
  EXPECT_TRUE(in_time) << "the stop waited for the silent client";
  if (!in_time) silent.close();  // lets the stop end, so the test can
  stopper.join();
}

TEST(DelayServer, ADelayCutShortByTheStopIsAnswered503WithTheTimeItReallyWaited) {
  std::optional<ch02::DelayServer> server(std::in_place);
  auto client = rt::poll::connect_loopback(server->port());
  rt::poll::send_all(client, "GET /delay/60000 HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(server->wait_until([](auto& c) { return c.delaying == 1; }, kPatience));
  server.reset();
  bool orderly = false;
  std::string answer = read_to_the_end(client, &orderly);
  EXPECT_THAT(answer, StartsWith("HTTP/1.0 503 Service Unavailable\r\n"));
  EXPECT_THAT(answer, HasSubstr(" of 60000 ms\n"));
  EXPECT_THAT(answer, ::testing::Not(HasSubstr("waited 60000 ms")));
  EXPECT_TRUE(orderly);
}

TEST(DelayServer, ARequestHeadOver1KiBGetsIts400AndAnOrderlyCloseNotAReset) {
  ch02::DelayServer server;
  auto client = rt::poll::connect_loopback(server.port());
  rt::poll::send_all(client, std::string(4096, 'x'));  // no blank line, ever
  bool orderly = false;
  std::string answer = read_to_the_end(client, &orderly);
  EXPECT_THAT(answer, StartsWith("HTTP/1.0 400 Bad Request\r\n"));
  EXPECT_TRUE(orderly) << "the connection was reset";
}
