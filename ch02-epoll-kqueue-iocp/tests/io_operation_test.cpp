// io_operation.hpp: socket operations that finish through the Poller, the same test on
// every backend (readiness: epoll, kqueue; completion: IOCP).
#include "rt/poll/io_operation.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "rt/testing.hpp"

using namespace std::chrono_literals;
using rt::poll::Event;
using rt::poll::IoSocket;
using rt::poll::Operation;
using rt::poll::Poller;

namespace {

using rt::testing::kPatience;

std::span<std::byte> bytes_of(std::string& text) {
  return std::as_writable_bytes(std::span(text.data(), text.size()));
}

// Runs the event loop until `operation` finished; fails (instead of hanging) if the queue
// goes quiet first.
void run_until_finished(Poller& poller, IoSocket& io, Operation& operation) {
  std::array<Event, 16> events;
  while (operation.state() != Operation::State::finished) {
    std::size_t n = poller.wait(events, kPatience);
    ASSERT_GT(n, 0u) << "the queue went quiet with the operation still pending";
    for (std::size_t i = 0; i < n; ++i) {
      if (events[i].token == io.token()) io.on_event(events[i]);
    }
  }
}

struct Connected {
  Poller poller;
  std::pair<rt::poll::Socket, rt::poll::Socket> pair = rt::poll::connected_pair();
  rt::poll::Socket& local = pair.first;  // registered, non-blocking
  rt::poll::Socket& peer = pair.second;  // blocking, driven by the test
  Connected() { rt::poll::set_nonblocking(local); }
};

}  // namespace

TEST(IoOperation, AReceiveFinishesWhenDataArrives) {
  Connected c;
  IoSocket io(c.poller, c.local);
  std::string buffer(64, '\0');
  Operation receive(Operation::Kind::receive, bytes_of(buffer));
  EXPECT_FALSE(io.start(receive)) << "nothing sent yet: the receive must be pending";
  EXPECT_EQ(receive.state(), Operation::State::pending);
  EXPECT_EQ(io.pending(), 1);
  rt::poll::send_all(c.peer, "hello");
  run_until_finished(c.poller, io, receive);
  EXPECT_EQ(receive.error(), 0);
  ASSERT_EQ(receive.bytes(), 5u);
  EXPECT_EQ(buffer.substr(0, 5), "hello");
  EXPECT_EQ(io.pending(), 0);
}

TEST(IoOperation, AReceiveOfDataAlreadyThereFinishes) {
  // Readiness backends finish it inside start(); IOCP through the queue. Both finish.
  Connected c;
  IoSocket io(c.poller, c.local);
  rt::poll::send_all(c.peer, "early");
  std::string buffer(64, '\0');
  Operation receive(Operation::Kind::receive, bytes_of(buffer));
  // The data may still be in flight on loopback; either way the operation must finish.
  if (!io.start(receive)) run_until_finished(c.poller, io, receive);
  EXPECT_EQ(receive.error(), 0);
  EXPECT_EQ(buffer.substr(0, receive.bytes()), std::string("early").substr(0, receive.bytes()));
  EXPECT_GT(receive.bytes(), 0u);
}

TEST(IoOperation, AnEventThatFinishesNothingLeavesTheOperationPending) {
  // Readiness may be spurious (poller.hpp): a "readable" with no data behind it retries the
  // call, gets EAGAIN and keeps waiting. On IOCP an event without a completion finishes
  // nothing. Either way the operation stays pending and later finishes normally.
  Connected c;
  IoSocket io(c.poller, c.local);
  std::string buffer(64, '\0');
  Operation receive(Operation::Kind::receive, bytes_of(buffer));
  ASSERT_FALSE(io.start(receive));
  Event spurious;
  spurious.token = io.token();
  spurious.readable = true;
  spurious.writable = true;
  EXPECT_EQ(io.on_event(spurious).count, 0u);
  EXPECT_EQ(receive.state(), Operation::State::pending);
  rt::poll::send_all(c.peer, "real");
  run_until_finished(c.poller, io, receive);
  EXPECT_EQ(buffer.substr(0, receive.bytes()), "real");
}

namespace {

// A socket whose last receive came back short: a receive waited, the peer sent `text` (then
// its FIN, if asked), and the receive took all of it into a 64-byte buffer.
struct AfterAShortReceive : Connected {
  IoSocket io{poller, local};
  std::string buffer = std::string(64, '\0');
  Operation receive{Operation::Kind::receive, bytes_of(buffer)};

