// The load client's verification: the pattern catches every kind of damage, the client
// finds a server that flips one byte, and it agrees with every honest model.
#include <gtest/gtest.h>

#include <thread>

#include "client.hpp"
#include "echo_testing.hpp"
#include "pattern.hpp"

namespace {

using ch04::EchoServer;
using ch04::Model;
using namespace ch04::testing;

std::vector<std::byte> pattern(std::uint64_t connection, std::uint64_t number, std::size_t size) {
  std::vector<std::byte> bytes(size);
  ch04::fill_pattern(bytes, connection, number);
  return bytes;
}

TEST(Pattern, AnIntactMessageChecksWholeAndInPieces) {
  auto message = pattern(3, 17, 1000);
  EXPECT_EQ(ch04::check_pattern(message, 3, 17, 0, 1000), std::nullopt);
  std::span<const std::byte> all(message);
  EXPECT_EQ(ch04::check_pattern(all.subspan(400, 100), 3, 17, 400, 1000), std::nullopt);
}

TEST(Pattern, AFlippedByteIsNamedWithItsPosition) {
  auto message = pattern(3, 17, 64);
  message[5] ^= std::byte{0x01};
  auto error = ch04::check_pattern(message, 3, 17, 0, 64);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->rfind("connection 3, message 17, byte 5 of 64: got ", 0), 0u) << *error;
}

TEST(Pattern, ALostADuplicatedOrASwappedByteIsCaught) {
  auto message = pattern(1, 2, 256);
  auto lost = message;
  lost.erase(lost.begin() + 100);
  EXPECT_TRUE(ch04::check_pattern(std::span(lost).first(255), 1, 2, 0, 256));
  auto duplicated = message;
  duplicated.insert(duplicated.begin() + 100, duplicated[100]);
  EXPECT_TRUE(ch04::check_pattern(std::span(duplicated).first(256), 1, 2, 0, 256));
  auto swapped = message;
  // Two neighbouring bytes that differ (the pattern makes equal neighbours rare; find one).
  std::size_t at = 0;
  while (swapped[at] == swapped[at + 1]) ++at;
  std::swap(swapped[at], swapped[at + 1]);
  EXPECT_TRUE(ch04::check_pattern(swapped, 1, 2, 0, 256));
}

TEST(Pattern, OtherConnectionsAndMessagesCarryOtherBytes) {
  EXPECT_TRUE(ch04::check_pattern(pattern(1, 2, 64), 2, 2, 0, 64));
  EXPECT_TRUE(ch04::check_pattern(pattern(1, 2, 64), 1, 3, 0, 64));
}

TEST(Pattern, UpperExpectsTheUpperCasedEcho) {
  auto message = pattern(0, 0, 512);
  ch04::to_upper_ascii(message);
  EXPECT_EQ(ch04::check_pattern(message, 0, 0, 0, 512, /*upper=*/true), std::nullopt);
  EXPECT_TRUE(ch04::check_pattern(message, 0, 0, 0, 512, /*upper=*/false))
      << "the pattern has no lower-case letters for --upper to change";
}

// A server that echoes, but flips one bit of the byte at stream offset `corrupt_at`.
class CorruptingServer {
 public:
  explicit CorruptingServer(std::size_t corrupt_at)
      : listener_(rt::poll::listen_loopback()), thread_([this, corrupt_at] {
          auto socket = rt::poll::accept_connection(listener_);
          std::size_t offset = 0;
          char buffer[4096];
          for (;;) {
            auto r = rt::poll::receive_some(socket, std::as_writable_bytes(std::span(buffer)));
            if (!r.ok() || r.bytes == 0) break;
            auto n = static_cast<std::size_t>(r.bytes);
            if (corrupt_at >= offset && corrupt_at < offset + n) {
              buffer[corrupt_at - offset] ^= 0x01;
            }
            offset += n;
            rt::poll::send_all(socket, std::string_view(buffer, n));
          }
        }) {}
  ~CorruptingServer() { thread_.join(); }
  std::uint16_t port() const { return rt::poll::local_port(listener_); }

 private:
  rt::poll::Socket listener_;
  std::thread thread_;
};

