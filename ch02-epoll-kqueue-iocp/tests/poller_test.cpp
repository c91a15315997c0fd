// The readiness half of poller.hpp's contract, on epoll and kqueue. IOCP has no readiness
// for sockets (poller.hpp): there these tests skip, and io_operation_test.cpp checks the
// same situations (data arrives, peer closes, 1,000 sockets) through completions.
#include "rt/poll/poller.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <stdexcept>

#include "rt/testing.hpp"

using namespace std::chrono_literals;
using rt::poll::Event;
using rt::poll::Handle;
using rt::poll::Interest;
using rt::poll::Poller;
using rt::poll::Trigger;

namespace {

using rt::testing::kPatience;

#define SKIP_WITHOUT_READINESS()                                                        \
  if (!Poller::supports_readiness())                                                    \
  GTEST_SKIP() << Poller::backend_name()                                                \
               << " is used without readiness for sockets here; io_operation_test.cpp " \
                  "covers this case through completions"

std::byte one_byte[1] = {std::byte{'x'}};

void drain(const rt::poll::Socket& socket) {
  std::array<std::byte, 256> buffer;
  while (rt::poll::receive_some(socket, buffer).bytes > 0) {
  }
}

}  // namespace

TEST(Poller, ReadinessRegistrationIsRefusedWhereTheBackendHasNone) {
  if (Poller::supports_readiness()) GTEST_SKIP() << Poller::backend_name() << " has readiness";
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  EXPECT_THROW(poller.add(a.handle(), Interest::read, 1), rt::OsError);
}

TEST(Poller, NothingReadyMeansAPollReturnsNoEvents) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  poller.add(a.handle(), Interest::read, 1);
  std::array<Event, 8> events;
  EXPECT_EQ(poller.wait(events, 0ms), 0u);
}

TEST(Poller, ReadableOnceThePeerSends) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  poller.add(a.handle(), Interest::read, 7);
  rt::poll::send_all(b, "x");
  std::array<Event, 8> events;
  ASSERT_EQ(poller.wait(events, kPatience), 1u);
  EXPECT_EQ(events[0].token, 7u);
  EXPECT_TRUE(events[0].readable);
  EXPECT_FALSE(events[0].hangup);
  EXPECT_FALSE(events[0].error);
}

TEST(Poller, WritableWhileTheSendBufferHasRoom) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  poller.add(a.handle(), Interest::write, 3);
  std::array<Event, 8> events;
  ASSERT_EQ(poller.wait(events, kPatience), 1u);
  EXPECT_EQ(events[0].token, 3u);
  EXPECT_TRUE(events[0].writable);
  EXPECT_FALSE(events[0].readable);
}

TEST(Poller, TheTokenSurvivesWithAllSixtyFourBits) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  const std::uint64_t token = 0x8123'4567'89ab'cdefull;  // high bit set, every byte distinct
  poller.add(a.handle(), Interest::write, token);
  std::array<Event, 8> events;
  ASSERT_EQ(poller.wait(events, kPatience), 1u);
  EXPECT_EQ(events[0].token, token);
}

TEST(Poller, ModifyReplacesInterestAndToken) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  poller.add(a.handle(), Interest::read, 1);
  std::array<Event, 8> events;
  EXPECT_EQ(poller.wait(events, 0ms), 0u);  // nothing to read yet
  poller.modify(a.handle(), Interest::write, 2);
  ASSERT_EQ(poller.wait(events, kPatience), 1u);
  EXPECT_EQ(events[0].token, 2u);
  EXPECT_TRUE(events[0].writable);
}

TEST(Poller, ARemovedHandleIsNotReported) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  poller.add(a.handle(), Interest::read_write, 1);
  rt::poll::send_all(b, "x");
  poller.remove(a.handle());
  std::array<Event, 8> events;
  EXPECT_EQ(poller.wait(events, 0ms), 0u);
}

TEST(Poller, ClosingARegisteredHandleEndsItsRegistration) {
  // poller.hpp, "Misuse": closing without remove() is allowed on epoll and kqueue; the kernel
  // drops the registration with the last descriptor, so nothing more is reported for it
  // and remove() afterwards is an error.
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  const Handle closed = a.handle();
  poller.add(closed, Interest::read_write, 1);
  rt::poll::send_all(b, "x");
  a.close();
  std::array<Event, 8> events;
  EXPECT_EQ(poller.wait(events, 0ms), 0u);
  EXPECT_THROW(poller.remove(closed), rt::OsError);
}