  void receive_short(const std::string& text, bool then_fin = false) {
    ASSERT_FALSE(io.start(receive));
    rt::poll::send_all(peer, text);
    if (then_fin) rt::poll::shutdown_send(peer);
    run_until_finished(poller, io, receive);
    ASSERT_EQ(received(), text) << text.size() << " bytes into 64: a short receive";
    receive.reset();
  }
  std::string received() const { return buffer.substr(0, receive.bytes()); }
};

}  // namespace

// Readiness backends: a receive that came back short took all the socket had, so the next
// receive waits for an edge without a recv() first (io_operation_readiness.cpp). Data sent
// after the short receive brings that edge: nothing waits for data already there.
TEST(IoOperation, AfterAShortReceiveTheNextWaitsForTheEdgeOfTheNextData) {
  if (!Poller::supports_readiness()) {
    GTEST_SKIP() << Poller::backend_name() << ": completions; every receive goes to the kernel";
  }
  AfterAShortReceive s;
  ASSERT_NO_FATAL_FAILURE(s.receive_short("one"));
  rt::poll::send_all(s.peer, "two");  // in the socket already; its edge is queued
  EXPECT_FALSE(s.io.start(s.receive)) << "after a short receive, a receive waits for the edge";
  run_until_finished(s.poller, s.io, s.receive);
  EXPECT_EQ(s.received(), "two");
}

// The mark a short receive leaves is cleared by the next readable event even when no receive
// waits for it: a receive started after that event must call recv() and find the data, since
// no other edge will come for it.
TEST(IoOperation, AReadableEventWithNoReceiveWaitingStillEndsTheWaitAfterAShortReceive) {
  if (!Poller::supports_readiness()) {
    GTEST_SKIP() << Poller::backend_name() << ": completions; every receive goes to the kernel";
  }
  AfterAShortReceive s;
  ASSERT_NO_FATAL_FAILURE(s.receive_short("one"));
  rt::poll::send_all(s.peer, "two");
  std::array<Event, 16> events;
  bool readable = false;
  while (!readable) {  // the edge of "two", handled while no receive waits
    std::size_t n = s.poller.wait(events, kPatience);
    ASSERT_GT(n, 0u) << "no event for the data sent";
    for (std::size_t i = 0; i < n; ++i) {
      if (events[i].token != s.io.token()) continue;
      readable = readable || events[i].readable;
      EXPECT_EQ(s.io.on_event(events[i]).count, 0u);
    }
  }
  ASSERT_TRUE(s.io.start(s.receive)) << "the data is there and its edge was spent: recv() now";
  EXPECT_EQ(s.received(), "two");
}

// The peer's data and its FIN arrive before the poll: one event says readable and hangup, and
// the receive it finishes is short. No edge follows a FIN, so the next receive must not wait
// for one: it reads the end (0 bytes).
TEST(IoOperation, AShortReceiveThatLeftTheFinBehindStillReachesTheEnd) {
  AfterAShortReceive s;
  ASSERT_NO_FATAL_FAILURE(s.receive_short("last", /*then_fin=*/true));
  if (!s.io.start(s.receive)) run_until_finished(s.poller, s.io, s.receive);
  EXPECT_EQ(s.receive.error(), 0);
  EXPECT_EQ(s.receive.bytes(), 0u) << "0 bytes without error: the peer closed";
}

TEST(IoOperation, ASendFinishesAndThePeerReceivesIt) {
  Connected c;
  IoSocket io(c.poller, c.local);
  std::string text = "over the queue";
  Operation send(Operation::Kind::send, bytes_of(text));
  if (!io.start(send)) run_until_finished(c.poller, io, send);
  EXPECT_EQ(send.error(), 0);
  ASSERT_EQ(send.bytes(), text.size()) << "a short send to an empty loopback buffer";
  EXPECT_EQ(rt::poll::receive_exactly(c.peer, text.size()), text);
}

TEST(IoOperation, PeerCloseFinishesAPendingReceiveWithZeroBytes) {
  Connected c;
  IoSocket io(c.poller, c.local);
  std::string buffer(64, '\0');
  Operation receive(Operation::Kind::receive, bytes_of(buffer));
  ASSERT_FALSE(io.start(receive));
  c.peer.close();
  run_until_finished(c.poller, io, receive);
  EXPECT_EQ(receive.error(), 0);
  EXPECT_EQ(receive.bytes(), 0u) << "0 bytes without error: the peer closed";
}

TEST(IoOperation, PeerResetFinishesAPendingReceiveWithAResetError) {
  Connected c;
  IoSocket io(c.poller, c.local);
  std::string buffer(64, '\0');
  Operation receive(Operation::Kind::receive, bytes_of(buffer));
  ASSERT_FALSE(io.start(receive));
  rt::poll::set_reset_on_close(c.peer);
  c.peer.close();
  run_until_finished(c.poller, io, receive);
  EXPECT_TRUE(rt::poll::is_connection_reset(receive.error())) << "error " << receive.error();
}

