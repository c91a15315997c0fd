// The echo protocol, kept by every model: every byte back, in order; --upper; half-close.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <tuple>

#include "echo_testing.hpp"

namespace {

using ch04::EchoServer;
using ch04::Model;
using ch04::ServerOptions;
using namespace ch04::testing;

class EchoBySize : public ::testing::TestWithParam<std::tuple<ModelUnderTest, std::size_t>> {};

TEST_P(EchoBySize, EveryByteComesBackInOrderThenTheServerCloses) {
  const auto& [model, size] = GetParam();
  CH04_SKIP_UNAVAILABLE(model.model);
  EchoServer server = start_server(model, {});
  std::string message = text(size);
  std::string echo = echo_once(server.port(), message);
  ASSERT_EQ(echo.size(), message.size());
  EXPECT_TRUE(echo == message) << "the echo differs from what was sent";
  EXPECT_TRUE(server.stats().wait_until([](auto& c) { return c.open == 0; }, kPatience));
  auto counts = server.stats().counts();
  EXPECT_EQ(counts.accepted, 1u);
  EXPECT_EQ(counts.resets, 0u);
  EXPECT_EQ(server.stats().bytes_echoed(), size);
}

// 1 B; 1 KiB; 64 KiB (four server buffers); 1 MiB (larger than any socket buffer here).
INSTANTIATE_TEST_SUITE_P(Models, EchoBySize,
                         ::testing::Combine(::testing::ValuesIn(models_under_test()),
                                            ::testing::Values(std::size_t{1}, std::size_t{1024},
                                                              std::size_t{65536},
                                                              std::size_t{1} << 20)),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + "_" +
                                  std::to_string(std::get<1>(info.param)) + "B";
                         });

class Echo : public ::testing::TestWithParam<ModelUnderTest> {};

TEST_P(Echo, UpperRepliesWithAsciiLettersUpperCasedAndNothingElseChanged) {
  CH04_SKIP_UNAVAILABLE(GetParam().model);
  EchoServer server = start_server(GetParam(), {.upper = true});
  EXPECT_EQ(echo_once(server.port(), "Hello, world! 123 abc_xyz\n"), "HELLO, WORLD! 123 ABC_XYZ\n");
}

TEST_P(Echo, HalfCloseGetsWhatWasSentThenEndOfStream) {
  CH04_SKIP_UNAVAILABLE(GetParam().model);
  EchoServer server = start_server(GetParam(), {});
  auto socket = rt::poll::connect_loopback(server.port());
  std::string message = text(3000);
  rt::poll::send_all(socket, message);
  rt::poll::shutdown_send(socket);  // before reading a byte of the echo
  EXPECT_EQ(rt::poll::receive_exactly(socket, message.size()), message);
  // Then end-of-stream: the server closed because the client had, not because of an error.
  EXPECT_EQ(read_until_closed(socket), "");
  EXPECT_TRUE(server.stats().wait_until([](auto& c) { return c.open == 0; }, kPatience));
  EXPECT_EQ(server.stats().counts().resets, 0u);
}

TEST_P(Echo, ManyMessagesOnOneConnectionEachEchoedBeforeTheNext) {
  CH04_SKIP_UNAVAILABLE(GetParam().model);
  EchoServer server = start_server(GetParam(), {});
  auto socket = rt::poll::connect_loopback(server.port());
  for (unsigned i = 0; i < 200; ++i) {
    std::string message = text(1 + i * 7, i);
    rt::poll::send_all(socket, message);
    ASSERT_EQ(rt::poll::receive_exactly(socket, message.size()), message) << "message " << i;
  }
}

TEST_P(Echo, APortInUseIsRefusedWithTheAddressInTheMessage) {
  CH04_SKIP_UNAVAILABLE(GetParam().model);
  auto taken = rt::poll::listen_loopback();
  auto port = rt::poll::local_port(taken);
  try {
    EchoServer server = start_server(GetParam(), {.port = port});
    FAIL() << "a second server bound the same port";
  } catch (const rt::OsError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(fmt::format("bind 127.0.0.1:{}: ", port), 0), 0u)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Models, Echo, ::testing::ValuesIn(models_under_test()), ModelName{});

}  // namespace