TEST(Client, CatchesAServerThatFlipsOneByteAndSaysWhere) {
  CorruptingServer server(64 + 36);  // message 1, byte 36
  auto r = ch04::run_load({.port = server.port(), .size = 64, .messages = 10});
  EXPECT_EQ(r.errors, 1u);
  ASSERT_EQ(r.first_errors.size(), 1u);
  EXPECT_EQ(r.first_errors[0].rfind("connection 0, message 1, byte 36 of 64: got ", 0), 0u)
      << r.first_errors[0];
  EXPECT_EQ(r.messages, 1u) << "only message 0 was intact";
}

TEST(Client, ReportsAConnectionRefusedAsAnError) {
  std::uint16_t port;
  {
    auto closed = rt::poll::listen_loopback();
    port = rt::poll::local_port(closed);
  }
  auto r = ch04::run_load({.port = port, .connections = 2, .messages = 1});
  EXPECT_EQ(r.errors, 2u);
  EXPECT_EQ(r.connections, 0u);
}

TEST(Client, SendsNothingUntilEveryConnectionIsUpAndCountsFromThere) {
  EchoServer server({.model = Model::fibers});
  auto r = ch04::run_load({.port = server.port(), .connections = 200, .messages = 3});
  ASSERT_EQ(r.errors, 0u) << r.first_errors[0];
  EXPECT_EQ(r.connections, 200u);
  EXPECT_LE(r.last_connected, r.measured_from) << "the clock started before the last connect";
  EXPECT_LE(r.last_connected, r.first_send) << "a message went out while others connected";
  EXPECT_LE(r.measured_from, r.first_send) << "with no warm-up, every message is counted";
  EXPECT_EQ(r.messages, 200u * 3u);
  EXPECT_EQ(r.warmup_messages, 0u);
}

TEST(Client, WarmUpEchoesAreVerifiedButNotCounted) {
  EchoServer server({.model = Model::fibers});
  constexpr std::size_t kSize = 100;
  auto r = ch04::run_load(
      {.port = server.port(), .connections = 4, .size = kSize, .messages = 10, .warmup_s = 0.05});
  ASSERT_EQ(r.errors, 0u) << r.first_errors[0];
  EXPECT_EQ(r.messages, 4u * 10u) << "--messages counts only the messages after the warm-up";
  EXPECT_EQ(r.latency_us.count, 4u * 10u);
  EXPECT_GE(r.warmup_seconds, 0.05);
  EXPECT_LE(r.last_connected, r.first_send);
  EXPECT_LE(r.first_send, r.measured_from) << "the warm-up's messages went first";
  // Every message sent was echoed and verified, in the warm-up or after it.
  EXPECT_EQ(server.stats().bytes_echoed(), (r.messages + r.warmup_messages) * kSize);
}

class ClientAgainst : public ::testing::TestWithParam<Model> {};

TEST_P(ClientAgainst, EveryMessageComesBackIntactWithPipelining) {
  CH04_SKIP_UNAVAILABLE(GetParam());
  EchoServer server({.model = GetParam(), .upper = true});
  auto r = ch04::run_load({.port = server.port(),
                           .connections = 20,
                           .size = 300,
                           .messages = 50,
                           .pipeline = 4,
                           .upper = true});
  EXPECT_EQ(r.errors, 0u) << (r.first_errors.empty() ? "" : r.first_errors[0]);
  EXPECT_EQ(r.connections, 20u);
  EXPECT_EQ(r.messages, 20u * 50u);
  EXPECT_EQ(r.latency_us.count, 20u * 50u);
  EXPECT_EQ(server.stats().bytes_echoed(), 20u * 50u * 300u);
}

TEST_P(ClientAgainst, AMessageLargerThanTheSocketBuffersIsWrittenWhileItIsRead) {
  CH04_SKIP_UNAVAILABLE(GetParam());
  EchoServer server({.model = GetParam()});
  auto r = ch04::run_load({.port = server.port(), .size = 4u << 20, .messages = 2});
  EXPECT_EQ(r.errors, 0u) << (r.first_errors.empty() ? "" : r.first_errors[0]);
  EXPECT_EQ(r.messages, 2u);
}

INSTANTIATE_TEST_SUITE_P(Models, ClientAgainst,
                         ::testing::Values(Model::threads, Model::events, Model::fibers),
                         ModelName{});

}  // namespace