TEST(IoOperation, CancelFinishesAPendingReceiveAsCancelled) {
  Connected c;
  IoSocket io(c.poller, c.local);
  std::string buffer(64, '\0');
  Operation receive(Operation::Kind::receive, bytes_of(buffer));
  ASSERT_FALSE(io.start(receive));
  if (!io.cancel(receive)) {
    // IOCP: the kernel still owns the buffer until the completion is dequeued.
    EXPECT_EQ(receive.state(), Operation::State::pending);
    run_until_finished(c.poller, io, receive);
  }
  EXPECT_TRUE(rt::poll::is_cancelled(receive.error())) << "error " << receive.error();
  // The socket is still usable: a new receive gets new data.
  receive.reset();
  rt::poll::send_all(c.peer, "after");
  if (!io.start(receive)) run_until_finished(c.poller, io, receive);
  EXPECT_EQ(receive.error(), 0);
  EXPECT_GT(receive.bytes(), 0u);
}

TEST(IoOperation, AReceiveAndASendPendAtOnceOnOneSocket) {
  Connected c;
  IoSocket io(c.poller, c.local);
  std::string in(16, '\0');
  Operation receive(Operation::Kind::receive, bytes_of(in));
  ASSERT_FALSE(io.start(receive));
  std::string out = "ping";
  Operation send(Operation::Kind::send, bytes_of(out));
  if (!io.start(send)) run_until_finished(c.poller, io, send);
  EXPECT_EQ(send.bytes(), 4u);
  EXPECT_EQ(receive.state(), Operation::State::pending) << "the receive still waits";
  EXPECT_EQ(rt::poll::receive_exactly(c.peer, 4), "ping");
  rt::poll::send_all(c.peer, "pong");
  run_until_finished(c.poller, io, receive);
  EXPECT_EQ(in.substr(0, receive.bytes()), "pong");
}

TEST(IoOperation, ThousandSocketsInOnePollerEachFinishTheirReceive) {
  constexpr std::size_t kSockets = 1000;
  Poller poller;
  rt::poll::Socket listener = rt::poll::listen_loopback(0, 1024);
  std::vector<rt::poll::Socket> clients, servers;
  std::vector<std::unique_ptr<IoSocket>> ios;
  std::vector<std::array<std::byte, 4>> buffers(kSockets);
  std::vector<std::unique_ptr<Operation>> receives;
  for (std::size_t i = 0; i < kSockets; ++i) {
    clients.push_back(rt::poll::connect_loopback(rt::poll::local_port(listener)));
    servers.push_back(rt::poll::accept_connection(listener));
    rt::poll::set_nonblocking(servers.back());
    ios.push_back(std::make_unique<IoSocket>(poller, servers.back()));
    receives.push_back(std::make_unique<Operation>(Operation::Kind::receive, buffers[i]));
    ASSERT_FALSE(ios.back()->start(*receives.back())) << "socket " << i;
  }
  for (std::size_t i = 0; i < kSockets; ++i) {
    std::byte tag[1] = {static_cast<std::byte>(i % 251)};
    ASSERT_EQ(rt::poll::send_some(clients[i], tag).bytes, 1);
  }
  std::size_t finished = 0;
  std::array<Event, 64> events;  // fewer than the sockets: several waits are needed
  while (finished < kSockets) {
    std::size_t n = poller.wait(events, kPatience);
    ASSERT_GT(n, 0u) << "only " << finished << " of " << kSockets << " finished";
    for (std::size_t e = 0; e < n; ++e) {
      auto* io = reinterpret_cast<IoSocket*>(static_cast<std::uintptr_t>(events[e].token));
      finished += io->on_event(events[e]).count;
    }
  }
  for (std::size_t i = 0; i < kSockets; ++i) {
    ASSERT_EQ(receives[i]->state(), Operation::State::finished);
    ASSERT_EQ(receives[i]->bytes(), 1u) << "socket " << i;
    ASSERT_EQ(buffers[i][0], static_cast<std::byte>(i % 251)) << "socket " << i;
  }
}

namespace {

rt::poll::Ipv4Address loopback(std::uint16_t port) {
  return rt::poll::parse_ipv4("127.0.0.1", port);
}

// A port on 127.0.0.1 that nobody listens on: bound once by us, then released.
std::uint16_t unused_port() {
  rt::poll::Socket probe = rt::poll::listen_loopback(0, 1);
  return rt::poll::local_port(probe);
}

}  // namespace