TEST(Poller, LevelTriggeredReportsAgainUntilDrained) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  rt::poll::set_nonblocking(a);
  poller.add(a.handle(), Interest::read, 1, Trigger::level);
  rt::poll::send_all(b, "x");
  std::array<Event, 8> events;
  ASSERT_EQ(poller.wait(events, kPatience), 1u);
  ASSERT_EQ(poller.wait(events, 0ms), 1u) << "level-triggered: still readable, reported again";
  EXPECT_TRUE(events[0].readable);
  drain(a);
  EXPECT_EQ(poller.wait(events, 0ms), 0u);
}

TEST(Poller, EdgeTriggeredReportsOncePerArrival) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  rt::poll::set_nonblocking(a);
  poller.add(a.handle(), Interest::read, 1, Trigger::edge);
  rt::poll::send_all(b, "x");
  std::array<Event, 8> events;
  ASSERT_EQ(poller.wait(events, kPatience), 1u);
  EXPECT_EQ(poller.wait(events, 0ms), 0u) << "edge-triggered: no new data, no new event";
  rt::poll::send_all(b, "y");
  ASSERT_EQ(poller.wait(events, kPatience), 1u) << "new data is a new edge";
  EXPECT_TRUE(events[0].readable);
}

TEST(Poller, PeerCloseIsReportedAsHangupAndReadable) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  poller.add(a.handle(), Interest::read, 1);
  b.close();
  std::array<Event, 8> events;
  ASSERT_EQ(poller.wait(events, kPatience), 1u);
  EXPECT_TRUE(events[0].hangup);
  EXPECT_TRUE(events[0].readable);
  std::array<std::byte, 8> buffer;
  EXPECT_EQ(rt::poll::receive_some(a, buffer).bytes, 0) << "a read after hangup sees the end";
}

TEST(Poller, PeerResetIsReportedAsAnError) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  poller.add(a.handle(), Interest::read, 1);
  rt::poll::set_reset_on_close(b);
  b.close();
  std::array<Event, 8> events;
  ASSERT_EQ(poller.wait(events, kPatience), 1u);
  EXPECT_TRUE(events[0].hangup);
  EXPECT_TRUE(events[0].error);
  std::array<std::byte, 8> buffer;
  auto r = rt::poll::receive_some(a, buffer);
  EXPECT_TRUE(rt::poll::is_connection_reset(r.error)) << "error " << r.error;
}

TEST(Poller, MisuseThrowsNamingTheKernelCall) {
  SKIP_WITHOUT_READINESS();
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  try {
    poller.remove(a.handle());
    FAIL() << "removing a handle never added must throw";
  } catch (const rt::OsError& e) {
    EXPECT_NE(std::string(e.what()).find("DEL"), std::string::npos) << e.what();
  }
  if (std::string(Poller::backend_name()) == "epoll") {
    // kqueue's EV_ADD would silently register it instead (poller.hpp, "Misuse").
    EXPECT_THROW(poller.modify(a.handle(), Interest::read, 1), rt::OsError);
  }
  EXPECT_THROW(poller.add(a.handle(), Interest::read, rt::poll::kWakeToken), std::invalid_argument);
}

TEST(Poller, ThousandSocketsInOnePollerAreEachReported) {
  SKIP_WITHOUT_READINESS();
  constexpr std::size_t kSockets = 1000;
  Poller poller;
  rt::poll::Socket listener = rt::poll::listen_loopback(0, 1024);
  std::vector<rt::poll::Socket> clients, servers;
  for (std::size_t i = 0; i < kSockets; ++i) {
    clients.push_back(rt::poll::connect_loopback(rt::poll::local_port(listener)));
    servers.push_back(rt::poll::accept_connection(listener));
    rt::poll::set_nonblocking(servers.back());
    poller.add(servers.back().handle(), Interest::read, i);
  }
  for (auto& client : clients) rt::poll::send_some(client, one_byte);
  std::set<std::uint64_t> seen;
  std::array<Event, 64> events;  // fewer than the sockets: several waits are needed
  while (seen.size() < kSockets) {
    std::size_t n = poller.wait(events, kPatience);
    ASSERT_GT(n, 0u) << "only " << seen.size() << " of " << kSockets << " reported";
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_LT(events[i].token, kSockets);
      ASSERT_TRUE(events[i].readable);
      seen.insert(events[i].token);
      drain(servers[events[i].token]);  // level-triggered: drained sockets go quiet
    }
  }
  std::array<Event, 64> after;
  EXPECT_EQ(poller.wait(after, 0ms), 0u);
}