TEST(IoOperation, AnAcceptFinishesWithTheConnectionOfAClientThatArrivesLater) {
  Poller poller;
  rt::poll::Socket listener = rt::poll::listen_tcp(loopback(0), 16);
  IoSocket io(poller, listener);
  std::array<std::byte, Operation::kAcceptBufferBytes> addresses{};
  Operation accept(Operation::Kind::accept, addresses);
  ASSERT_FALSE(io.start(accept)) << "no client yet: the accept must be pending";
  EXPECT_EQ(io.pending(), 1);
  rt::poll::Socket client = rt::poll::connect_loopback(rt::poll::local_port(listener));
  run_until_finished(poller, io, accept);
  ASSERT_EQ(accept.error(), 0);
  rt::poll::Socket server = accept.take_accepted();
  ASSERT_TRUE(server.valid());
  EXPECT_FALSE(accept.take_accepted().valid()) << "the socket is handed out once";
  EXPECT_EQ(rt::poll::peer_port(server), rt::poll::local_port(client))
      << "it is the client's connection, with its properties (SO_UPDATE_ACCEPT_CONTEXT)";
  rt::poll::send_all(client, "hi");
  // The accepted socket is non-blocking: a receive operation on it works like any other.
  IoSocket server_io(poller, server);
  std::string buffer(8, '\0');
  Operation receive(Operation::Kind::receive, bytes_of(buffer));
  if (!server_io.start(receive)) run_until_finished(poller, server_io, receive);
  EXPECT_EQ(buffer.substr(0, receive.bytes()), std::string("hi").substr(0, receive.bytes()));
  EXPECT_GT(receive.bytes(), 0u);
}

TEST(IoOperation, AnAcceptOfAClientAlreadyWaitingFinishes) {
  Poller poller;
  rt::poll::Socket listener = rt::poll::listen_tcp(loopback(0), 16);
  rt::poll::Socket client = rt::poll::connect_loopback(rt::poll::local_port(listener));
  IoSocket io(poller, listener);
  std::array<std::byte, Operation::kAcceptBufferBytes> addresses{};
  Operation accept(Operation::Kind::accept, addresses);
  if (!io.start(accept)) run_until_finished(poller, io, accept);
  ASSERT_EQ(accept.error(), 0);
  EXPECT_TRUE(accept.take_accepted().valid());
}

TEST(IoOperation, CancelFinishesAPendingAcceptAsCancelled) {
  Poller poller;
  rt::poll::Socket listener = rt::poll::listen_tcp(loopback(0), 16);
  IoSocket io(poller, listener);
  std::array<std::byte, Operation::kAcceptBufferBytes> addresses{};
  Operation accept(Operation::Kind::accept, addresses);
  ASSERT_FALSE(io.start(accept));
  if (!io.cancel(accept)) run_until_finished(poller, io, accept);
  EXPECT_TRUE(rt::poll::is_cancelled(accept.error())) << "error " << accept.error();
  EXPECT_FALSE(accept.take_accepted().valid()) << "a cancelled accept holds no socket";
}

TEST(IoOperation, AConnectFinishesAndLeavesTheSocketConnected) {
  Poller poller;
  rt::poll::Socket listener = rt::poll::listen_loopback();
  rt::poll::Socket socket = rt::poll::tcp_socket();
  IoSocket io(poller, socket);
  Operation connect(loopback(rt::poll::local_port(listener)));
  EXPECT_EQ(connect.kind(), Operation::Kind::connect);
  if (!io.start(connect)) run_until_finished(poller, io, connect);
  ASSERT_EQ(connect.error(), 0);
  EXPECT_EQ(connect.bytes(), 0u);
  rt::poll::Socket server = rt::poll::accept_connection(listener);
  EXPECT_EQ(rt::poll::peer_port(socket), rt::poll::local_port(listener))
      << "getpeername works: the socket is connected (SO_UPDATE_CONNECT_CONTEXT on IOCP)";
  std::string text = "connected";
  Operation send(Operation::Kind::send, bytes_of(text));
  if (!io.start(send)) run_until_finished(poller, io, send);
  ASSERT_EQ(send.bytes(), text.size());
  EXPECT_EQ(rt::poll::receive_exactly(server, text.size()), text);
}

TEST(IoOperation, AConnectToAPortNobodyListensOnFinishesWithRefusedInsteadOfThrowing) {
  Poller poller;
  const std::uint16_t port = unused_port();
  rt::poll::Socket socket = rt::poll::tcp_socket();
  IoSocket io(poller, socket);
  Operation connect(loopback(port));
  bool finished_at_once = false;
  ASSERT_NO_THROW(finished_at_once = io.start(connect));
  if (!finished_at_once) run_until_finished(poller, io, connect);
  EXPECT_TRUE(rt::poll::is_connection_refused(connect.error())) << "error " << connect.error();
  EXPECT_EQ(io.pending(), 0);
}
